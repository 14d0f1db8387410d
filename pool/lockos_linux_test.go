package pool_test

import (
	"context"
	"syscall"
	"testing"

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
