package rt_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestBlockingGoexitPanicMaxOne: under MaxBlocking(1), a Goexit and
// a panic in blocking tasks leave the pool able to run the queue, with
// counts back to zero.
func TestBlockingGoexitPanicMaxOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.MaxBlocking(1), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		a := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; runtime.Goexit(); return 0, nil })
		b := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { panic("b") })
		c := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
		d := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 4, nil })
		synctest.Wait()
		if m := r.Metrics(); m.BlockingQueued != 3 || m.BlockingBusy != 1 {
			t.Errorf("queued %d busy %d", m.BlockingQueued, m.BlockingBusy)
		}
		close(gate)
		_, errA := a.Await(ctx)
		_, errB := b.Await(ctx)
		_, errC := c.Await(ctx)
		v, errD := d.Await(ctx)
		var pe *task.PanicError
		if errA == nil || !errors.As(errB, &pe) || errC == nil || errD != nil || v != 4 {
			t.Errorf("a %v b %v c %v d %v %v", errA, errB, errC, v, errD)
		}
		synctest.Wait()
		m := r.Metrics()
		// Two Goexits and a panic count as panics, as in package pool.
		if m.BlockingBusy != 0 || m.BlockingQueued != 0 || m.BlockingTasks != 0 || m.Completed != 1 || m.Panicked != 3 || m.Failed != 0 {
			t.Errorf("BlockingBusy, BlockingQueued, BlockingTasks, Completed, Panicked, Failed = %d, %d, %d, %d, %d, %d; want 0, 0, 0, 1, 3, 0",
				m.BlockingBusy, m.BlockingQueued, m.BlockingTasks, m.Completed, m.Panicked, m.Failed)
		}
		if err := r.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if m := r.Metrics(); m.BlockingIdle != 0 || m.BlockingBusy != 0 {
			t.Errorf("after Shutdown %+v", m)
		}
	})
}
