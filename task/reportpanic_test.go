package task_test

import (
	"testing"

	"github.com/spool-go/spool/task"
)

// TestReportPanic checks that ReportPanic hands its error to the
// OnUnobservedPanic function at once, and ignores a nil one.
func TestReportPanic(t *testing.T) {
	e := &task.PanicError{Value: "boom"}
	for _, tc := range []struct {
		name string
		in   *task.PanicError
		want []*task.PanicError
	}{
		{"a panic", e, []*task.PanicError{e}},
		{"nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []*task.PanicError
			task.OnUnobservedPanic(func(e *task.PanicError) { got = append(got, e) })
			defer task.OnUnobservedPanic(nil)
			task.ReportPanic(tc.in)
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Errorf("reported %v, want %v", got, tc.want)
			}
		})
	}
}
