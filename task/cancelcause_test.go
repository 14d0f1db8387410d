package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestCancelCause checks that CancelCause cancels a prepared task's
// context with the cause that context.Cause then reports, and that a task
// not started fails with an error matching ErrNotStarted,
// context.Canceled and the cause (it matched only the first two: a
// review); a nil cause, and Task.Cancel, leave context.Canceled as the
// cause.
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
			if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.Canceled) || !errors.Is(err, tc.wantCause) {
				t.Errorf("Await: got %v, want ErrNotStarted, context.Canceled and %v", err, tc.wantCause)
			}
		})
	}
}

// TestSiblingCauseStaysCanceled checks that a task that All cancelled
// because a sibling failed still sees context.Canceled as its context's
// cause, and that a task returning context.Cause(ctx) is still counted
// among those cancelled after the failure: letting context.Cause see
// CancelCause's causes first let it see package task's own too (a
// review).
func TestSiblingCauseStaysCanceled(t *testing.T) {
	bg := context.Background()
	got := make(chan error, 1)
	slow := task.Go(bg, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		got <- context.Cause(ctx)
		return 0, context.Cause(ctx)
	})
	boom := errors.New("boom")
	bad := task.Go(bg, func(context.Context) (int, error) { return 0, boom })
	_, err := task.All(bg, slow, bad)
	if c := <-got; c != context.Canceled {
		t.Errorf("context.Cause in the sibling: got %v, want context.Canceled", c)
	}
	if want := "boom\ntask: all: 1 more task cancelled after the failure"; err == nil || err.Error() != want {
		t.Errorf("All: got %q, want %q", err, want)
	}
}
