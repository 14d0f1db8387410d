package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestNilAndZeroTask checks that a nil *Task (a refused Group.TryGo's) and
// a zero Task, which no function of spool made, behave as a task that
// failed with an error matching ErrNilTask: Await returned a nil
// dereference for the first and waited forever for the second.
func TestNilAndZeroTask(t *testing.T) {
	makers := []struct {
		name string
		make func() *task.Task[int]
	}{
		{"nil", func() *task.Task[int] { return nil }},
		{"zero", func() *task.Task[int] { return new(task.Task[int]) }},
	}
	uses := []struct {
		name string
		use  func(ctx context.Context, tk *task.Task[int]) error
	}{
		{"Await", func(ctx context.Context, tk *task.Task[int]) error { _, err := tk.Await(ctx); return err }},
		{"Result", func(ctx context.Context, tk *task.Task[int]) error {
			_, err, ok := tk.Result()
			if !ok {
				return errors.New("Result: ok is false")
			}
			return err
		}},
		{"Done", func(ctx context.Context, tk *task.Task[int]) error {
			<-tk.Done()
			tk.Cancel()
			_, err := tk.Await(ctx)
			return err
		}},
		{"All", func(ctx context.Context, tk *task.Task[int]) error { _, err := task.All(ctx, tk); return err }},
		{"Race", func(ctx context.Context, tk *task.Task[int]) error { _, err := task.Race(ctx, tk); return err }},
		{"Select", func(ctx context.Context, tk *task.Task[int]) error { _, err := task.Select(ctx, tk); return err }},
	}
	for _, m := range makers {
		for _, u := range uses {
			t.Run(m.name+"/"+u.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
					defer cancel()
					if err := u.use(ctx, m.make()); !errors.Is(err, task.ErrNilTask) || !errors.Is(err, task.ErrInvalid) {
						t.Errorf("got %v; want an error matching task.ErrNilTask and task.ErrInvalid", err)
					}
				})
			})
		}
	}
}
