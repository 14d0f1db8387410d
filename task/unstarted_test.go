package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestAbortUnstarted: AbortUnstarted resolves a task that has not started
// (Queued or not) with the executor's error, after which Run does nothing; it
// leaves alone a task that has started, ended, or been resolved by a
// cancel while queued. (Package pool's Shutdown needs it: its plain
// Cancel of a task a worker had taken but not started resolved it without
// the shutdown error.)
func TestAbortUnstarted(t *testing.T) {
	errStop := errors.New("executor: stopped")
	cases := []struct {
		name       string
		queued     bool
		before     func(tk *task.Task[int], j task.Job) // what happened to the job first
		want       bool
		wantErr    error
		wantRan    bool
		notStarted bool
	}{
		{"queued, not started", true, func(*task.Task[int], task.Job) {}, true, errStop, false, true},
		{"ran", true, func(_ *task.Task[int], j task.Job) { j.Run() }, false, nil, true, false},
		{"cancelled while queued", true, func(tk *task.Task[int], _ task.Job) { tk.Cancel() }, false, task.ErrNotStarted, false, true},
		{"aborted", true, func(_ *task.Task[int], j task.Job) { j.Abort(errors.New("other")) }, false, nil, false, false},
		{"not Queued, not started", false, func(*task.Task[int], task.Job) {}, true, errStop, false, true},
		{"not Queued, ran", false, func(_ *task.Task[int], j task.Job) { j.Run() }, false, nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran := false
			var opts []task.PrepareOption
			if c.queued {
				opts = append(opts, task.Queued())
			}
			tk, j := task.Prepare(context.Background(), func(context.Context) (int, error) { ran = true; return 1, nil }, opts...)
			c.before(tk, j)
			if got := task.AbortUnstarted(j, errStop); got != c.want {
				t.Errorf("AbortUnstarted = %v; want %v", got, c.want)
			}
			if c.want {
				j.Run() // the executor's Run after it: does nothing
				if ran {
					t.Error("fn ran after AbortUnstarted")
				}
				if err := tk.Context().Err(); !errors.Is(err, context.Canceled) {
					t.Errorf("task context = %v; want Canceled", err)
				}
			}
			if ran != c.wantRan {
				t.Errorf("fn ran = %v; want %v", ran, c.wantRan)
			}
			if c.wantErr != nil {
				if _, err, ok := tk.Result(); !ok || !errors.Is(err, c.wantErr) {
					t.Errorf("task = %v (done %v); want %v", err, ok, c.wantErr)
				}
			}
			if got := task.NotStarted(j); got != c.notStarted {
				t.Errorf("NotStarted = %v; want %v", got, c.notStarted)
			}
		})
	}
}

// TestAbortUnstartedRacesRun: with Run on another goroutine, exactly one
// of them wins: fn runs, or the task resolves with the executor's error.
func TestAbortUnstartedRacesRun(t *testing.T) {
	errStop := errors.New("executor: stopped")
	for i := range 1000 {
		ran := make(chan bool, 1)
		tk, j := task.Prepare(context.Background(), func(context.Context) (int, error) { ran <- true; return 1, nil }, task.Queued())
		done := make(chan struct{})
		go func() { defer close(done); j.Run() }()
		aborted := task.AbortUnstarted(j, errStop)
		<-done
		_, err, _ := tk.Result()
		didRun := len(ran) == 1
		if aborted == didRun || aborted != errors.Is(err, errStop) {
			t.Fatalf("round %d: AbortUnstarted = %v, fn ran = %v, task error %v; want exactly one winner", i, aborted, didRun, err)
		}
	}
}
