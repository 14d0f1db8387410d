package parallel_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/parallel"
)

// TestCtxPolledInChunk: once an item cancels ctx, at most 64 more items of
// its chunk run (a chunk's loop looks at ctx every 64 items). On one P the
// goroutine that sets the run's stop flag when ctx ends may not run for a
// while, so only that look limits the overrun: without it, 199,989 of
// 200,000 items ran after the cancel (a review's mutants, one per loop).
func TestCtxPolledInChunk(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n, cancelAt, most = 200_000, 11, 64
	runs := []struct {
		name string
		run  func(ctx context.Context, in []int, fn func(context.Context, int) (int, error), opts ...parallel.Option)
	}{
		{"Map", func(ctx context.Context, in []int, fn func(context.Context, int) (int, error), opts ...parallel.Option) {
			parallel.Map(ctx, in, fn, opts...)
		}},
		{"Map KeepGoing", func(ctx context.Context, in []int, fn func(context.Context, int) (int, error), opts ...parallel.Option) {
			parallel.Map(ctx, in, fn, append(opts, parallel.KeepGoing())...)
		}},
		{"ForEach", func(ctx context.Context, in []int, fn func(context.Context, int) (int, error), opts ...parallel.Option) {
			parallel.ForEach(ctx, in, func(ctx context.Context, x int) error { _, err := fn(ctx, x); return err }, opts...)
		}},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			in := make([]int, n)
			var ran atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fn := func(_ context.Context, x int) (int, error) {
				if ran.Add(1) == cancelAt {
					cancel()
				}
				return x, nil
			}
			r.run(ctx, in, fn, parallel.Workers(1), parallel.ChunkSize(n))
			if got := ran.Load() - cancelAt; got > most {
				t.Errorf("%d items ran after the one that cancelled ctx; want at most %d", got, most)
			}
		})
	}
}
