package chans_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/chans"
)

// A huge workers started workers goroutines at once (200,000 for a stage
// over an empty input), and with Ordered made a channel of 2×workers slots:
// math.MaxInt overflowed it, a runtime panic ("makechan: size out of
// range") instead of a working stage. Workers now start as values come.
func TestStageHugeWorkers(t *testing.T) {
	for _, workers := range []int{10_000, math.MaxInt} {
		for _, ordered := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/ordered=%v", workers, ordered), func(t *testing.T) {
				var opts []chans.StageOption
				if ordered {
					opts = append(opts, chans.Ordered())
				}
				p := chans.NewPipeline(context.Background())
				defer p.Close()
				in := make(chan int)
				before := runtime.NumGoroutine()
				out := chans.Stage(p, in, workers, double, opts...)
				// One worker waits for in (unordered), or a dispatcher and a
				// collector (ordered); the margin is for other tests' ends.
				if got, max := runtime.NumGoroutine()-before, 4; got > max {
					t.Errorf("goroutines started over an empty input: %d; want at most %d", got, max)
				}
				go func() {
					defer close(in)
					for i := range 10 {
						in <- i
					}
				}()
				got := collect(out)
				if !ordered {
					slices.Sort(got)
				}
				if want := []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}; !slices.Equal(got, want) {
					t.Errorf("got %v; want %v", got, want)
				}
				if err := p.Wait(context.Background()); err != nil {
					t.Errorf("Wait = %v", err)
				}
			})
		}
	}
}

// Workers are started as values find none free, up to workers: values that
// all wait at once get a worker each.
func TestStageStartsWorkersAsNeeded(t *testing.T) {
	const n = 50
	for _, tt := range []struct {
		workers  int
		ordered  bool
		wantPeak int
	}{
		{math.MaxInt, false, n},
		{math.MaxInt, true, n},
		{n + 1, true, n},
		{7, false, 7},
		{7, true, 7},
	} {
		t.Run(fmt.Sprintf("workers=%d/ordered=%v", tt.workers, tt.ordered), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var opts []chans.StageOption
				if tt.ordered {
					opts = append(opts, chans.Ordered())
				}
				p := chans.NewPipeline(context.Background())
				defer p.Close()
				var running, peak atomic.Int64
				out := chans.Stage(p, produce(p.Context(), ints(0, n)...), tt.workers, func(_ context.Context, x int) (int, error) {
					r := running.Add(1)
					for {
						if pk := peak.Load(); r <= pk || peak.CompareAndSwap(pk, r) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					running.Add(-1)
					return x, nil
				}, opts...)
				got := collect(out)
				if !tt.ordered {
					slices.Sort(got)
				}
				if want := ints(0, n); !slices.Equal(got, want) {
					t.Errorf("got %v; want %v", got, want)
				}
				if got := int(peak.Load()); got != tt.wantPeak {
					t.Errorf("peak concurrency %d; want %d", got, tt.wantPeak)
				}
			})
		})
	}
}

// An ordered stage holds up to 2×workers values in flight behind a slow
// one, and takes no more from in until the slow one is done.
func TestStageOrderedWindow(t *testing.T) {
	for _, workers := range []int{2, 5} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := chans.NewPipeline(context.Background())
				defer p.Close()
				release := make(chan struct{})
				var calls atomic.Int64
				out := chans.Stage(p, produce(p.Context(), ints(0, 100)...), workers, func(_ context.Context, x int) (int, error) {
					calls.Add(1)
					if x == 0 {
						<-release
					}
					return x, nil
				}, chans.Ordered())
				synctest.Wait()
				if got, want := calls.Load(), int64(2*workers); got != want {
					t.Errorf("calls while the first value is held: %d; want %d (the window)", got, want)
				}
				close(release)
				if got := collect(out); !slices.Equal(got, ints(0, 100)) {
					t.Errorf("got %v; want 0..99 in order", got)
				}
			})
		})
	}
}
