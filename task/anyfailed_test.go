package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestAnyAllFailedError checks the error of an Any whose tasks all
// failed: a line that says so, then each error, and errors.Is finds each.
// It was the errors alone ("a failed\nb failed"), which read badly in a
// log line.
func TestAnyAllFailedError(t *testing.T) {
	errA, errB := errors.New("a failed"), errors.New("b failed")
	bg := context.Background()
	for _, tc := range []struct {
		name string
		errs []error
		want string
	}{
		{"one task", []error{errA}, "task: any: its one task failed: a failed"},
		{"two tasks", []error{errA, errB}, "task: any: all 2 tasks failed:\na failed\nb failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tasks []*task.Task[int]
			for _, e := range tc.errs {
				tk := task.Go(bg, func(context.Context) (int, error) { return 0, e })
				_, _ = tk.Await(bg) // in order: completion order is input order
				tasks = append(tasks, tk)
			}
			_, err := task.Any(bg, tasks...)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %q, want %q", err, tc.want)
			}
			for _, e := range tc.errs {
				if !errors.Is(err, e) {
					t.Errorf("got %q, want it to match %q", err, e)
				}
			}
			// Comparable and hashable, as errors.Join's error is: the first
			// version, a slice, panicked here (a review).
			seen := map[error]int{}
			seen[err]++
			if seen[err] != 1 {
				t.Errorf("the error as a map key: counted %d, want 1", seen[err])
			}
		})
	}
}
