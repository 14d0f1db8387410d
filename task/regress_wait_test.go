package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestNoWaitBeforeTaskEnds: once Group.Wait returns, every task shows its
// result (Result is ok, Done is closed). Wait used to return while the last
// task had not yet published its result.
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

// TestNoNextBeforeTaskEnds: the same for Next.
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

// TestNoGroupErrorReadRace: Wait reads a failed task's error (to mark a
// panic read) only after the task's goroutine has written it; it used to
// read it while publish still wrote it. Fails under -race only.
func TestNoGroupErrorReadRace(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 2000; i++ {
		g := task.NewGroup[int](ctx)
		g.Go(ctx, func(context.Context) (int, error) { return 0, context.Canceled })
		g.Wait(ctx)
		g.Close()
	}
}
