package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestSelectErrorsSayTaskOnce: Select's errors for no cases and a nil case
// read "task: select: task: no tasks" and "task: select: task: nil task:
// case 1" before, the package's prefix twice.
func TestSelectErrorsSayTaskOnce(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		cases []task.Case
		is    error
		want  string
	}{
		{"no cases", nil, task.ErrNoTasks, "task: no tasks (Select)"},
		{"nil case", []task.Case{task.After(0), nil}, task.ErrNilTask, "task: nil task (Select case 1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			i, err := task.Select(ctx, c.cases...)
			if i != -1 || !errors.Is(err, c.is) || err.Error() != c.want {
				t.Errorf("Select = %d, %v; want -1, %q (matching %v)", i, err, c.want, c.is)
			}
		})
	}
}
