package parallel_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/spool-go/spool/bench/parallel"
	"github.com/spool-go/spool/internal/benchcpu"
	"github.com/spool-go/spool/internal/workload"
)

// cpuTime is the CPU time the process has used, all threads together (0
// where it is not known): unlike wall time it does not grow when other
// processes compete for the cores.
var cpuTime = benchcpu.Used

// spinRounds returns the workload.Spin rounds of a 1 µs task: from
// SPOOL_SPIN_ROUNDS if set, so that separate runs of the test binary
// (alternated to share out a busy machine's noise) do the same work, else
// calibrated.
func spinRounds() int {
	if r, err := strconv.Atoi(os.Getenv("SPOOL_SPIN_ROUNDS")); err == nil && r > 0 {
		return r
	}
	return workload.Rounds(time.Microsecond)
}

// TestRounds prints the rounds of a 1 µs task, for run.sh to pass on.
func TestRounds(t *testing.T) { t.Logf("rounds=%d", spinRounds()) }

// work is a workload: n items, f each. fn and each give f in every
// library's shape, the work written out in each, so that no Map or
// ForEach peer pays an adapter's extra call per item (the Sum and ordered
// peers all take f).
type work struct {
	name string
	n    int
	f    func(int) int
	fn   parallel.Fn
	each func(out []int) parallel.EachFn // out[x] = f(x)
}

// trivial is n items of x*2.
func trivial(n int) work {
	return work{"trivial", n, func(x int) int { return x * 2 },
		parallel.Fn{
			F:   func(x int) int { return x * 2 },
			Ptr: func(x *int) int { return *x * 2 },
			Ctx: func(_ context.Context, x int) (int, error) { return x * 2, nil },
		},
		func(out []int) parallel.EachFn {
			return parallel.EachFn{
				F:   func(x int) { out[x] = x * 2 },
				Ptr: func(x *int) { out[*x] = *x * 2 },
				Ctx: func(_ context.Context, x int) error { out[x] = x * 2; return nil },
			}
		}}
}

// spin is n items of workload.Spin(rounds).
func spin(name string, n, rounds int) work {
	return work{name, n, func(x int) int { return x ^ int(workload.Spin(rounds)) },
		parallel.Fn{
			F:   func(x int) int { return x ^ int(workload.Spin(rounds)) },
			Ptr: func(x *int) int { return *x ^ int(workload.Spin(rounds)) },
			Ctx: func(_ context.Context, x int) (int, error) { return x ^ int(workload.Spin(rounds)), nil },
		},
		func(out []int) parallel.EachFn {
			return parallel.EachFn{
				F:   func(x int) { out[x] = x ^ int(workload.Spin(rounds)) },
				Ptr: func(x *int) { out[*x] = *x ^ int(workload.Spin(rounds)) },
				Ctx: func(_ context.Context, x int) error { out[x] = x ^ int(workload.Spin(rounds)); return nil },
			}
		}}
}

// sliceWork are the slice workloads: 1,000,000 trivial items (x*2),
// 100,000 items of ~1 µs of CPU and 1,000 of ~100 µs.
func sliceWork() []work {
	r := spinRounds()
	return []work{
		trivial(1_000_000),
		spin("spin-1us", 100_000, r),
		spin("spin-100us", 1_000, 100*r),
	}
}

// orderedWork are the stream workloads: 100,000 values of ~1 µs of CPU
// and 10,000 of ~100 µs.
func orderedWork() []work {
	r := spinRounds()
	return []work{
		spin("spin-1us", 100_000, r),
		spin("spin-100us", 10_000, 100*r),
	}
}

// measure runs body under b.Loop and reports, per item of the n each
// call handles: wall time (ns/item), the process's CPU time, all threads
// (cpu-ns/item), and the bytes and allocations of the whole process
// (runtime.MemStats, read outside the timed loop).
func measure(b *testing.B, n int, body func() error) {
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := cpuTime()
	for b.Loop() {
		if err := body(); err != nil {
			b.Fatal(err)
		}
	}
	c1 := cpuTime()
	runtime.ReadMemStats(&m1)
	items := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
	if c1 > c0 {
		b.ReportMetric(float64((c1-c0).Nanoseconds())/items, "cpu-ns/item")
	}
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/items, "B/item")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/items, "allocs/item")
}

var sink int

// BenchmarkMap runs every Map peer on every slice workload, one op being
// the whole slice.
func BenchmarkMap(b *testing.B) {
	for _, w := range sliceWork() {
		in := iota(w.n)
		for _, p := range parallel.Maps {
			b.Run(fmt.Sprintf("work=%s/peer=%s", w.name, p.Name), func(b *testing.B) {
				measure(b, w.n, func() error {
					out, err := p.Map(in, w.fn)
					sink += out[w.n-1]
					return err
				})
			})
		}
	}
}

// BenchmarkForEach runs every ForEach peer on every slice workload; f
// writes its result into a slice by the item's value (its index).
func BenchmarkForEach(b *testing.B) {
	for _, w := range sliceWork() {
		in := iota(w.n)
		out := make([]int, w.n)
		f := w.each(out)
		for _, p := range parallel.ForEaches {
			b.Run(fmt.Sprintf("work=%s/peer=%s", w.name, p.Name), func(b *testing.B) {
				measure(b, w.n, func() error { return p.ForEach(in, f) })
				sink += out[w.n-1]
			})
		}
	}
}

// BenchmarkMapReduce runs every Sum peer on every slice workload.
func BenchmarkMapReduce(b *testing.B) {
	for _, w := range sliceWork() {
		in := iota(w.n)
		for _, p := range parallel.Sums {
			b.Run(fmt.Sprintf("work=%s/peer=%s", w.name, p.Name), func(b *testing.B) {
				measure(b, w.n, func() error {
					s, err := p.Sum(in, w.f)
					sink += s
					return err
				})
			})
		}
	}
}

// BenchmarkOrdered runs every ordered-stream peer with GOMAXPROCS workers
// on an iter.Seq of 0..n-1; the consumer adds up the results.
func BenchmarkOrdered(b *testing.B) {
	workers := runtime.GOMAXPROCS(0)
	for _, w := range orderedWork() {
		var seq iter.Seq[int] = func(yield func(int) bool) {
			for i := range w.n {
				if !yield(i) {
					return
				}
			}
		}
		for _, p := range parallel.Ordereds {
			b.Run(fmt.Sprintf("work=%s/peer=%s", w.name, p.Name), func(b *testing.B) {
				measure(b, w.n, func() error {
					return p.Run(seq, workers, w.f, func(v int) { sink += v })
				})
			})
		}
	}
}

// TestWorkShapes checks that every shape of every workload computes f, so
// that a benchmark's peer does the same work as the others.
func TestWorkShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("calibrates the spin workloads")
	}
	ctx := context.Background()
	for _, w := range append(sliceWork(), orderedWork()...) {
		out := make([]int, 8)
		each := w.each(out)
		for x := range 8 {
			want := w.f(x)
			xp := x
			got := []int{w.fn.F(x), w.fn.Ptr(&xp)}
			if v, err := w.fn.Ctx(ctx, x); err != nil {
				t.Fatalf("%s: Ctx(%d) = %v", w.name, x, err)
			} else {
				got = append(got, v)
			}
			for i, f := range []func(){func() { each.F(x) }, func() { each.Ptr(&xp) }, func() {
				if err := each.Ctx(ctx, x); err != nil {
					t.Fatalf("%s: each.Ctx(%d) = %v", w.name, x, err)
				}
			}} {
				out[x] = -1
				f()
				if out[x] != want {
					t.Errorf("%s: each shape %d of %d wrote %d; want %d", w.name, i, x, out[x], want)
				}
			}
			for i, g := range got {
				if g != want {
					t.Errorf("%s: shape %d of %d = %d; want %d", w.name, i, x, g, want)
				}
			}
		}
	}
}
