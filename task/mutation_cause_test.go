package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutWaitErrorWrapsCause: every wait that gives up because its ctx
// ended returns an error that wraps ctx's error and its cause (as
// Flight.Do's doc says, and Await's "wrapped ctx error"), so errors.Is
// finds the cause given to context.WithCancelCause.
func TestMutWaitErrorWrapsCause(t *testing.T) {
	cause := errors.New("request abandoned")
	bg := context.Background()
	cases := []struct {
		name string
		wait func(ctx context.Context, block *task.Task[int]) error
	}{
		{"Await", func(ctx context.Context, b *task.Task[int]) error { _, err := b.Await(ctx); return err }},
		{"All", func(ctx context.Context, b *task.Task[int]) error { _, err := task.All(ctx, b); return err }},
		{"Race", func(ctx context.Context, b *task.Task[int]) error { _, err := task.Race(ctx, b); return err }},
		{"Select", func(ctx context.Context, b *task.Task[int]) error { _, err := task.Select(ctx, b); return err }},
		{"Sleep", func(ctx context.Context, _ *task.Task[int]) error { return task.Sleep(ctx, 1<<40) }},
		{"Group.Wait", func(ctx context.Context, b *task.Task[int]) error {
			g := task.NewGroup[int](bg)
			defer g.Close()
			g.Go(bg, func(c context.Context) (int, error) { return b.Await(c) })
			_, err := g.Wait(ctx)
			return err
		}},
		{"Group.Next", func(ctx context.Context, b *task.Task[int]) error {
			g := task.NewGroup[int](bg)
			defer g.Close()
			g.Go(bg, func(c context.Context) (int, error) { return b.Await(c) })
			_, err, _ := g.Next(ctx)
			return err
		}},
		{"Group.Go waiting for a place", func(ctx context.Context, b *task.Task[int]) error {
			g := task.NewGroup[int](bg, task.Limit(1))
			defer g.Close()
			g.Go(bg, func(c context.Context) (int, error) { return b.Await(c) })
			_, err := g.Go(ctx, func(context.Context) (int, error) { return 0, nil }).Await(bg)
			return err
		}},
		{"Flight.Do", func(ctx context.Context, b *task.Task[int]) error {
			var f task.Flight[string, int]
			_, err, _ := f.Do(ctx, "k", func(c context.Context) (int, error) { return b.Await(c) })
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			block := task.Go(bg, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			})
			defer func() { block.Cancel(); block.Await(bg) }()
			ctx, cancel := context.WithCancelCause(bg)
			done := make(chan error, 1)
			go func() { done <- tc.wait(ctx, block) }()
			cancel(cause)
			err := <-done
			if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
				t.Errorf("err = %v; want it to match context.Canceled and the cause", err)
			}
		})
	}
}
