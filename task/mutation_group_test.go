package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutNewGroupNamesFirstBadOption: with several bad options, NewGroup's
// panic names the first one.
func TestMutNewGroupNamesFirstBadOption(t *testing.T) {
	cases := []struct {
		name string
		opts []task.GroupOption
		want string
	}{
		{"Limit(0), Limit(-3)", []task.GroupOption{task.Limit(0), task.Limit(-3)}, "task: NewGroup: Limit must be positive (got 0)"},
		{"Limit(-3), Limit(0)", []task.GroupOption{task.Limit(-3), task.Limit(0)}, "task: NewGroup: Limit must be positive (got -3)"},
		{"Limit(-1), Limit(4)", []task.GroupOption{task.Limit(-1), task.Limit(4)}, "task: NewGroup: Limit must be positive (got -1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic = %v; want %q", got, tc.want)
				}
			}()
			task.NewGroup[int](context.Background(), tc.opts...)
		})
	}
}
