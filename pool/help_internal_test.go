package pool

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestWorkerFindsExecFrame: worker() knows a task's worker by exec's frame
// (execPCs learns where it is once), and by its whole stack when exec is
// further away than it looks; it does not mistake another goroutine, even
// one a task started, for a worker. If the
// probe found no frame, worker() would still be right, through self, but
// a few µs slower: that is what the first case guards.
func TestWorkerFindsExecFrame(t *testing.T) {
	if at := execPCs(); at[0] == 0 {
		t.Fatalf("execPCs() = %x; want exec's frame found", at)
	}
	p, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type result struct{ onTask, deep, onGoroutine, deepGoroutine bool }
	var deep func(n int) bool // worker() called 100 frames down
	deep = func(n int) bool {
		if n == 0 {
			return p.worker()
		}
		return deep(n - 1)
	}
	tk := Submit(context.Background(), p, func(ctx context.Context) (result, error) {
		r := result{onTask: p.worker(), deep: deep(100)}
		ch := make(chan bool)
		go func() { ch <- p.worker() }()
		r.onGoroutine = <-ch
		go func() { ch <- deep(100) }()
		r.deepGoroutine = <-ch
		return r, nil
	})
	got, err := tk.Await(context.Background())
	if want := (result{onTask: true, deep: true}); got != want || err != nil {
		t.Errorf("worker() on the task, on a goroutine it started = %+v, %v; want %+v, nil", got, err, want)
	}
	if p.worker() {
		t.Error("worker() = true on the test's goroutine")
	}
}

// TestHelpCallerRunsStaysOnItsPool: the caller-runs rule runs an item on a
// worker of its own pool only. A task of pool q submitting to a full pool
// p that has seen nesting once ran p's job on q's worker (worker() knows
// any pool's task frame), past p's limit of 1.
func TestHelpCallerRunsStaysOnItsPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(1, QueueSize(0))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		q, err := New(1)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		p.nested.Store(true) // p has seen a worker submit to itself
		gate := make(chan struct{})
		var running, peak atomic.Int64
		job := func(context.Context) (int, error) {
			peak.Store(max(peak.Load(), running.Add(1)))
			<-gate
			running.Add(-1)
			return 0, nil
		}
		held := Submit(context.Background(), p, job) // p's only worker
		synctest.Wait()
		fromQ := Submit(context.Background(), q, func(ctx context.Context) (int, error) {
			return Submit(ctx, p, job).Await(ctx)
		})
		synctest.Wait()
		close(gate)
		for _, tk := range []*task.Task[int]{held, fromQ} {
			if _, err := tk.Await(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := peak.Load(); got != 1 {
			t.Errorf("p ran %d items at once; want 1 (its limit)", got)
		}
	})
}

// TestHelpGoexitLeavesAwaitingCount: a helped task that calls
// runtime.Goexit ends its waiter's goroutine too; the pool's count of
// tasks in await points must not drop below the truth. settle's second
// look gave the slot back twice, leaving the count at -1 for good, after
// which the pool never looked stuck and fan-outs hung.
func TestHelpGoexitLeavesAwaitingCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(2)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		gate := make(chan struct{})
		b := Submit(context.Background(), p, func(ctx context.Context) (int, error) {
			<-gate                                         // busy, not in an await point
			return 0, task.Sleep(ctx, 50*time.Millisecond) // waits: p is stuck now
		})
		synctest.Wait()
		a := Submit(context.Background(), p, func(ctx context.Context) (int, error) {
			c := Submit(ctx, p, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
			close(gate)
			wctx, cancel := context.WithTimeout(ctx, time.Hour) // a deadline: no help while b is busy
			defer cancel()
			_, err := task.All(wctx, c) // waits, then looks again once b waits, and runs c
			return 0, err
		})
		if _, err := a.Await(context.Background()); !errors.Is(err, task.ErrGoexit) {
			t.Errorf("a = %v; want task.ErrGoexit (the helped child's Goexit ended a's goroutine)", err)
		}
		if _, err := b.Await(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := p.awaiting.Load(); got != 0 {
			t.Errorf("awaiting = %d once every task has returned; want 0", got)
		}
	})
}

// TestHelpAbortReachesTaskOfTwoWaiters: two waiters offer to run one
// queued task (help), one runs it and the other finds it taken; Shutdown's
// abort still cancels the running task. The waiter that found it taken
// used to unlist it from p.inline as it left, while the other still ran
// it, and abort then never cancelled it.
func TestHelpAbortReachesTaskOfTwoWaiters(t *testing.T) {
	for _, order := range []string{"loser leaves first", "loser leaves last"} {
		t.Run(order, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := New(1)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				running := make(chan struct{})
				tk, job := task.Prepare(context.Background(), func(ctx context.Context) (int, error) {
					close(running)
					<-ctx.Done()
					return 0, ctx.Err()
				}, task.WithSlot(p.slot), task.Queued())
				winner := make(chan struct{})
				go func() { defer close(winner); p.runInline(&item{job: job}, true) }()
				<-running
				if order == "loser leaves first" {
					p.runInline(&item{job: job}, true) // finds it taken, and leaves
				} else {
					// A loser that leaves once the task is over: the count
					// stays above 0 meanwhile.
					p.showInline(job, 1)
					defer p.showInline(job, -1)
				}
				p.abort()
				synctest.Wait()
				select {
				case <-tk.Done():
				default:
					t.Fatal("abort did not cancel the task a waiter runs")
				}
				if _, err := tk.Await(context.Background()); !errors.Is(err, context.Canceled) {
					t.Errorf("task's error = %v; want context.Canceled", err)
				}
				<-winner
			})
		})
	}
}

// TestHelpedTaskKnownByItsFrame: a task that a waiter runs for help is
// known for a worker's by exec's frame, as one a worker takes from the
// queue is, without reading the whole stack (self). exec once claimed a
// helped task through a second TryRun call, whose frame worker() did not
// know: in a chain of tasks each run for help by the one before, the
// innermost found no frame it knew among its nearest 64 and read its
// whole stack at every wait, and a tree of 1,024 leaves on 2 workers took
// 245 ms instead of 4.
func TestHelpedTaskKnownByItsFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(1)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		const depth = 12 // well over 64 frames of helped tasks
		var level func(ctx context.Context, n int) (bool, error)
		level = func(ctx context.Context, n int) (bool, error) {
			if n == 0 {
				return nearExec(), nil
			}
			// The only worker waits: it runs the next level itself.
			return Submit(ctx, p, func(ctx context.Context) (bool, error) { return level(ctx, n-1) }).Await(ctx)
		}
		got, err := Submit(context.Background(), p, func(ctx context.Context) (bool, error) { return level(ctx, depth) }).Await(context.Background())
		if !got || err != nil {
			t.Errorf("exec's frame found near a task run for help, %d levels deep: %v, %v; want true", depth, got, err)
		}
		synctest.Wait() // the worker publishes the root's count once it waits again
		if m := p.Metrics(); m.Completed != depth+1 || p.takenQ.Load() != 0 {
			t.Errorf("Completed = %d, takenQ %d; want %d, 0 (each task run for help counted once, its entry skipped)", m.Completed, p.takenQ.Load(), depth+1)
		}
	})
}
