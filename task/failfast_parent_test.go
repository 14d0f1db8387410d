package task_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestFailFastGroupWhoseParentEnded: a FailFast group whose parent
// context ended (the request went away) refuses new tasks as not started
// because their context ended, as it refuses a Go given an ended ctx;
// and after Close, with ErrClosed. It said "task: group failed" with the
// parent's cause, though no task had failed, and the error matched
// neither ErrNotStarted nor context.Canceled.
func TestFailFastGroupWhoseParentEnded(t *testing.T) {
	gone := errors.New("client went away")
	tests := []struct {
		name  string
		end   func(cancel context.CancelCauseFunc, g *task.Group[int])
		wants []error
	}{
		{"parent cancelled with a cause", func(cancel context.CancelCauseFunc, _ *task.Group[int]) { cancel(gone) },
			[]error{task.ErrNotStarted, context.Canceled, gone}},
		{"closed", func(_ context.CancelCauseFunc, g *task.Group[int]) { g.Close() }, []error{task.ErrClosed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			g := task.NewGroup[int](parent, task.FailFast())
			defer g.Close()
			tt.end(cancel, g)
			ran := false
			_, err := g.Go(context.Background(), func(context.Context) (int, error) { ran = true; return 1, nil }).Await(context.Background())
			if ran {
				t.Errorf("fn ran; want it refused")
			}
			for _, want := range tt.wants {
				if !errors.Is(err, want) {
					t.Errorf("Go's task: %v; want an error matching %v", err, want)
				}
			}
			if err != nil && strings.Contains(err.Error(), "group failed") {
				t.Errorf("Go's task: %q; want no word of a failure, none happened", err)
			}
		})
	}
}
