package pool_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// A Submit whose ctx has ended fails with task.ErrNotStarted and ctx's
// error, also on a closed pool, as Submit's doc says ("comes first,
// whatever the pool's state"), and counts as cancelled. Here ctx is a
// task's context whose package-context parent was cancelled just before:
// its Err reports the end at once, but the task context hears of it
// through context.AfterFunc on another goroutine, and Submit on a closed
// pool answered ErrClosed before that goroutine ran (200 of 200 rounds
// on one P; a review's reproducer).
func TestSubmitEndedCtxOnClosedPool(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	cause := errors.New("the caller left")
	tests := []struct {
		name   string
		parent func() (context.Context, func())
		want   []error
	}{
		{"cancel", func() (context.Context, func()) { return context.WithCancel(context.Background()) },
			[]error{task.ErrNotStarted, context.Canceled}},
		{"cancel with cause", func() (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(context.Background())
			return ctx, func() { cancel(cause) }
		}, []error{task.ErrNotStarted, context.Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const rounds = 50
			for round := range rounds {
				p, err := pool.New(1)
				if err != nil {
					t.Fatal(err)
				}
				p.Close()
				parent, cancel := tt.parent()
				outer := task.Go(parent, func(ctx context.Context) (error, error) {
					_ = ctx.Done() // attached to parent, as any select on ctx is
					cancel()
					_, err := pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil }).Await(context.Background())
					return err, nil
				})
				got, _ := outer.Await(context.Background())
				for _, want := range tt.want {
					if !errors.Is(got, want) {
						t.Fatalf("round %d: Submit on a closed pool with an ended ctx = %v; want an error matching %v", round, got, want)
					}
				}
				if m := p.Metrics(); m.Cancelled != 1 || m.Rejected != 0 {
					t.Fatalf("round %d: Metrics Cancelled %d, Rejected %d; want 1, 0", round, m.Cancelled, m.Rejected)
				}
			}
		})
	}
}
