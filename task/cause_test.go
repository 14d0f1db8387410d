package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

var errReload = errors.New("config reload")

func same(ctx context.Context) (context.Context, context.CancelFunc) { return ctx, func() {} }

// TestCauseThroughTaskContexts: context.Cause of a task's context, of a
// context derived from it and of a nested task's context reports the
// cause given to the parent's cancel; a task cancelled itself reports
// context.Canceled.
func TestCauseThroughTaskContexts(t *testing.T) {
	cases := []struct {
		name string
		// derive turns the task's context into the one whose Cause is read.
		derive    func(ctx context.Context) (context.Context, context.CancelFunc)
		selfEnded bool // the task is cancelled, not its parent
		want      error
	}{
		{name: "task context", derive: same, want: errReload},
		{name: "WithCancel child", derive: context.WithCancel, want: errReload},
		{name: "WithTimeout child", derive: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, time.Hour)
		}, want: errReload},
		{name: "nested task", derive: func(ctx context.Context) (context.Context, context.CancelFunc) {
			inner := task.Go(ctx, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
			return inner.Context(), inner.Cancel
		}, want: errReload},
		{name: "task cancelled itself", derive: same, selfEnded: true, want: context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				derived := make(chan context.Context, 1)
				release := make(chan struct{})
				tk := task.Go(parent, func(ctx context.Context) (int, error) {
					d, stop := c.derive(ctx)
					defer stop() // only once the cause is read: stop would end d itself
					derived <- d
					<-release
					return 0, nil
				})
				d := <-derived
				if c.selfEnded {
					tk.Cancel()
				} else {
					cancel(errReload)
				}
				<-d.Done()
				if got := context.Cause(d); !errors.Is(got, c.want) {
					t.Errorf("context.Cause = %v; want %v", got, c.want)
				}
				close(release)
				if _, err := tk.Await(t.Context()); err != nil {
					t.Errorf("Await = %v; want nil", err)
				}
			})
		})
	}
}

// TestCauseBeforeTheParentsEndReachesTheTask: a task's context that never
// attached (nothing waited on it) learns of its parent's end when asked,
// and its Cause is the parent's at the first asking.
func TestCauseBeforeTheParentsEndReachesTheTask(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	started := make(chan context.Context)
	release := make(chan struct{})
	tk := task.Go(parent, func(ctx context.Context) (int, error) {
		started <- ctx
		<-release
		return 0, nil
	})
	ctx := <-started
	cancel(errReload)
	if got := context.Cause(ctx); !errors.Is(got, errReload) {
		t.Errorf("context.Cause at first asking = %v; want %v", got, errReload)
	}
	close(release)
	if _, err := tk.Await(context.Background()); err != nil {
		t.Errorf("Await = %v; want nil", err)
	}
}
