package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestQueued checks that a task prepared with task.Queued resolves as soon
// as its context ends, however it ends, while its executor has not started
// it; that the executor's Run and Abort then do nothing; and that a Queued
// task nobody cancels runs as any other.
func TestQueued(t *testing.T) {
	cases := []struct {
		name string
		// start prepares the task under a context of its own making and
		// returns the function that ends that context (nil: nothing ends it).
		start   func(ctx context.Context) (*task.Task[int], task.Job, func())
		wantErr error // besides task.ErrNotStarted; nil: the task runs
	}{
		{
			name: "task cancelled",
			start: func(ctx context.Context) (*task.Task[int], task.Job, func()) {
				tk, j := task.Prepare(ctx, seven, task.Queued())
				return tk, j, tk.Cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "parent from package context cancelled",
			start: func(ctx context.Context) (*task.Task[int], task.Job, func()) {
				ctx, cancel := context.WithCancel(ctx)
				tk, j := task.Prepare(ctx, seven, task.Queued())
				return tk, j, cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "parent deadline",
			start: func(ctx context.Context) (*task.Task[int], task.Job, func()) {
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				tk, j := task.Prepare(ctx, seven, task.Queued())
				return tk, j, func() { time.Sleep(2 * time.Second); cancel() /* past the deadline: does nothing */ }
			},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "parent task cancelled",
			start: func(ctx context.Context) (*task.Task[int], task.Job, func()) {
				parent, pj := task.Prepare(ctx, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, nil
				})
				go pj.Run()
				var (
					tk *task.Task[int]
					j  task.Job
				)
				synctest.Wait() // parent's fn is waiting
				tk, j = task.Prepare(parent.Context(), seven, task.Queued())
				return tk, j, parent.Cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "not cancelled",
			start: func(ctx context.Context) (*task.Task[int], task.Job, func()) {
				tk, j := task.Prepare(ctx, seven, task.Queued())
				return tk, j, nil
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tk, job, end := c.start(t.Context())
				if end != nil {
					end()
				}
				synctest.Wait() // a parent from package context tells its children on a goroutine
				_, err, ok := tk.Result()
				if c.wantErr == nil {
					if ok {
						t.Fatalf("Result() = %v, true before Run; want not ended", err)
					}
					job.Run()
					if v, err := tk.Await(t.Context()); v != 7 || err != nil {
						t.Errorf("Await = %d, %v; want 7, nil", v, err)
					}
					if task.NotStarted(job) {
						t.Error("NotStarted = true for a task that ran")
					}
					return
				}
				if !ok {
					t.Fatal("Result() not ended after its context ended; want ended before the executor runs it")
				}
				if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, c.wantErr) {
					t.Errorf("error = %v; want task.ErrNotStarted and %v", err, c.wantErr)
				}
				if !task.NotStarted(job) {
					t.Error("NotStarted = false; want true")
				}
				job.Run() // does nothing, and must not panic
				job.Abort(errBoom)
				if v, err := tk.Await(t.Context()); v != 0 || !errors.Is(err, task.ErrNotStarted) {
					t.Errorf("after Run and Abort: Await = %d, %v; want 0, task.ErrNotStarted", v, err)
				}
			})
		})
	}
}

func seven(context.Context) (int, error) { return 7, nil }

// TestQueuedRaceDoesNotWaitForTheExecutor: Race cancels its losers and
// waits for them; a queued loser must not keep it waiting until some
// executor gets to it.
func TestQueuedRaceDoesNotWaitForTheExecutor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		queued, job := task.Prepare(ctx, seven, task.Queued())
		fast := task.Go(ctx, func(context.Context) (int, error) { return 1, nil })
		v, err := task.Race(ctx, queued, fast)
		if v != 1 || err != nil {
			t.Errorf("Race = %d, %v; want 1, nil", v, err)
		}
		if _, err, ok := queued.Result(); !ok || !errors.Is(err, task.ErrNotStarted) {
			t.Errorf("loser = %v, ended %v; want ended with task.ErrNotStarted", err, ok)
		}
		job.Run()
	})
}

// TestJobUsedTwicePanicsWhenQueued: Queued must not hide an executor's bug.
func TestJobUsedTwicePanicsWhenQueued(t *testing.T) {
	_, job := task.Prepare(context.Background(), seven, task.Queued())
	job.Run()
	defer func() {
		if recover() == nil {
			t.Error("a second Run of a Queued task's Job did not panic")
		}
	}()
	job.Run()
}
