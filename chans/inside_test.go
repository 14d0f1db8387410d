package chans_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
)

// TestCloseFromInside: a stage's function or a source that calls Close
// (it has seen enough) stops the pipeline: Close waits for every other
// goroutine of the pipeline, and returns; it cannot wait for its caller.
// It waited for itself, forever, and the pipeline's goroutines leaked.
func TestCloseFromInside(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		source  bool // the source calls Close, not the stage
	}{
		{"a stage of 1 worker", 1, false},
		{"every worker of a stage of 4", 4, false},
		{"a source", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := chans.NewPipeline(context.Background())
				src := make(chan int)
				var closes atomic.Int64
				closeInside := func() {
					if err := p.Close(); err != nil {
						t.Errorf("Close from inside = %v; want nil", err)
					}
					closes.Add(1)
				}
				p.Go(func(ctx context.Context) error {
					defer close(src)
					for i := 0; ; i++ {
						if tt.source && i == 3 {
							closeInside()
							return nil
						}
						select {
						case src <- i:
						case <-ctx.Done():
							return ctx.Err()
						}
					}
				})
				var seen atomic.Int64
				out := chans.Stage(p, src, tt.workers, func(ctx context.Context, v int) (int, error) {
					if !tt.source && seen.Add(1) >= 3 {
						closeInside()
						return 0, ctx.Err()
					}
					return v, nil
				})
				for range out {
				}
				if err := p.Close(); err != nil {
					t.Errorf("the consumer's Close = %v; want nil", err)
				}
				if closes.Load() == 0 {
					t.Errorf("no Close from inside returned")
				}
			})
		})
	}
}
