package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestResizeLeavesQueueRoom: Resize to a lower limit while every worker is
// busy leaves the queue's room to work: busy workers retire on their own
// after their item. It used to send one retire message per surplus worker,
// which sat in the queue, so TryGo failed with ErrFull while Queued was 0.
func TestResizeLeavesQueueRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 4, pool.QueueSize(2))
		busyWorkers(t, p, 4, g)
		if got := p.Size(); got != 4 {
			t.Fatalf("Size() = %d; want 4 busy workers", got)
		}
		if err := p.Resize(1); err != nil {
			t.Fatal(err)
		}
		m := p.Metrics()
		err := p.TryGo(func() {})
		if err != nil {
			t.Errorf("TryGo with Queued = %d of a queue of 2 = %v; want nil (the queue holds no work)", m.Queued, err)
		}
		g.open()
		synctest.Wait()
		p.Close()
		checkInvariant(t, p)
	})
}

// TestQueuedDuringClose: while Close waits to send a stop message into a
// full queue, Metrics counts the queued items right. ctlQ used to be raised
// before that send, so Queued was one short and Running one over.
func TestQueuedDuringClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 1, pool.QueueSize(2))
		busyWorkers(t, p, 1, g)
		for range 2 {
			if err := p.Go(func() {}); err != nil {
				t.Fatal(err)
			}
		}
		if m := p.Metrics(); m.Queued != 2 || m.Running != 1 {
			t.Fatalf("before Close: Queued = %d, Running = %d; want 2, 1", m.Queued, m.Running)
		}
		closed := make(chan struct{})
		go func() { p.Close(); close(closed) }()
		synctest.Wait() // stop waits to send its stop message into the full queue
		if m := p.Metrics(); m.Queued != 2 || m.Running != 1 {
			t.Errorf("during Close: Queued = %d, Running = %d; want 2, 1", m.Queued, m.Running)
		}
		g.open()
		<-closed
		checkInvariant(t, p)
	})
}

// TestShutdownCancelsCallerRunsTask: a task that a Go job submits without
// a task context runs on the worker itself once the submitter is found to
// be a worker (caller-runs). Shutdown's deadline cancels its context, as it
// does for every running task; it used to cancel only the workers' own
// items, so a task that honoured its context kept Shutdown waiting.
func TestShutdownCancelsCallerRunsTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.QueueSize(1))
		g0, filler, escape := newGate(), newGate(), newGate()
		defer filler.open()
		defer escape.open()
		running := make(chan struct{})
		cancelled := make(chan struct{})
		if err := p.Go(func() {
			g0.wait()
			pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
				close(running)
				select {
				case <-ctx.Done():
					close(cancelled)
					return 0, ctx.Err()
				case <-escape.ch:
					return 0, nil
				}
			})
		}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if err := p.Go(filler.job); err != nil { // fills the queue of 1
			t.Fatal(err)
		}
		g0.open()
		<-running // after the 50-100 ms stall: run inline on the worker
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- p.Shutdown(ctx) }()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case <-cancelled:
		default:
			t.Errorf("a running task's context was not cancelled at Shutdown's deadline (it was run caller-runs on a worker)")
		}
		escape.open()
		if err := <-shut; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v; want DeadlineExceeded", err)
		}
		checkInvariant(t, p)
	})
}

// TestTryGoNoQueueStartsWorker: ErrFull, TryGo and TrySubmit say that
// with QueueSize(0) they fail when no worker is idle; below the limit they
// start one instead (the package documentation says so).
func TestTryGoNoQueueStartsWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 2, pool.QueueSize(0))
		for i := range 2 {
			if err := p.TryGo(g.job); err != nil {
				t.Errorf("TryGo %d with no idle worker, below the limit = %v", i, err)
			}
		}
		if err := p.TryGo(g.job); !errors.Is(err, pool.ErrFull) {
			t.Errorf("TryGo at the limit = %v; want ErrFull", err)
		}
		g.open()
		p.Close()
		checkInvariant(t, p)
	})
}

// TestShutdownDrainedThenCtxEnds: Shutdown returns nil when the pool drained
// before ctx ended, even when ctx ends in the instant between the drain and
// Shutdown's look at it (here: as soon as Done closes). It used to return
// the ctx error whenever the cancel's callback won that race.
func TestShutdownDrainedThenCtxEnds(t *testing.T) {
	const rounds = 2000
	failed := 0
	for range rounds {
		p, err := pool.New(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Go(func() {}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stop := make(chan struct{})
		go func() {
			select {
			case <-p.Done():
				cancel()
			case <-stop:
			}
		}()
		if err := p.Shutdown(ctx); err != nil {
			failed++
		}
		close(stop)
		cancel()
	}
	if failed > 0 {
		t.Errorf("Shutdown returned an error in %d of %d rounds where the pool drained before ctx ended; want 0", failed, rounds)
	}
}
