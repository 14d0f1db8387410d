package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutGroupRefusalAfterCloseEndedCtx: Close's promise (a task
// submitted after it fails with ErrClosed, and after a FailFast group's
// failure with an error that matches the failure too) holds also for a
// Go whose own ctx has ended, and for TryGo's refusals.
func TestMutGroupRefusalAfterCloseEndedCtx(t *testing.T) {
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
			_, err := g.Go(ended, func(context.Context) (int, error) { return 1, nil }).Await(bg)
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("Go(ended ctx) after Close: got %q, want an error matching %q", err, w)
				}
			}
		})
	}
}

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
