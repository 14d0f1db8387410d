package rt_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestDoneContextDoesNotRun: a task whose context is done when it would
// take its first slot (or a blocking goroutine) resolves without running
// fn, with an error matching task.ErrNotStarted and the context's error
// and cause, however it was started and wherever it was, and counts as
// Cancelled. Spawn and BlockOn used to run fn when a slot was free; a task
// that found no slot, or whose context ended while it waited, did not run,
// but its error, and SpawnBlocking's, did not match task.ErrNotStarted.
func TestDoneContextDoesNotRun(t *testing.T) {
	errCause := errors.New("the cause")
	type ender = func() // ends the context
	contexts := []struct {
		name      string
		make      func(ctx context.Context) (context.Context, ender)
		wantErr   error
		wantCause error // nil: the context's error is its cause
	}{
		{
			name: "cancelled",
			make: func(ctx context.Context) (context.Context, ender) {
				ctx, cancel := context.WithCancel(ctx)
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "cancelled with a cause",
			make: func(ctx context.Context) (context.Context, ender) {
				ctx, cancel := context.WithCancelCause(ctx)
				return ctx, func() { cancel(errCause) }
			},
			wantErr:   context.Canceled,
			wantCause: errCause,
		},
		{
			name: "deadline",
			make: func(ctx context.Context) (context.Context, ender) {
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				return ctx, func() { time.Sleep(2 * time.Second); cancel() /* past the deadline: does nothing */ }
			},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "cancelled task's context",
			make: func(ctx context.Context) (context.Context, ender) {
				parent := task.Go(ctx, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
				return parent.Context(), parent.Cancel
			},
			wantErr: context.Canceled,
		},
	}
	type waiter = func() error // waits for the task's result
	starts := []struct {
		name     string
		blocking bool
		start    func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) waiter
	}{
		{"Spawn", false, func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) waiter {
			tk := rt.Spawn(r, ctx, fn)
			return func() error { _, err := tk.Await(context.Background()); return err }
		}},
		{"BlockOn", false, func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) waiter {
			ch := make(chan error, 1)
			go func() { _, err := rt.BlockOn(r, ctx, fn); ch <- err }()
			return func() error { return <-ch }
		}},
		{"SpawnBlocking", true, func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) waiter {
			tk := rt.SpawnBlocking(r, ctx, fn)
			return func() error { _, err := tk.Await(context.Background()); return err }
		}},
	}
	modes := []struct {
		name  string
		busy  bool // the slot (or the blocking goroutine) is taken by a task that waits for the test
		early bool // the context is done before the task starts; else it ends while the task waits
	}{
		{"done at start, free", false, true},
		{"done at start, busy", true, true},
		{"ends while waiting", true, false},
	}
	for _, s := range starts {
		for _, md := range modes {
			for _, c := range contexts {
				t.Run(s.name+"/"+md.name+"/"+c.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.MaxBlocking(1), rt.DetectBlocking(0))
						if err != nil {
							t.Fatal(err)
						}
						bg := context.Background()
						gate := make(chan struct{})
						var blockers []*task.Task[int]
						if md.busy {
							hold := func(context.Context) (int, error) { <-gate; return 0, nil }
							blockers = append(blockers, rt.Spawn(r, bg, hold), rt.SpawnBlocking(r, bg, hold))
							synctest.Wait() // both hold what they hold
						}
						var ran atomic.Int64
						fn := func(context.Context) (int, error) { ran.Add(1); return 1, nil }
						ctx, end := c.make(bg)
						if md.early {
							end()
						}
						wait := s.start(r, ctx, fn)
						if !md.early {
							synctest.Wait() // the task waits for its slot, or in the blocking queue
							end()
						}
						err = wait()
						close(gate)
						for _, b := range blockers {
							if _, err := b.Await(bg); err != nil {
								t.Errorf("blocker: %v", err)
							}
						}
						if err := r.Shutdown(bg); err != nil {
							t.Fatalf("Shutdown = %v; want nil", err)
						}

						if got := ran.Load(); got != 0 {
							t.Errorf("fn ran %d times; want 0", got)
						}
						if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, c.wantErr) {
							t.Errorf("error = %v; want one matching task.ErrNotStarted and %v", err, c.wantErr)
						}
						if c.wantCause != nil && !errors.Is(err, c.wantCause) {
							t.Errorf("error = %v; want one matching the cause, %v", err, c.wantCause)
						}
						m := r.Metrics()
						want := rt.Metrics{Spawned: uint64(1 + len(blockers)), Completed: uint64(len(blockers)), Cancelled: 1}
						if m.Spawned != want.Spawned || m.Completed != want.Completed || m.Failed != 0 || m.Panicked != 0 || m.Cancelled != want.Cancelled {
							t.Errorf("Spawned, Completed, Failed, Panicked, Cancelled = %d, %d, %d, %d, %d; want %d, %d, 0, 0, %d",
								m.Spawned, m.Completed, m.Failed, m.Panicked, m.Cancelled, want.Spawned, want.Completed, want.Cancelled)
						}
					})
				})
			}
		}
	}
}

// TestDoneContextSameErrorEverywhere: the error of a task that did not
// start reads the same, but for where it waited, whether its context was
// done at Spawn or ended while it waited for a slot: they used to differ
// in whether they matched task.ErrNotStarted (they did not) and in whether
// fn ran at all.
func TestDoneContextSameErrorEverywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		fn := func(context.Context) (int, error) { return 1, nil }

		ctx, cancel := context.WithCancel(bg)
		cancel()
		_, early := rt.Spawn(r, ctx, fn).Await(bg)

		gate := make(chan struct{})
		blocker := rt.Spawn(r, bg, func(context.Context) (int, error) { <-gate; return 0, nil })
		synctest.Wait()
		ctx, cancel = context.WithCancel(bg)
		waiting := rt.Spawn(r, ctx, fn)
		synctest.Wait()
		cancel()
		_, late := waiting.Await(bg)
		close(gate)
		_, _ = blocker.Await(bg)
		if err := r.Shutdown(bg); err != nil {
			t.Fatal(err)
		}
		if early == nil || late == nil || early.Error() != late.Error() {
			t.Errorf("done at Spawn: %v; ended while waiting: %v; want the same error", early, late)
		}
	})
}
