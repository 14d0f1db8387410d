package rt_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestPreStartParkTakesNoSlotForParkedTask: a Park with T's context made
// (on another goroutine) before T started counts nothing, so its Resume,
// made while T is parked at an await point of its own, takes no slot for
// T. It used to be taken for T's own resume: on a one-slot runtime a task
// C that T waited for never started.
func TestPreStartParkTakesNoSlotForParkedTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0), rt.ShutdownGrace(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
		synctest.Wait()
		tch := make(chan struct{})
		tk := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			p := task.Park(ctx) // T's own await point
			<-tch
			p.Resume()
			return 1, nil
		})
		synctest.Wait() // T waits for its first slot

		resume := make(chan struct{})
		strayDone := make(chan struct{})
		go func() {
			p := task.Park(tk.Context()) // T not started: does nothing
			<-resume
			p.Resume()
			close(strayDone)
		}()
		synctest.Wait()
		close(gate)
		_, _ = a.Await(ctx)
		synctest.Wait() // T runs and parks at its own await point: slot free

		close(resume)
		<-strayDone
		synctest.Wait()

		c := rt.Spawn(r, ctx, func(context.Context) (int, error) { close(tch); return 2, nil })
		synctest.Wait()
		m := r.Metrics()
		ti := r.Tasks()
		if _, _, ok := c.Result(); !ok {
			t.Errorf("T is parked at an await point, yet C cannot start: BusySlots = %d, Tasks() = %v", m.BusySlots, ti)
			close(tch)
		}
		_, _ = tk.Await(ctx)
		_, _ = c.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
}

// TestPreStartParkDoesNotReportParkedTask: the same stray resume used to
// make the detector report T, which sat at an await point.
func TestPreStartParkDoesNotReportParkedTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reports atomic.Int64
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(10*time.Millisecond),
			rt.OnBlocking(func(rt.BlockingReport) { reports.Add(1) }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil }) // no time passes
		synctest.Wait()
		tch := make(chan struct{})
		tk := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			p := task.Park(ctx)
			<-tch // an await point: a wait that gives the slot back
			p.Resume()
			return 1, nil
		})
		synctest.Wait()              // T waits for its first slot
		p := task.Park(tk.Context()) // on another goroutine, before T started: does nothing
		close(gate)
		_, _ = a.Await(ctx)
		synctest.Wait() // T parked at its own await point
		p.Resume()      // the stray resume: takes a slot for parked T
		time.Sleep(time.Second)
		synctest.Wait()
		if n := reports.Load(); n != 0 {
			t.Errorf("T sat at an await point for 1s; the detector reported it %d times", n)
		}
		close(tch)
		_, _ = tk.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
}
