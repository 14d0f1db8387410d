package pool

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestAudit5AbortBeforeRun: Shutdown's abort cancels the task a worker
// holds. A worker that had taken a task but not yet started it (between
// runTask's look at aborted and Run) had it resolved by that cancel as
// "task: cancelled before it started: context canceled", which matches
// task.ErrNotStarted but not ErrShutdown: about one expired Shutdown in
// 100-200 lost a task so. The same held for a task about to run inline.
// Now abort resolves a task that has not started with the shutdown error.
func TestAudit5AbortBeforeRun(t *testing.T) {
	for _, where := range []string{"worker", "inline"} {
		t.Run(where, func(t *testing.T) {
			p, err := New(1)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ran := false
			tk, job := task.Prepare(context.Background(), func(context.Context) (int, error) { ran = true; return 1, nil },
				task.WithSlot(p.slot), task.Queued())
			w := &worker{p: p}
			p.mu.Lock()
			switch where {
			case "worker": // taken by w, which is about to Run it
				w.cur = job
				p.live.PushBack(w)
			case "inline":
				p.inline = map[task.Job]int{job: 1}
			}
			p.mu.Unlock()
			p.abort()
			p.mu.Lock()
			if where == "worker" {
				p.live.Remove(w)
				w.cur = nil
			}
			p.inline = nil
			p.mu.Unlock()
			if p.runTask(w, job) >= completed || ran {
				t.Error("the task ran after Shutdown's abort")
			}
			_, err, ok := tk.Result()
			if !ok {
				t.Fatal("task not resolved")
			}
			for _, want := range []error{ErrShutdown, task.ErrNotStarted, context.Canceled} {
				if !errors.Is(err, want) {
					t.Errorf("task = %v; want it to match %v", err, want)
				}
			}
			if w.n.cancelled != 1 {
				t.Errorf("counted %+v; want 1 cancelled", w.n)
			}
		})
	}
}

// TestAudit5CancelledWhileQueuedError: runTask's own look at a context
// that ended while the task was queued (a task not prepared Queued, or a
// cancel that has not aborted it yet) gave "pool: cancelled while
// queued: ...", which did not match task.ErrNotStarted.
func TestAudit5CancelledWhileQueuedError(t *testing.T) {
	p, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	tk, job := task.Prepare(ctx, func(context.Context) (int, error) { return 1, nil }, task.WithSlot(p.slot))
	cancel()
	w := &worker{p: p}
	if p.runTask(w, job) >= completed {
		t.Error("the task ran")
	}
	_, err, _ = tk.Result()
	for _, want := range []error{task.ErrNotStarted, context.Canceled} {
		if !errors.Is(err, want) {
			t.Errorf("task = %v; want it to match %v", err, want)
		}
	}
}
