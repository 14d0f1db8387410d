package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestCancelCause checks that CancelCause cancels a prepared task's
// context with the cause that context.Cause then reports, and that a task
// not started fails with an error matching ErrNotStarted and
// context.Canceled; a nil cause, and Task.Cancel, leave context.Canceled
// as the cause.
func TestCancelCause(t *testing.T) {
	why := errors.New("shutting down")
	for _, tc := range []struct {
		name      string
		cancel    func(task.Job)
		wantCause error
	}{
		{"CancelCause", func(j task.Job) { task.CancelCause(j, why) }, why},
		{"CancelCause, nil cause", func(j task.Job) { task.CancelCause(j, nil) }, context.Canceled},
		{"Cancel", func(j task.Job) { j.Cancel() }, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk, job := task.Prepare(context.Background(), func(context.Context) (int, error) { return 1, nil }, task.Queued())
			tc.cancel(job)
			if got := context.Cause(job.Context()); got != tc.wantCause {
				t.Errorf("context.Cause: got %v, want %v", got, tc.wantCause)
			}
			job.Run() // resolved by the cancel: does nothing
			_, err := tk.Await(context.Background())
			if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.Canceled) {
				t.Errorf("Await: got %v, want ErrNotStarted and context.Canceled", err)
			}
		})
	}
}
