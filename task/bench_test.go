package task_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/spool-go/spool/task"
)

var sinkInt int

// BenchmarkGo measures task.Go + Await of a trivial function against the
// hand-written floor: a bare goroutine returning over a 1-buffered channel.
func BenchmarkGo(b *testing.B) {
	ctx := context.Background()
	trivial := func(context.Context) (int, error) { return 1, nil }
	b.Run("task.Go+Await", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := task.Go(ctx, trivial).Await(ctx)
			sinkInt += v
		}
	})
	b.Run("task.Go+Await(cancellable-ctx)", func(b *testing.B) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		b.ReportAllocs()
		for b.Loop() {
			v, _ := task.Go(cctx, trivial).Await(cctx)
			sinkInt += v
		}
	})
	b.Run("goroutine+chan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt += bareGo(ctx, trivial)
		}
	})
}

// bareGo is the hand-written floor of BenchmarkGo: a goroutine that
// returns fn's result over a 1-buffered channel. It is a function, not
// the b.Loop body itself, because Go 1.26 keeps the variables assigned in
// a b.Loop body alive, which moved ch, captured by the goroutine's
// closure, to the heap: 3 allocations (184 B) where the same code costs 2
// (176 B) anywhere else.
func bareGo(ctx context.Context, fn func(context.Context) (int, error)) int {
	ch := make(chan int, 1)
	go func() {
		v, _ := fn(ctx)
		ch <- v
	}()
	return <-ch
}

// BenchmarkGroup runs batches of trivial tasks through a task.Group and
// through errgroup with SetLimit, at two limits; ns/task is the figure.
func BenchmarkGroup(b *testing.B) {
	const batch = 100_000
	ctx := context.Background()
	for _, limit := range []int{2, 100, 10_000} {
		b.Run(fmt.Sprintf("task.Group/limit=%d", limit), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := task.NewGroup[int](ctx, task.Limit(limit))
				for i := range batch {
					g.Go(ctx, func(context.Context) (int, error) { return i, nil })
				}
				if _, err := g.Wait(ctx); err != nil {
					b.Fatal(err)
				}
				g.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/task")
		})
		b.Run(fmt.Sprintf("errgroup/limit=%d", limit), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var g errgroup.Group
				g.SetLimit(limit)
				var mu sync.Mutex
				results := make([]int, 0, 16)
				for i := range batch {
					g.Go(func() error {
						mu.Lock() // errgroup keeps no results: collect them as a user must
						results = append(results, i)
						mu.Unlock()
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/task")
		})
	}
}

// BenchmarkPark measures an await point outside a runtime.
func BenchmarkPark(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		task.Park(ctx).Resume()
	}
}

// BenchmarkFlight measures Flight.Do of a trivial fn: uncontended (one
// caller, a new call each time), and with 8 callers sharing each call
// (ns/op is one call and its 8 results).
func BenchmarkFlight(b *testing.B) {
	ctx := context.Background()
	trivial := func(context.Context) (int, error) { return 1, nil }
	b.Run("uncontended", func(b *testing.B) {
		var f task.Flight[string, int]
		b.ReportAllocs()
		for b.Loop() {
			v, _, _ := f.Do(ctx, "k", trivial)
			sinkInt += v
		}
	})
	b.Run("waiters=8", func(b *testing.B) {
		const waiters = 8
		var f task.Flight[string, int]
		release := make(chan struct{})
		gate := func(context.Context) (int, error) { <-release; return 1, nil }
		b.ReportAllocs()
		for b.Loop() {
			flight8(&f, gate, release, waiters)
		}
	})
}

// flight8 runs one call of gate shared by n callers: the first starts it,
// the others join, and gate returns when release is sent to, once all
// of them wait.
func flight8(f *task.Flight[string, int], gate func(context.Context) (int, error), release chan struct{}, n int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { f.Do(ctx, "k", gate) })
	}
	for task.FlightWaiters(f, "k") < n {
		runtime.Gosched()
	}
	release <- struct{}{}
	wg.Wait()
}
