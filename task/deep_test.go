package task_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/spool-go/spool/task"
)

// nest runs fn in the context of the innermost of depth nested tasks, each
// run on the caller's goroutine (Prepare and Run) in the context of the
// one before, the first in ctx, and returns the tasks, outermost first.
func nest(ctx context.Context, depth int, fn func(ctx context.Context, tasks []*task.Task[int])) {
	tasks := make([]*task.Task[int], depth)
	var level func(ctx context.Context, i int)
	level = func(ctx context.Context, i int) {
		if i == depth {
			fn(ctx, tasks)
			return
		}
		tk, j := task.Prepare(ctx, func(ctx context.Context) (int, error) { level(ctx, i+1); return 0, nil })
		tasks[i] = tk
		j.Run()
	}
	level(ctx, 0)
}

// TestErrDeepChain: the context of a task nested deep in others reports
// the end of the nearest ancestor that has ended, whether that is a
// context of package context above the chain or a task in it that was
// cancelled, with its cause; nil while none has. Nothing waits on these
// contexts, so none of them has heard of an end: Err must look up the
// chain. (Err used to ask each level's Err in turn, a lock pair and a
// stack frame a level, which made a chain of 10,000 tasks that each
// asked its context's Err take 27 s; it walks the chain now.)
func TestErrDeepChain(t *testing.T) {
	errRoot := errors.New("root's cause")
	cases := []struct {
		name     string
		depth    int
		end      func(cancelRoot context.CancelCauseFunc, tasks []*task.Task[int])
		want     error
		wantCaus error
	}{
		{"1 level, nothing ended", 1, func(context.CancelCauseFunc, []*task.Task[int]) {}, nil, nil},
		{"1,000 levels, nothing ended", 1000, func(context.CancelCauseFunc, []*task.Task[int]) {}, nil, nil},
		{"1 level, root cancelled", 1, func(c context.CancelCauseFunc, _ []*task.Task[int]) { c(errRoot) }, context.Canceled, errRoot},
		{"1,000 levels, root cancelled", 1000, func(c context.CancelCauseFunc, _ []*task.Task[int]) { c(errRoot) }, context.Canceled, errRoot},
		{"1,000 levels, level 500 cancelled", 1000, func(_ context.CancelCauseFunc, ts []*task.Task[int]) { ts[500].Cancel() }, context.Canceled, context.Canceled},
		{"1,000 levels, top level cancelled", 1000, func(_ context.CancelCauseFunc, ts []*task.Task[int]) { ts[0].Cancel() }, context.Canceled, context.Canceled},
		{"1,000 levels, innermost cancelled", 1000, func(_ context.CancelCauseFunc, ts []*task.Task[int]) { ts[999].Cancel() }, context.Canceled, context.Canceled},
		{"1,000 levels, level 500 then root", 1000, func(c context.CancelCauseFunc, ts []*task.Task[int]) { ts[500].Cancel(); c(errRoot) }, context.Canceled, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			nest(root, c.depth, func(ctx context.Context, tasks []*task.Task[int]) {
				if err := ctx.Err(); err != nil {
					t.Fatalf("before any end: Err = %v; want nil", err)
				}
				c.end(cancel, tasks)
				if got := ctx.Err(); got != c.want {
					t.Errorf("Err = %v; want %v", got, c.want)
				}
				if got := context.Cause(ctx); got != c.wantCaus {
					t.Errorf("Cause = %v; want %v", got, c.wantCaus)
				}
			})
		})
	}
}

// BenchmarkErrDeep measures Err of the context of a task nested in 1,000
// others, none of which has ended or been waited on: a walk up the chain.
func BenchmarkErrDeep(b *testing.B) {
	nest(context.Background(), 1000, func(ctx context.Context, _ []*task.Task[int]) {
		b.ReportAllocs()
		for b.Loop() {
			if ctx.Err() != nil {
				b.Fatal("Err != nil")
			}
		}
	})
}

// TestErrLatchesEveryLevel: once the context of a task nested in others
// has reported an ancestor's end (Err), every level between them has
// ended with it, as in package context's tree, so a later cancel of a
// task in between changes nothing: Cause of the innermost context, asked
// only after that cancel, is still the ancestor's. Err used to latch the
// end into the innermost context alone, and the later cancel made its
// Cause context.Canceled.
func TestErrLatchesEveryLevel(t *testing.T) {
	errRoot := errors.New("root's cause")
	for _, asked := range []int{9, 6} { // the innermost level, or one below the cancel
		t.Run(fmt.Sprintf("Err of level %d", asked), func(t *testing.T) {
			root, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			nest(root, 10, func(ctx context.Context, tasks []*task.Task[int]) {
				cancel(errRoot)
				if err := tasks[asked].Context().Err(); err != context.Canceled {
					t.Fatalf("Err = %v; want context.Canceled", err)
				}
				tasks[5].Cancel()
				if got := context.Cause(ctx); got != errRoot {
					t.Errorf("after a cancel of level 5, Cause of the innermost = %v; want the root's cause", got)
				}
				if got := context.Cause(tasks[5].Context()); got != errRoot {
					t.Errorf("Cause of level 5 = %v; want the root's cause", got)
				}
			})
		})
	}
}
