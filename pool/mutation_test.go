package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestMutMaxWaitingZeroIsNoCap: MaxWaiting(0) is the default, no cap: New
// takes it, and submitters at a full queue wait for room instead of being
// refused with ErrFull.
func TestMutMaxWaitingZeroIsNoCap(t *testing.T) {
	tests := []struct {
		name    string
		opts    []pool.Option
		waiters int
	}{
		{"default", nil, 3},
		{"MaxWaiting(0)", []pool.Option{pool.MaxWaiting(0)}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := pool.New(1, append([]pool.Option{pool.QueueSize(1)}, tt.opts...)...)
				if err != nil {
					t.Fatalf("New = %v; want nil", err)
				}
				gate := make(chan struct{})
				if err := p.Go(func() { <-gate }); err != nil { // the worker
					t.Fatal(err)
				}
				synctest.Wait()
				if err := p.Go(func() {}); err != nil { // the queue's one place
					t.Fatal(err)
				}
				errs := make([]error, tt.waiters)
				var wg sync.WaitGroup
				for i := range tt.waiters {
					wg.Go(func() { errs[i] = p.GoContext(context.Background(), func() {}) })
				}
				synctest.Wait()
				if got := p.Metrics().Waiting; got != tt.waiters {
					t.Errorf("Waiting = %d; want %d (no cap)", got, tt.waiters)
				}
				close(gate)
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("waiter %d: GoContext = %v; want nil", i, err)
					}
				}
				p.Close()
				if m := p.Metrics(); m.Rejected != 0 || m.Completed != uint64(2+tt.waiters) {
					t.Errorf("Rejected, Completed = %d, %d; want 0, %d", m.Rejected, m.Completed, 2+tt.waiters)
				}
			})
		})
	}
}

// TestMutResizeRetiresIdleAtOnce: shrinking retires an idle worker at once
// even while another is busy; the busy one stays until its item returns.
func TestMutResizeRetiresIdleAtOnce(t *testing.T) {
	tests := []struct {
		name     string
		workers  int
		busy     int
		resize   int
		wantNow  int // Size right after Resize, busy workers still busy
		wantDone int // Size once the busy items returned
	}{
		{"2 workers, 1 busy, to 1", 2, 1, 1, 1, 1},
		{"2 workers, none busy, to 1", 2, 0, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := pool.New(tt.workers)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				hold := make(chan struct{})    // the busy items
				release := make(chan struct{}) // the items that end, leaving their workers idle
				for i := range tt.workers {
					ch := release
					if i < tt.busy {
						ch = hold
					}
					if err := p.Go(func() { <-ch }); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				if got := p.Size(); got != tt.workers {
					t.Fatalf("Size = %d with every worker busy; want %d", got, tt.workers)
				}
				close(release)
				synctest.Wait()
				if err := p.Resize(tt.resize); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got := p.Size(); got != tt.wantNow {
					t.Errorf("Size after Resize(%d) with %d busy = %d; want %d (idle workers retire at once)", tt.resize, tt.busy, got, tt.wantNow)
				}
				close(hold)
				synctest.Wait()
				if got := p.Size(); got != tt.wantDone {
					t.Errorf("Size once the busy items returned = %d; want %d", got, tt.wantDone)
				}
			})
		})
	}
}

// TestMutLateSubTaskOfCancelledTask: after Close, a running task's
// sub-task with its own context runs at once on its worker, unless that
// context has ended: its work is being cancelled, and the sub-task does not
// run (GoContext: ErrClosed; Submit, as for any ended context:
// task.ErrNotStarted).
func TestMutLateSubTaskOfCancelledTask(t *testing.T) {
	submit := []struct {
		name          string
		call          func(ctx context.Context, p *pool.Pool, fn func()) error
		wantCancelled error
	}{
		{"GoContext", func(ctx context.Context, p *pool.Pool, fn func()) error { return p.GoContext(ctx, fn) }, pool.ErrClosed},
		{"Submit", func(ctx context.Context, p *pool.Pool, fn func()) error {
			_, err := pool.Submit(ctx, p, func(context.Context) (int, error) { fn(); return 0, nil }).Await(context.Background())
			return err
		}, task.ErrNotStarted},
	}
	for _, s := range submit {
		for _, cancelled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/cancelled=%v", s.name, cancelled), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p, err := pool.New(1)
					if err != nil {
						t.Fatal(err)
					}
					parent, cancel := context.WithCancel(context.Background())
					defer cancel()
					closing := make(chan struct{})
					ran := false
					var subErr error
					tk := pool.Submit(parent, p, func(ctx context.Context) (int, error) {
						<-closing
						if cancelled {
							cancel()
						}
						subErr = s.call(ctx, p, func() { ran = true })
						return 0, nil
					})
					synctest.Wait() // the task runs, waiting
					closed := make(chan struct{})
					go func() { p.Close(); close(closed) }()
					synctest.Wait() // Close waits for the task
					close(closing)
					<-closed
					if _, err := tk.Await(context.Background()); err != nil {
						t.Errorf("task = %v; want nil", err)
					}
					if cancelled {
						if ran || !errors.Is(subErr, s.wantCancelled) {
							t.Errorf("sub-task of a cancelled task after Close: ran %v, err %v; want not run, %v", ran, subErr, s.wantCancelled)
						}
					} else if !ran || subErr != nil {
						t.Errorf("sub-task after Close: ran %v, err %v; want run at once, nil", ran, subErr)
					}
				})
			})
		}
	}
}
