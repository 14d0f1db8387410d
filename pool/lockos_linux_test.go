package pool_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

func TestLockOSThreadKeepsOneThread(t *testing.T) {
	p := newPool(t, 1, pool.LockOSThread())
	tid := func(context.Context) (int, error) {
		for range 100 {
			_ = make([]byte, 1<<10) // give the scheduler chances to move us
		}
		return syscall.Gettid(), nil
	}
	var tasks []*task.Task[int]
	for range 50 {
		tasks = append(tasks, pool.Submit(t.Context(), p, tid))
	}
	vals, err := task.All(t.Context(), tasks...)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if v != vals[0] {
			t.Fatalf("task %d ran on thread %d, task 0 on %d; want one thread for a locked worker", i, v, vals[0])
		}
	}
}

// TestLockOSThreadHelperWaits: a goroutine that a task of a LockOSThread
// pool starts with its context, and that submits to the full pool, used
// to run the work caller-runs on its own goroutine, off the workers'
// threads. It waits for room now, and the work runs on the worker.
func TestLockOSThreadHelperWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.LockOSThread(), pool.QueueSize(1))
		var helper sync.WaitGroup
		var child *task.Task[int]
		parent := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			pool.Submit(ctx, p, func(context.Context) (int, error) { return 0, nil }) // fills the queue
			// The task's context, outliving the task:
			hctx := context.WithoutCancel(ctx)
			helper.Go(func() {
				child = pool.Submit(hctx, p, func(context.Context) (int, error) { return syscall.Gettid(), nil })
			})
			synctest.Wait() // the helper has submitted, and waits for room
			return syscall.Gettid(), nil
		})
		worker, err := parent.Await(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		helper.Wait()
		got, err := child.Await(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got != worker {
			t.Errorf("the helper's task ran on thread %d; want the worker's, %d", got, worker)
		}
	})
}
