package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestCloseLetsRunningTasksSubmit: while Close drains, a running task's
// Submit or GoContext with its own context runs the sub-task on the
// task's worker (work in flight can finish); a submission with another
// context and a TrySubmit are refused with ErrClosed, and once
// Shutdown's context has ended the task's own context is done, so its
// submissions do not start. The running task's were refused too,
// so a task that needed a sub-task failed under Close.
func TestCloseLetsRunningTasksSubmit(t *testing.T) {
	child := func(context.Context) (int, error) { return 7, nil }
	tests := []struct {
		name     string
		submit   func(p *pool.Pool, ctx context.Context) (int, error)
		shutdown bool // Shutdown, whose context ends before the task submits, rather than Close
		wantErr  error
	}{
		{"Submit", func(p *pool.Pool, ctx context.Context) (int, error) { return pool.Submit(ctx, p, child).Await(ctx) }, false, nil},
		{"GoContext", func(p *pool.Pool, ctx context.Context) (int, error) {
			ran := 0
			err := p.GoContext(ctx, func() { ran = 7 })
			return ran, err
		}, false, nil},
		{"Submit with another context", func(p *pool.Pool, ctx context.Context) (int, error) {
			return pool.Submit(context.Background(), p, child).Await(ctx)
		}, false, pool.ErrClosed},
		{"Go", func(p *pool.Pool, ctx context.Context) (int, error) { return 0, p.Go(func() {}) }, false, pool.ErrClosed},
		{"TrySubmit", func(p *pool.Pool, ctx context.Context) (int, error) {
			_, err := pool.TrySubmit(ctx, p, child)
			return 0, err
		}, false, pool.ErrClosed},
		{"Submit once Shutdown's context ended", func(p *pool.Pool, ctx context.Context) (int, error) {
			return pool.Submit(ctx, p, child).Await(context.Background())
		}, true, task.ErrNotStarted}, // its context is done: Shutdown cancelled it
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 2, pool.ShutdownGrace(time.Second))
				gate := make(chan struct{})
				parent := pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
					<-gate // Close has begun
					if tt.shutdown {
						<-ctx.Done() // Shutdown's abort cancelled it
					}
					return tt.submit(p, ctx)
				})
				synctest.Wait()
				closed := make(chan error, 1)
				go func() {
					if !tt.shutdown {
						p.Close()
						closed <- nil
						return
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					closed <- p.Shutdown(ctx)
				}()
				synctest.Wait() // Close waits for the parent
				if tt.shutdown {
					time.Sleep(time.Second) // Shutdown's context ends
				}
				close(gate)
				got, err := parent.Await(context.Background())
				if tt.wantErr == nil && (got != 7 || err != nil) {
					t.Errorf("task that submits during the drain = %d, %v; want 7, nil", got, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("task that submits during the drain: %v; want %v", err, tt.wantErr)
				}
				if err := <-closed; tt.shutdown != (err != nil) {
					t.Errorf("Close or Shutdown = %v; want an error only if Shutdown's context ended", err)
				}
				checkInvariant(t, p)
			})
		})
	}
}
