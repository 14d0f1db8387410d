package pool_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestShutdownReapsPastRetireItem: Resize to a smaller limit while every
// worker is busy leaves a retire message in the queue. Shutdown's reap
// used to stop at it, so the tasks queued behind it did not resolve "at
// once, even while every worker is busy" (Shutdown's contract): they
// waited for a stuck worker.
func TestShutdownReapsPastRetireItem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 2, pool.QueueSize(16))
		busyWorkers(t, p, 2, g)
		if got := p.Size(); got != 2 {
			t.Fatalf("Size() = %d; want 2 busy workers", got)
		}
		if err := p.Resize(1); err != nil { // both busy: queues one retire item
			t.Fatal(err)
		}
		tk := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 1, nil })
		ctx, cancel := context.WithCancel(t.Context())
		cancel() // the deadline has passed already
		shut := make(chan error, 1)
		go func() { shut <- p.Shutdown(ctx) }()
		synctest.Wait()
		if _, err, ok := tk.Result(); !ok {
			t.Errorf("queued task still pending after Shutdown's context ended while workers are stuck; want resolved with ErrShutdown")
		} else if !errors.Is(err, pool.ErrShutdown) {
			t.Errorf("task error = %v; want ErrShutdown", err)
		}
		g.open()
		<-shut
		checkInvariant(t, p)
	})
}

// TestIdleAfterClose: spares woken by Close (close(spareCh)) used to stay
// in spareN, so Metrics().Idle kept counting them once the pool had closed
// and no worker was left.
func TestIdleAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := runtime.GOMAXPROCS(0) + 4 // the idle workers beyond GOMAXPROCS park as spares
		p := newPool(t, n)
		idleWorkers(t, p, n)
		p.Close()
		if m := p.Metrics(); m.Workers != 0 || m.Idle != 0 {
			t.Errorf("after Close: Workers = %d, Idle = %d; want 0, 0", m.Workers, m.Idle)
		}
	})
}

// TestResizeAfterCloseKeepsLimit: Resize used to store the new target
// before it checked for closedBit, so a Resize refused with ErrClosed still
// changed Limit().
func TestResizeAfterCloseKeepsLimit(t *testing.T) {
	p := newPool(t, 4)
	p.Close()
	if err := p.Resize(9); !errors.Is(err, pool.ErrClosed) {
		t.Fatalf("Resize after Close = %v; want ErrClosed", err)
	}
	if got := p.Limit(); got != 4 {
		t.Errorf("Limit() after a refused Resize(9) = %d; want 4", got)
	}
}

// TestShutdownWaitsForInlineJob: the pool is not done while an accepted
// caller-runs job still runs, even once Shutdown's deadline has passed:
// Shutdown counts it as running when it gives up, and Done waits for it.
// (Shutdown's reap used to put a retire message back at the tail of the
// queue, behind Close's stop items, where stop counted it as a settled
// submission, and the pool closed while the inline job still ran.)
func TestShutdownWaitsForInlineJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 2, pool.QueueSize(1))
		g1, gC, g2 := newGate(), newGate(), newGate()
		defer g1.open()
		defer gC.open()
		defer g2.open()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		inlineDone := make(chan struct{})
		must(p.Go(g1.job))
		must(p.Go(func() {
			defer close(inlineDone)
			gC.wait()
			must(p.Go(g2.job)) // the queue is full: runs inline, on this worker
		}))
		synctest.Wait()
		if p.Size() != 2 {
			t.Fatalf("Size() = %d; want 2", p.Size())
		}
		must(p.Go(g1.job)) // queue: [X], full
		gC.open()
		time.Sleep(time.Second) // past the stall: the nested Go runs inline
		synctest.Wait()
		if m := p.Metrics(); m.Running != 3 || m.Queued != 1 {
			t.Fatalf("setup: Metrics = %+v; want 3 running (one inline), 1 queued", m)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := p.Shutdown(ctx)
		var se *pool.ShutdownError
		if !errors.As(err, &se) || se.Running != 3 || se.Dropped != 1 {
			t.Errorf("Shutdown = %v; want a *ShutdownError with 3 running (one inline), 1 dropped", err)
		}
		g1.open()
		synctest.Wait()
		select {
		case <-inlineDone:
			t.Fatal("setup: the inline job ended")
		default:
		}
		select {
		case <-p.Done():
			t.Error("Done closed while an accepted caller-runs job was still running")
		default:
		}
		g2.open()
		<-inlineDone
		<-p.Done()
		checkInvariant(t, p)
	})
}

// TestQueuedLeavesOutControlItems: the retire messages that Resize leaves
// in the queue while every worker is busy are not work: Metrics used to
// count them as queued, and the running items as fewer than they were.
func TestQueuedLeavesOutControlItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 3, pool.QueueSize(16))
		busyWorkers(t, p, 3, g)
		if err := p.Resize(1); err != nil { // all 3 busy: 2 retire messages queued
			t.Fatal(err)
		}
		if m := p.Metrics(); m.Queued != 0 || m.Running != 3 {
			t.Errorf("3 jobs running, none queued: got Queued = %d, Running = %d; want 0, 3", m.Queued, m.Running)
		}
		g.open()
		synctest.Wait()
		if m := p.Metrics(); m.Queued != 0 || m.Running != 0 || m.Workers != 1 {
			t.Errorf("after the jobs: got Queued = %d, Running = %d, Workers = %d; want 0, 0, 1", m.Queued, m.Running, m.Workers)
		}
		p.Close()
		checkInvariant(t, p)
	})
}

// TestRunTimeOnlyRanTasks: a sampled task cancelled while queued never
// runs, so it has no run time; the histogram used to get a sample for it.
func TestRunTimeOnlyRanTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := newPool(t, 1, pool.SampleTimings(1))
		busyWorkers(t, p, 1, g)
		const n = 3
		ctx, cancel := context.WithCancel(t.Context())
		for range n {
			pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil })
		}
		cancel()
		g.open()
		p.Close()
		m := p.Metrics()
		if m.Cancelled != n {
			t.Fatalf("got Cancelled = %d; want %d", m.Cancelled, n)
		}
		if got := m.RunTime.Count(); got != 1 {
			t.Errorf("RunTime.Count() = %d; want 1 (the Go job: the %d cancelled tasks never ran)", got, n)
		}
		if got := m.QueueWait.Count(); got != 1+n {
			t.Errorf("QueueWait.Count() = %d; want %d (every item waited in the queue)", got, 1+n)
		}
	})
}

// TestResizeDuringCloseDrain: Close lets the queue drain with the pool
// still growing (see stop) before it stops the workers; Resize during that
// drain used to return nil and change the limit of a closing pool, where
// its doc says ErrClosed once the pool is closing. The test waits until
// Close has begun (TryGo returns ErrClosed) while a batch of blocked jobs
// is still starting its workers, then resizes.
func TestResizeDuringCloseDrain(t *testing.T) {
	for _, c := range []struct {
		name         string
		limit, jobs  int
		rounds, size int
	}{
		{"limit 16", 16, 64, 30, 4},
		{"limit 64", 64, 200, 30, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			for round := range c.rounds {
				p := newPool(t, c.limit, pool.QueueSize(c.jobs))
				g := newGate()
				for range c.jobs {
					if err := p.Go(g.job); err != nil {
						t.Fatal(err)
					}
				}
				closed := make(chan struct{})
				go func() { p.Close(); close(closed) }()
				for p.TryGo(func() {}) != pool.ErrClosed {
					runtime.Gosched()
				}
				err := p.Resize(c.size)
				lim := p.Limit()
				g.open()
				<-closed
				if !errors.Is(err, pool.ErrClosed) {
					t.Fatalf("round %d: Resize(%d) after Close began = %v; want ErrClosed", round, c.size, err)
				}
				if lim != c.limit {
					t.Fatalf("round %d: Limit() after a refused Resize(%d) = %d; want %d", round, c.size, lim, c.limit)
				}
				checkInvariant(t, p)
			}
		})
	}
}

// TestShutdownErrorCountsBusyWorkersOnly: ShutdownError.Running counts
// the items still running when Shutdown gives up, not the live workers:
// with grace 0 it looks before the idle workers have taken their stop
// messages, and it said "3 items still running" for one stuck item on a
// warm pool of 4.
func TestShutdownErrorCountsBusyWorkersOnly(t *testing.T) {
	cases := []struct {
		name    string
		workers int
		opts    []pool.Option
		stuck   int
	}{
		{"4 workers, 1 stuck", 4, nil, 1},
		{"4 workers, 2 stuck", 4, nil, 2},
		{"8 workers, 1 stuck, no queue", 8, []pool.Option{pool.QueueSize(0)}, 1},
		{"4 workers, none stuck", 4, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stuck := newGate()
				defer stuck.open()
				p := newPool(t, c.workers, append([]pool.Option{pool.ShutdownGrace(0)}, c.opts...)...)
				var warm sync.WaitGroup // start every worker, then let them idle
				warm.Add(c.workers)
				for range c.workers {
					if err := p.Go(func() { warm.Done(); warm.Wait() }); err != nil {
						t.Fatal(err)
					}
				}
				synctest.Wait()
				for range c.stuck {
					if err := p.Go(stuck.wait); err != nil {
						t.Fatal(err)
					}
				}
				synctest.Wait()
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				err := p.Shutdown(ctx)
				var se *pool.ShutdownError
				switch {
				case c.stuck == 0 && err != nil && (!errors.As(err, &se) || se.Running != 0):
					t.Errorf("Shutdown = %v; want nil, or Running 0", err)
				case c.stuck > 0 && (!errors.As(err, &se) || se.Running != c.stuck):
					t.Errorf("Shutdown = %v; want a *ShutdownError with Running %d", err, c.stuck)
				}
				stuck.open()
				if err := p.Shutdown(t.Context()); err != nil {
					t.Errorf("second Shutdown = %v; want nil", err)
				}
			})
		})
	}
}

// TestShutdownGivesQueuedChildrenErrShutdown: an expired Shutdown resolves
// every queued task with ErrShutdown and counts it as dropped, the
// children a running task queued with its own context too. Those used to
// resolve first with the running task's cancel, which reached them
// through their context (task.ErrNotStarted and context.Canceled, no
// ErrShutdown), and were not counted as dropped.
func TestShutdownGivesQueuedChildrenErrShutdown(t *testing.T) {
	cases := []struct {
		name    string
		ownCtx  bool // the child is queued with the running task's context
		workers int
	}{
		{"child of the running task", true, 1},
		{"child of the running task, 2 workers busy", true, 2},
		{"queued from outside", false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, c.workers)
				children := make(chan *task.Task[int], c.workers)
				var started sync.WaitGroup // every worker holds a parent before any child is queued
				started.Add(c.workers)
				for range c.workers {
					pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
						started.Done()
						started.Wait()
						sctx := context.Background()
						if c.ownCtx {
							sctx = ctx
						}
						children <- pool.Submit(sctx, p, func(context.Context) (int, error) { return 1, nil })
						<-ctx.Done()
						return 0, ctx.Err()
					})
				}
				synctest.Wait()
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				err := p.Shutdown(ctx)
				var se *pool.ShutdownError
				if !errors.As(err, &se) || se.Dropped != c.workers {
					t.Errorf("Shutdown = %v; want a *ShutdownError with Dropped %d", err, c.workers)
				}
				for range c.workers {
					if _, err := (<-children).Await(context.Background()); !errors.Is(err, pool.ErrShutdown) || !errors.Is(err, task.ErrNotStarted) {
						t.Errorf("queued child = %v; want it to match ErrShutdown and task.ErrNotStarted", err)
					}
				}
				checkInvariant(t, p)
			})
		})
	}
}
