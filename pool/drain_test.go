package pool_test

import (
	"context"
	"errors"
	"runtime"
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

// TestCloseRefusesSubmissionsNotFromItsWorkers: after Close, only a
// running task of p, on p's worker, may submit to p. A context of p's
// task used from a worker of another pool is refused, whether that task
// has ended or still runs. The ended task's context was taken for a
// running one, and the other pool's worker for one of p's: the Go job
// ran after Close had returned and Done was closed.
func TestCloseRefusesSubmissionsNotFromItsWorkers(t *testing.T) {
	for _, running := range []bool{false, true} {
		t.Run(map[bool]string{false: "ended task", true: "running task"}[running], func(t *testing.T) {
			p, q := newPool(t, 1), newPool(t, 1)
			handed, release := make(chan context.Context, 1), make(chan struct{})
			owner := pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
				handed <- ctx
				if running {
					<-release
				}
				return 0, nil
			})
			ctxT := <-handed
			closed := make(chan struct{})
			go func() { p.Close(); close(closed) }()
			if !running {
				<-closed
			}
			for p.TryGo(func() {}) != pool.ErrClosed { // until Close has begun
				runtime.Gosched()
			}
			ran := false
			_, err := pool.Submit(context.Background(), q, func(context.Context) (int, error) {
				return 0, p.GoContext(ctxT, func() { ran = true })
			}).Await(context.Background())
			close(release)
			<-closed
			_, _ = owner.Await(context.Background())
			if ran || !errors.Is(err, pool.ErrClosed) {
				t.Errorf("p.GoContext after Close from q's worker = %v, ran %v; want ErrClosed, not run", err, ran)
			}
			checkInvariant(t, p)
		})
	}
}
