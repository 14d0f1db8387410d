package parallel_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/internal/workload"
	"github.com/spool-go/spool/parallel"
)

// peakCounter records how many calls run at once.
type peakCounter struct{ cur, peak atomic.Int64 }

func (p *peakCounter) enter() {
	n := p.cur.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			return
		}
	}
}

func (p *peakCounter) leave() { p.cur.Add(-1) }

// TestAudit3UnevenStart runs Map and ForEach over inputs whose first items
// cost nothing and whose last ones wait: the caller finishes the cheap
// chunks alone within soloFor, and used to decide then, once and for all,
// that the rest was not worth helpers, running the slow part on one
// goroutine instead of Workers. In fake time, the slow items must run
// Workers at once and the whole take about their total over Workers.
func TestAudit3UnevenStart(t *testing.T) {
	const n, workers, slow = 64, 4, time.Millisecond
	tests := []struct {
		name  string
		cheap int // items [0, cheap) cost nothing, the rest take slow
	}{
		{"uniform", 0},
		{"cheap half", n / 2},
		{"cheap three quarters", 3 * n / 4},
	}
	for _, tt := range tests {
		for _, fn := range []string{"Map", "ForEach"} {
			t.Run(tt.name+"/"+fn, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					in := make([]int, n)
					for i := range in {
						in[i] = i
					}
					var pc peakCounter
					item := func(i int) {
						if i < tt.cheap {
							return
						}
						pc.enter()
						time.Sleep(slow)
						pc.leave()
					}
					start := time.Now()
					var err error
					if fn == "Map" {
						_, err = parallel.Map(context.Background(), in, func(_ context.Context, i int) (int, error) {
							item(i)
							return i, nil
						}, parallel.Workers(workers))
					} else {
						err = parallel.ForEach(context.Background(), in, func(_ context.Context, i int) error {
							item(i)
							return nil
						}, parallel.Workers(workers))
					}
					elapsed := time.Since(start)
					if err != nil {
						t.Fatalf("%s: got error %v, want nil", fn, err)
					}
					if got := pc.peak.Load(); got != workers {
						t.Errorf("slow items running at once: got %d, want %d", got, workers)
					}
					// The ideal is the slow items' total over the workers; a
					// chunk's worth more is the chunking's own tail.
					ideal := time.Duration(n-tt.cheap) * slow / workers
					if limit := ideal + ideal/2; elapsed > limit {
						t.Errorf("elapsed (fake time): got %v, want at most %v (ideal %v)", elapsed, limit, ideal)
					}
				})
			})
		}
	}
}

// BenchmarkAudit3UnevenStart runs a CPU task over 4,000 items of which
// the first half are trivial and the second half cost about 50 µs each
// (an input sorted by cost, say by file size): parallel.Map against one
// goroutine per worker taking items from an atomic counter by hand.
func BenchmarkAudit3UnevenStart(b *testing.B) {
	const n = 4000
	rounds := spinRounds() * 50
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	cost := func(i int) uint64 {
		if i < n/2 {
			return uint64(i)
		}
		return workload.Spin(rounds)
	}
	ctx := context.Background()
	b.Run("impl=hand", func(b *testing.B) {
		loopCPU(b, func() {
			out := make([]uint64, n)
			var next atomic.Int64
			var wg sync.WaitGroup
			for range runtime.GOMAXPROCS(0) {
				wg.Go(func() {
					for {
						i := int(next.Add(1) - 1)
						if i >= n {
							return
						}
						out[i] = cost(i)
					}
				})
			}
			wg.Wait()
			workload.Sink = out[0]
		})
	})
	b.Run("impl=Map", func(b *testing.B) {
		loopCPU(b, func() {
			out, _ := parallel.Map(ctx, in, func(_ context.Context, i int) (uint64, error) { return cost(i), nil })
			workload.Sink = out[0]
		})
	})
}

// BenchmarkAudit3UnevenStartWait is BenchmarkAudit3UnevenStart with
// Workers(8) and items that wait instead of spinning: 64 items, the
// first half free, the second half waiting 1 ms each. The ideal is 4 ms.
func BenchmarkAudit3UnevenStartWait(b *testing.B) {
	const n, workers = 64, 8
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	item := func(i int) int {
		if i >= n/2 {
			time.Sleep(time.Millisecond)
		}
		return i
	}
	ctx := context.Background()
	b.Run("impl=hand", func(b *testing.B) {
		for b.Loop() {
			out := make([]int, n)
			var next atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for {
						i := int(next.Add(1) - 1)
						if i >= n {
							return
						}
						out[i] = item(i)
					}
				})
			}
			wg.Wait()
		}
	})
	b.Run("impl=Map", func(b *testing.B) {
		for b.Loop() {
			parallel.Map(ctx, in, func(_ context.Context, i int) (int, error) { return item(i), nil }, parallel.Workers(workers))
		}
	})
}
