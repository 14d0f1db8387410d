package pool_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// A Submit or TrySubmit whose ctx has ended fails with task.ErrNotStarted
// and ctx's error, also on a closed pool, as their docs say ("comes first,
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
	one := func(context.Context) (int, error) { return 1, nil }
	submits := []struct {
		name   string
		submit func(ctx context.Context, p *pool.Pool) []error // each must match
	}{
		{"Submit", func(ctx context.Context, p *pool.Pool) []error {
			_, err := pool.Submit(ctx, p, one).Await(context.Background())
			return []error{err}
		}},
		{"TrySubmit", func(ctx context.Context, p *pool.Pool) []error {
			tk, err := pool.TrySubmit(ctx, p, one)
			_, terr := tk.Await(context.Background())
			return []error{err, terr} // its error, and its task's
		}},
	}
	for _, tt := range tests {
		for _, sub := range submits {
			t.Run(tt.name+"/"+sub.name, func(t *testing.T) {
				const rounds = 50
				for round := range rounds {
					p, err := pool.New(1)
					if err != nil {
						t.Fatal(err)
					}
					p.Close()
					parent, cancel := tt.parent()
					outer := task.Go(parent, func(ctx context.Context) ([]error, error) {
						_ = ctx.Done() // attached to parent, as any select on ctx is
						cancel()
						return sub.submit(ctx, p), nil
					})
					errs, _ := outer.Await(context.Background())
					for _, got := range errs {
						for _, want := range tt.want {
							if !errors.Is(got, want) {
								t.Fatalf("round %d: %s on a closed pool with an ended ctx = %v; want an error matching %v", round, sub.name, got, want)
							}
						}
					}
					if m := p.Metrics(); m.Submitted != 1 || m.Cancelled != 1 || m.Rejected != 0 {
						t.Fatalf("round %d: Metrics Submitted %d, Cancelled %d, Rejected %d; want 1, 1, 0", round, m.Submitted, m.Cancelled, m.Rejected)
					}
				}
			})
		}
	}
}
