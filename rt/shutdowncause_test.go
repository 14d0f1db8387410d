package rt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestShutdownCancelsWithErrShutdown checks that the tasks Shutdown
// cancels once its ctx has ended can tell it from their caller's own
// cancel: a task kept from starting fails with an error matching
// ErrShutdown (and task.ErrNotStarted and context.Canceled), and a
// running one sees ErrShutdown as its context's cause. They got
// context.Canceled alone, where pool's have pool.ErrShutdown.
func TestShutdownCancelsWithErrShutdown(t *testing.T) {
	bg := context.Background()
	for _, tc := range []struct {
		name  string
		spawn func(r *rt.Runtime, fn func(context.Context) (int, error)) *task.Task[int]
		full  func(r *rt.Runtime, hold func(context.Context) (int, error)) *task.Task[int]
	}{
		{"waiting for a worker slot",
			func(r *rt.Runtime, fn func(context.Context) (int, error)) *task.Task[int] { return rt.Spawn(r, bg, fn) },
			func(r *rt.Runtime, hold func(context.Context) (int, error)) *task.Task[int] {
				return rt.Spawn(r, bg, hold)
			}},
		{"queued for the blocking pool",
			func(r *rt.Runtime, fn func(context.Context) (int, error)) *task.Task[int] {
				return rt.SpawnBlocking(r, bg, fn)
			},
			func(r *rt.Runtime, hold func(context.Context) (int, error)) *task.Task[int] {
				return rt.SpawnBlocking(r, bg, hold)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := rt.New(rt.Workers(1), rt.MaxBlocking(1), rt.DetectBlocking(0))
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{})
			// Holds the slot (or the blocking goroutine) until its context
			// ends, and returns the cause.
			holder := tc.full(r, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, context.Cause(ctx)
			})
			<-started
			ran := false
			waiter := tc.spawn(r, func(context.Context) (int, error) { ran = true; return 1, nil })
			ended, cancel := context.WithCancel(bg)
			cancel()
			var se *rt.ShutdownError
			if err := r.Shutdown(ended); err != nil && !errors.As(err, &se) {
				t.Fatalf("Shutdown: %v", err)
			}
			if _, err := holder.Await(bg); !errors.Is(err, rt.ErrShutdown) {
				t.Errorf("running task's context cause: got %v, want ErrShutdown", err)
			}
			_, err = waiter.Await(bg)
			for _, want := range []error{rt.ErrShutdown, task.ErrNotStarted, context.Canceled} {
				if !errors.Is(err, want) {
					t.Errorf("task kept from starting: got %q, want it to match %q", err, want)
				}
			}
			if ran {
				t.Errorf("the task kept from starting ran")
			}
			_ = r.Shutdown(bg)
		})
	}
}
