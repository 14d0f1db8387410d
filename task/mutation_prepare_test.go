package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// mutSlot is a do-nothing runtime slot for the Prepare option tests.
type mutSlot struct{}

func (mutSlot) Release() bool { return true }
func (mutSlot) Acquire()      {}

// TestMutPrepareOptionsCombine: Prepare's options add up, in any order:
// Queued with WithSlot, before or after it, still makes a task that a
// cancel resolves at once with ErrNotStarted (not one that waits for the
// executor's Run), and still holds the slot.
func TestMutPrepareOptionsCombine(t *testing.T) {
	var s mutSlot
	cases := []struct {
		name string
		opts []task.PrepareOption
	}{
		{"Queued then WithSlot", []task.PrepareOption{task.Queued(), task.WithSlot(s)}},
		{"WithSlot then Queued", []task.PrepareOption{task.WithSlot(s), task.Queued()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			tk, j := task.Prepare(context.Background(), func(ctx context.Context) (int, error) {
				ran = true
				return 1, nil
			}, tc.opts...)
			if got := task.ContextSlot(tk.Context()); got != task.Slot(s) {
				t.Errorf("ContextSlot = %v; want the slot given", got)
			}
			tk.Cancel()
			select {
			case <-tk.Done():
			default:
				t.Errorf("Done not closed after a cancel while queued; want resolved at once")
			}
			j.Run() // does nothing for a task the cancel resolved
			_, err := tk.Await(context.Background())
			if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v; want ErrNotStarted and context.Canceled", err)
			}
			if ran {
				t.Errorf("fn ran; want not run")
			}
			if !task.NotStarted(j) {
				t.Errorf("NotStarted = false; want true")
			}
		})
	}
}
