package rt_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestStrayResumeAfterEndTakesNoSlot: an await point with a task's
// context, parked on another goroutine before the task started and resumed
// after it ended, takes no slot. It used to take one for the ended task,
// which nothing gave back: on a one-slot runtime no task ran again.
func TestStrayResumeAfterEndTakesNoSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0), rt.ShutdownGrace(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		// A holds the only slot, so T waits for its first slot (holds == 0).
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
		synctest.Wait()
		tk := rt.Spawn(r, ctx, func(context.Context) (int, error) { return 1, nil })
		synctest.Wait()

		// Another goroutine awaits something with T's context (for example
		// task.Sleep(tk.Context(), d) or u.Await(tk.Context())): an await
		// point, written out.
		resume := make(chan struct{})
		parkedDone := make(chan struct{})
		go func() {
			p := task.Park(tk.Context()) // T has not started: does nothing
			<-resume
			p.Resume() // T has ended: must take no slot for it
			close(parkedDone)
		}()
		synctest.Wait()

		close(gate)
		if _, err := a.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := tk.Await(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // T's goroutine has finished (released, exited)
		close(resume)
		<-parkedDone

		c := rt.Spawn(r, ctx, func(context.Context) (int, error) { return 2, nil })
		synctest.Wait()
		m := r.Metrics()
		_, _, ok := c.Result()
		if !ok {
			t.Errorf("a task spawned on an otherwise idle runtime never runs: BusySlots = %d with Tasks = %d (C waiting); the slot leaked to an ended task", m.BusySlots, m.Tasks)
			// Clean up: Shutdown with an ended context opens the gates.
			sctx, cancel := context.WithCancel(ctx)
			cancel()
			_ = r.Shutdown(sctx)
			_, _ = c.Await(ctx)
			return
		}
		if m.BusySlots != 0 {
			t.Errorf("every task has ended: got BusySlots = %d; want 0", m.BusySlots)
		}
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: got %v; want nil", err)
		}
	})
}

// TestSlotWaitCountsTakesOnly: SlotWait times slot takes only. It used to
// time waits that ended without a slot too, and each of those erased one
// of the takes that did not wait from its first bucket.
func TestSlotWaitCountsTakesOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil }) // a fast take
		synctest.Wait()
		const n = 3
		for range n {
			bctx, cancel := context.WithCancel(ctx)
			b := rt.Spawn(r, bctx, func(context.Context) (int, error) { return 0, nil })
			synctest.Wait() // b waits for a slot
			cancel()
			if _, err := b.Await(ctx); err == nil {
				t.Fatal("b ran")
			}
		}
		close(gate)
		_, _ = a.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		m := r.Metrics()
		// 1 slot taken (at once) and 3 waits that gave up without one:
		// SlotWait times slot takes, so it holds the 1 take. It used to
		// time the 3 failed waits and drop the take (Count 3).
		if got := m.SlotWait.Count(); got != 1 {
			t.Errorf("SlotWait.Count() = %d (buckets %v); want 1 (the take at once; %d waits that got no slot are not takes)", got, m.SlotWait.Buckets, n)
		}
	})
}
