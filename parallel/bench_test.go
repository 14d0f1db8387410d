package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/internal/benchcpu"
	"github.com/spool-go/spool/internal/workload"
	"github.com/spool-go/spool/parallel"
)

// cpuTime is the CPU time the process has used, all threads together (0
// where it is not known): unlike wall time it does not grow when other
// processes compete for the cores.
var cpuTime = benchcpu.Used

// spinRounds returns the workload.Spin rounds of a 1 µs task: from
// SPOOL_SPIN_ROUNDS if set, so that runs in separate processes (interleaved
// to share out a busy machine's noise) do the same work, else calibrated.
func spinRounds() int {
	if r, err := strconv.Atoi(os.Getenv("SPOOL_SPIN_ROUNDS")); err == nil && r > 0 {
		return r
	}
	return workload.Rounds(time.Microsecond)
}

// loopCPU runs body under b.Loop and reports the process's CPU time per
// operation next to the wall time.
func loopCPU(b *testing.B, body func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		body()
	}
	if c := cpuTime() - start; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkMap runs a 1 µs CPU task (workload.Spin) over 100,000 items:
// a serial loop, one goroutine per item, and parallel.Map.
func BenchmarkMap(b *testing.B) {
	const n = 100_000
	rounds := spinRounds()
	in := make([]int, n)
	for i := range in {
		in[i] = rounds
	}
	ctx := context.Background()
	spin := func(_ context.Context, r int) (uint64, error) { return workload.Spin(r), nil }

	b.Run("impl=serial", func(b *testing.B) {
		loopCPU(b, func() {
			out := make([]uint64, n)
			for i, r := range in {
				out[i], _ = spin(ctx, r)
			}
			workload.Sink = out[n-1]
		})
	})
	b.Run("impl=goroutine-per-item", func(b *testing.B) {
		loopCPU(b, func() {
			out := make([]uint64, n)
			var wg sync.WaitGroup
			for i, r := range in {
				wg.Go(func() { out[i], _ = spin(ctx, r) })
			}
			wg.Wait()
			workload.Sink = out[n-1]
		})
	})
	b.Run("impl=parallel.Map", func(b *testing.B) {
		loopCPU(b, func() {
			out, err := parallel.Map(ctx, in, spin)
			if err != nil {
				b.Fatal(err)
			}
			workload.Sink = out[n-1]
		})
	})
}

// BenchmarkMapOverhead measures what Map adds to trivial items: a slice
// that fits in one chunk (run inline) and one that is split.
func BenchmarkMapOverhead(b *testing.B) {
	ctx := context.Background()
	inc := func(_ context.Context, x int) (int, error) { return x + 1, nil }
	for _, n := range []int{1, 16, 10_000} {
		in := make([]int, n)
		b.Run(fmt.Sprintf("n=%d/impl=loop", n), func(b *testing.B) {
			loopCPU(b, func() {
				out := make([]int, n)
				for i, x := range in {
					out[i], _ = inc(ctx, x)
				}
				workload.Sink = uint64(out[0])
			})
		})
		b.Run(fmt.Sprintf("n=%d/impl=Map", n), func(b *testing.B) {
			loopCPU(b, func() {
				out, _ := parallel.Map(ctx, in, inc)
				workload.Sink = uint64(out[0])
			})
		})
		b.Run(fmt.Sprintf("n=%d/impl=Map-one-chunk", n), func(b *testing.B) {
			loopCPU(b, func() {
				out, _ := parallel.Map(ctx, in, inc, parallel.ChunkSize(n))
				workload.Sink = uint64(out[0])
			})
		})
	}
}

// BenchmarkMapKeepGoing measures what KeepGoing adds to trivial items
// (10,000 of them, in the default chunks): with no failure, with 1% of
// the items returning an error, and with 1% panicking.
func BenchmarkMapKeepGoing(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	errOdd := errors.New("odd")
	for _, bm := range []struct {
		name string
		fn   func(context.Context, int) (int, error)
		opts []parallel.Option
	}{
		{"impl=Map", func(_ context.Context, x int) (int, error) { return x + 1, nil }, nil},
		{"impl=KeepGoing/fail=none", func(_ context.Context, x int) (int, error) { return x + 1, nil },
			[]parallel.Option{parallel.KeepGoing()}},
		{"impl=KeepGoing/fail=1%-errors", func(_ context.Context, x int) (int, error) {
			if x%100 == 0 {
				return 0, errOdd
			}
			return x + 1, nil
		}, []parallel.Option{parallel.KeepGoing()}},
		{"impl=KeepGoing/fail=1%-panics", func(_ context.Context, x int) (int, error) {
			if x%100 == 0 {
				panic(errOdd)
			}
			return x + 1, nil
		}, []parallel.Option{parallel.KeepGoing()}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			loopCPU(b, func() {
				out, _ := parallel.Map(ctx, in, bm.fn, bm.opts...)
				workload.Sink = uint64(out[1])
			})
		})
	}
}

// chapterSum is the chapter's parallel_computation: chunks of
// len/num_cpus, each copied (chunk.to_vec()) and summed on its own thread.
func chapterSum(data []uint64) uint64 {
	size := max(1, len(data)/runtime.NumCPU())
	var handles []chan uint64
	for lo := 0; lo < len(data); lo += size {
		chunk := slices.Clone(data[lo:min(lo+size, len(data))]) // to_vec
		h := make(chan uint64, 1)
		go func() { h <- workload.SumSquares(chunk) }()
		handles = append(handles, h)
	}
	var s uint64
	for _, h := range handles {
		s += <-h
	}
	return s
}

// subSliceSum is chapterSum without the copy.
func subSliceSum(data []uint64) uint64 {
	size := max(1, len(data)/runtime.NumCPU())
	var handles []chan uint64
	for lo := 0; lo < len(data); lo += size {
		chunk := data[lo:min(lo+size, len(data))]
		h := make(chan uint64, 1)
		go func() { h <- workload.SumSquares(chunk) }()
		handles = append(handles, h)
	}
	var s uint64
	for _, h := range handles {
		s += <-h
	}
	return s
}

// BenchmarkSumSquares is the chapter's parallel_computation over 0..10M:
// a serial loop, the chapter's copy-then-sum threads, the same threads on
// sub-slices, and parallel.MapReduce.
func BenchmarkSumSquares(b *testing.B) {
	data := workload.Iota(10_000_000)
	want := workload.SumSquares(data)
	ctx := context.Background()
	check := func(b *testing.B, got uint64) {
		if got != want {
			b.Fatalf("sum = %d; want %d", got, want)
		}
	}
	b.Run("impl=serial", func(b *testing.B) {
		loopCPU(b, func() {
			check(b, workload.SumSquares(data))
		})
	})
	b.Run("impl=chapter-copy", func(b *testing.B) {
		loopCPU(b, func() {
			check(b, chapterSum(data))
		})
	})
	b.Run("impl=subslices-by-hand", func(b *testing.B) {
		loopCPU(b, func() {
			check(b, subSliceSum(data))
		})
	})
	b.Run("impl=MapReduce", func(b *testing.B) {
		loopCPU(b, func() {
			s, err := parallel.MapReduce(ctx, data, func(_ context.Context, c []uint64) (uint64, error) {
				return workload.SumSquares(c), nil
			}, func(x, y uint64) uint64 { return x + y })
			if err != nil {
				b.Fatal(err)
			}
			check(b, s)
		})
	})
}

// BenchmarkMapOrdered measures the per-value coordination of MapOrdered
// with 4 workers and a trivial fn, and with a 10 µs CPU task.
func BenchmarkMapOrdered(b *testing.B) {
	ctx := context.Background()
	rounds := 10 * spinRounds()
	for _, bm := range []struct {
		name string
		fn   func(context.Context, int) (uint64, error)
	}{
		{"fn=trivial", func(_ context.Context, x int) (uint64, error) { return uint64(x), nil }},
		{"fn=10µs", func(_ context.Context, x int) (uint64, error) { return workload.Spin(rounds), nil }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			const n = 1000
			var seq iter.Seq[int] = func(yield func(int) bool) {
				for i := range n {
					if !yield(i) {
						return
					}
				}
			}
			for b.Loop() {
				for v, err := range parallel.MapOrdered(ctx, seq, 4, bm.fn) {
					if err != nil {
						b.Fatal(err)
					}
					workload.Sink = v
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
		})
	}
}

// BenchmarkMapWorkers runs trivial items with Workers far above what the
// cores can use, over a mid-size and a large input: a Workers above the
// input used to cut it into chunks of one item, one goroutine each.
func BenchmarkMapWorkers(b *testing.B) {
	ctx := context.Background()
	f := func(_ context.Context, v int) (int, error) { return v*31 + 7, nil }
	for _, n := range []int{10_000, 1_000_000} {
		in := make([]int, n)
		for _, w := range []int{0, 64, 10_000, 1 << 30} {
			var opts []parallel.Option
			name := "default"
			if w > 0 {
				opts = append(opts, parallel.Workers(w))
				name = strconv.Itoa(w)
			}
			b.Run(fmt.Sprintf("n=%d/workers=%s", n, name), func(b *testing.B) {
				loopCPU(b, func() {
					out, _ := parallel.Map(ctx, in, f, opts...)
					workload.Sink = uint64(out[0])
				})
			})
		}
	}
}

// BenchmarkReduce sums 1,000,000 ints: a serial loop, Reduce (fn called
// through a func value per element), and MapReduce with a loop per chunk.
func BenchmarkReduce(b *testing.B) {
	const n = 1_000_000
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	wide := int64(n)
	want := int(wide * (wide - 1) / 2) // wrapped as the sums wrap where int has 32 bits
	ctx := context.Background()
	add := func(x, y int) int { return x + y }
	check := func(b *testing.B, got int) {
		if got != want {
			b.Fatalf("sum = %d; want %d", got, want)
		}
	}
	b.Run("impl=serial", func(b *testing.B) {
		loopCPU(b, func() {
			s := 0
			for _, v := range in {
				s += v
			}
			check(b, s)
		})
	})
	b.Run("impl=Reduce", func(b *testing.B) {
		loopCPU(b, func() {
			s, err := parallel.Reduce(ctx, in, add)
			if err != nil {
				b.Fatal(err)
			}
			check(b, s)
		})
	})
	b.Run("impl=MapReduce", func(b *testing.B) {
		loopCPU(b, func() {
			s, err := parallel.MapReduce(ctx, in, func(_ context.Context, c []int) (int, error) {
				s := 0
				for _, v := range c {
					s += v
				}
				return s, nil
			}, add)
			if err != nil {
				b.Fatal(err)
			}
			check(b, s)
		})
	})
}
