package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestGroupRefusalAfterCloseMatchesErrClosed checks Close's promise that
// tasks submitted after it fail with ErrClosed, for a FailFast group that
// had failed first too: the refusal was the failure alone ("task: group
// failed: boom"), which did not match ErrClosed. It now matches both, also
// for a Go whose own ctx has ended (a mutation audit's survivor: a group
// that looked at closed before FailFast's failure gave a bare ErrClosed).
func TestGroupRefusalAfterCloseMatchesErrClosed(t *testing.T) {
	boom := errors.New("boom")
	bg := context.Background()
	ended, cancel := context.WithCancel(bg)
	cancel()
	for _, tc := range []struct {
		name     string
		failFast bool
		fail     bool
		want     []error
	}{
		{"plain group", false, false, []error{task.ErrClosed}},
		{"FailFast, no failure", true, false, []error{task.ErrClosed}},
		{"FailFast, failed then closed", true, true, []error{task.ErrClosed, boom}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []task.GroupOption
			if tc.failFast {
				opts = append(opts, task.FailFast())
			}
			g := task.NewGroup[int](bg, opts...)
			if tc.fail {
				g.Go(bg, func(context.Context) (int, error) { return 0, boom })
				_, _ = g.Wait(bg)
			}
			g.Close()
			for _, ctx := range []context.Context{bg, ended} {
				_, err := g.Go(ctx, func(context.Context) (int, error) { return 1, nil }).Await(bg)
				for _, w := range tc.want {
					if !errors.Is(err, w) {
						t.Errorf("Go after Close (ctx ended: %v): got %q, want an error matching %q", ctx.Err() != nil, err, w)
					}
				}
			}
		})
	}
}
