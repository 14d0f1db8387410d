package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestNoWaitBeforeTaskEnds guards against a bug an audit found (fixed since): Group.Wait says every task has ended,
// but a task it returned a result for may not show it ended yet: its
// Result is not ok and its Done channel is open.
func TestNoWaitBeforeTaskEnds(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 20000; i++ {
		g := task.NewGroup[int](ctx)
		tk := g.Go(ctx, func(context.Context) (int, error) { return 7, nil })
		if _, err := g.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, ok := tk.Result()
		g.Close()
		if !ok {
			t.Fatalf("iteration %d: Wait returned, but the task's Result is not ok yet", i)
		}
	}
}

// TestNoNextBeforeTaskEnds guards against a bug an audit found (fixed since): the same for Next.
func TestNoNextBeforeTaskEnds(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 20000; i++ {
		g := task.NewGroup[int](ctx)
		tk := g.Go(ctx, func(context.Context) (int, error) { return 7, nil })
		if _, _, ok := g.Next(ctx); !ok {
			t.Fatal("Next not ok")
		}
		_, _, ok := tk.Result()
		g.Close()
		if !ok {
			t.Fatalf("iteration %d: Next returned the task's result, but its Result is not ok yet", i)
		}
	}
}

// TestNoGroupErrorReadRace guards against a bug an audit found (fixed since): Wait reads a failed task's error (to
// mark a panic read) while the task's goroutine still writes it in publish.
// Fails under -race only.
func TestNoGroupErrorReadRace(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 2000; i++ {
		g := task.NewGroup[int](ctx)
		g.Go(ctx, func(context.Context) (int, error) { return 0, context.Canceled })
		g.Wait(ctx)
		g.Close()
	}
}
