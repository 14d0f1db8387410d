package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestAudit5TryBelowLimit: TryGo and TrySubmit refused work with ErrFull
// while the pool was far below its limit: once the queue was full, the
// submission only let grow start a worker (at most GOMAXPROCS at once) and
// gave up. A burst of 9 TryGo on New(8, QueueSize(1)) had 1 accepted.
// Now a submission that finds the queue full goes to a new worker while
// the pool is short, so a burst of limit + queue is accepted whole once
// the first worker has taken its item, and only the next is refused.
func TestAudit5TryBelowLimit(t *testing.T) {
	type try func(p *pool.Pool, g *gate) error
	tryGo := func(p *pool.Pool, g *gate) error { return p.TryGo(g.job) }
	trySubmit := func(p *pool.Pool, g *gate) error {
		_, err := pool.TrySubmit(context.Background(), p, g.task)
		return err
	}
	for _, op := range []struct {
		name string
		try  try
	}{{"TryGo", tryGo}, {"TrySubmit", trySubmit}} {
		for _, qs := range []int{0, 1, 4} {
			t.Run(op.name+"/queue="+strconv.Itoa(qs), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					const limit = 8
					g := newGate()
					defer g.open()
					p := newPool(t, limit, pool.QueueSize(qs))
					refused := 0
					for range limit { // a burst: no worker has run yet
						if err := op.try(p, g); err != nil {
							refused++
						}
					}
					if refused != 0 {
						t.Errorf("burst of %d on a pool of limit %d (queue %d): %d refused; want 0", limit, limit, qs, refused)
					}
					synctest.Wait() // every worker holds an item: the queue is empty
					for range qs {
						if err := op.try(p, g); err != nil {
							t.Errorf("with %d workers busy and the queue empty: %v; want queued", limit, err)
						}
					}
					if err := op.try(p, g); !errors.Is(err, pool.ErrFull) {
						t.Errorf("at the limit with a full queue: %v; want ErrFull", err)
					}
					if got := p.Size(); got != limit {
						t.Errorf("Size() = %d; want %d", got, limit)
					}
					g.open()
					p.Close()
					if m := checkInvariant(t, p); m.Completed != uint64(limit+qs) || m.Rejected != 1 {
						t.Errorf("Completed = %d, Rejected = %d; want %d, 1", m.Completed, m.Rejected, limit+qs)
					}
				})
			})
		}
	}
}

// TestAudit5CallerRunsOnlyOnWorkers: the caller-runs rule ran a submission
// inline on any goroutine holding a task's context, so a task's helper
// goroutines ran p's work beyond its limit (and off its locked threads).
// Now only one of p's workers runs inline; other goroutines wait for room.
func TestAudit5CallerRunsOnlyOnWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.QueueSize(1))
		var parentRunning, overlap atomic.Bool
		var helper sync.WaitGroup
		var child *task.Task[int]
		parent := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			parentRunning.Store(true)
			defer parentRunning.Store(false)
			pool.Submit(ctx, p, func(context.Context) (int, error) { return 0, nil }) // fills the queue
			// A helper holds the task's context (without its cancellation,
			// so that its work outlives the task) and submits to the full pool.
			hctx := context.WithoutCancel(ctx)
			helper.Go(func() {
				child = pool.Submit(hctx, p, func(context.Context) (int, error) {
					if parentRunning.Load() {
						overlap.Store(true)
					}
					return 1, nil
				})
			})
			synctest.Wait() // the helper has run its submission, or waits for room
			return 0, nil
		})
		if _, err := parent.Await(t.Context()); err != nil {
			t.Fatal(err)
		}
		helper.Wait()
		if v, err := child.Await(t.Context()); v != 1 || err != nil {
			t.Errorf("helper's task = %d, %v; want 1, nil", v, err)
		}
		if overlap.Load() {
			t.Error("a helper goroutine's submission ran alongside its task on a pool of limit 1; want it to wait for room")
		}
		if m := p.Metrics(); m.Workers > 1 {
			t.Errorf("Workers = %d; want at most 1", m.Workers)
		}
	})
}

// TestAudit5NestedGoStallsOnce: a Go job submitting to its own full pool
// was recognised only after a stall of 50-100 ms, every time: a recursive
// fan-out of 364 Go jobs on limit 2, QueueSize(1) took 8.7 s. Once the
// pool has seen a worker submit to itself, its full-queue submitters look
// at once.
func TestAudit5NestedGoStallsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 2, pool.QueueSize(1))
		var wg sync.WaitGroup
		var n atomic.Int64
		var rec func(d int)
		rec = func(d int) {
			defer wg.Done()
			n.Add(1)
			if d == 0 {
				return
			}
			for range 3 {
				wg.Add(1)
				if err := p.Go(func() { rec(d - 1) }); err != nil {
					t.Error(err)
					wg.Done()
				}
			}
		}
		start := time.Now()
		wg.Add(1)
		if err := p.Go(func() { rec(5) }); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		took := time.Since(start) // the bubble's clock: only the stalls move it
		if n.Load() != 364 {
			t.Errorf("ran %d jobs; want 364", n.Load())
		}
		if most := 250 * time.Millisecond; took > most {
			t.Errorf("fan-out of 364 nested Go jobs took %v of the bubble's time; want at most %v (one stall)", took, most)
		}
	})
}

// TestAudit5NeverRanMatchesErrNotStarted: work that never ran resolved
// with errors that did not all match task.ErrNotStarted, which the root
// package documentation promises: tasks Shutdown dropped from the queue
// matched only ErrShutdown, and a Submit whose ctx ended while it waited
// for room gave "pool: submit: context deadline exceeded". GoContext's
// error said "submit".
func TestAudit5NeverRanMatchesErrNotStarted(t *testing.T) {
	t.Run("shutdown drops queued", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool(t, 1, pool.QueueSize(4))
			pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
			q := pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 1, nil })
			synctest.Wait()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_ = p.Shutdown(ctx)
			_, err, _ := q.Result()
			for _, want := range []error{pool.ErrShutdown, task.ErrNotStarted, context.Canceled} {
				if !errors.Is(err, want) {
					t.Errorf("dropped task = %v; want it to match %v", err, want)
				}
			}
		})
	})
	for _, c := range []struct {
		name, prefix string
		submit       func(ctx context.Context, p *pool.Pool) error
	}{
		// The task's own context, a child of ctx, may resolve it first
		// ("task: cancelled before it started: ..."): no prefix to check.
		{"Submit", "", func(ctx context.Context, p *pool.Pool) error {
			_, err := pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil }).Await(context.Background())
			return err
		}},
		{"GoContext", "pool: go: ", func(ctx context.Context, p *pool.Pool) error {
			return p.GoContext(ctx, func() {})
		}},
	} {
		t.Run(c.name+" waiting for room", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGate()
				defer g.open()
				p := newPool(t, 1, pool.QueueSize(1))
				busyWorkers(t, p, 1, g)
				if err := p.Go(g.job); err != nil { // fills the queue
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				err := c.submit(ctx, p)
				for _, want := range []error{task.ErrNotStarted, context.DeadlineExceeded} {
					if !errors.Is(err, want) {
						t.Errorf("%s = %v; want it to match %v", c.name, err, want)
					}
				}
				if c.prefix != "" && (err == nil || !strings.HasPrefix(err.Error(), c.prefix)) {
					t.Errorf("%s = %v; want the prefix %q", c.name, err, c.prefix)
				}
			})
		})
	}
}

// TestAudit5ShutdownGivesUp: Shutdown waited past its deadline for as long
// as a running item ignored its context. Now it waits the grace period
// once the context has ended and returns a *ShutdownError; the item's
// worker stays the pool's, and Close or Done waits for it.
func TestAudit5ShutdownGivesUp(t *testing.T) {
	cases := []struct {
		name        string
		opts        []pool.Option
		grace       time.Duration
		stuck       bool // an item ignores its context
		slow        bool // the item that returns when cancelled does so only after Shutdown returned
		wantRunning int
	}{
		{"default grace, stuck item", nil, pool.DefaultShutdownGrace, true, false, 1},
		// Gives up at once: the item that returns when cancelled has not
		// yet. (Without slow it might have, or not: the count is of the
		// instant Shutdown looks.)
		{"grace 0, stuck item", []pool.Option{pool.ShutdownGrace(0)}, 0, true, true, 2},
		{"grace 1s, stuck item", []pool.Option{pool.ShutdownGrace(time.Second)}, time.Second, true, false, 1},
		{"items return when cancelled", nil, 0, false, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stuck, slow := newGate(), newGate()
				defer stuck.open()
				defer slow.open()
				if !c.slow {
					slow.open()
				}
				p := newPool(t, 2, append([]pool.Option{pool.QueueSize(8)}, c.opts...)...)
				if c.stuck {
					pool.Submit(context.Background(), p, func(context.Context) (int, error) { stuck.wait(); return 0, nil })
				} else {
					pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
				}
				pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) { <-ctx.Done(); slow.wait(); return 0, ctx.Err() })
				var ran atomic.Int64
				for range 2 {
					pool.Submit(context.Background(), p, func(context.Context) (int, error) { ran.Add(1); return 0, nil })
				}
				p.Go(func() { ran.Add(1) })
				synctest.Wait()
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				start := time.Now()
				err := p.Shutdown(ctx)
				took := time.Since(start)
				if want := time.Second + c.grace; c.stuck && took != want {
					t.Errorf("Shutdown returned after %v; want %v (deadline + grace)", took, want)
				}
				var se *pool.ShutdownError
				if !errors.As(err, &se) {
					t.Fatalf("Shutdown = %v; want a *pool.ShutdownError", err)
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Shutdown = %v; want it to match context.DeadlineExceeded", err)
				}
				if se.Running != c.wantRunning || se.Dropped != 3 {
					t.Errorf("ShutdownError{Running: %d, Dropped: %d}; want %d, 3 (%v)", se.Running, se.Dropped, c.wantRunning, err)
				}
				if ran.Load() != 0 {
					t.Errorf("%d dropped items ran", ran.Load())
				}
				select {
				case <-p.Done():
					if c.stuck {
						t.Error("Done closed while a worker still runs an item")
					}
				default:
					if !c.stuck {
						t.Error("Done still open after every item returned")
					}
				}
				stuck.open()
				slow.open()
				if err := p.Shutdown(t.Context()); err != nil { // waits for the worker left behind
					t.Errorf("second Shutdown = %v; want nil", err)
				}
				<-p.Done()
				if m := checkInvariant(t, p); m.Workers != 0 {
					t.Errorf("Workers = %d after Done; want 0", m.Workers)
				}
			})
		})
	}
}

func TestAudit5ShutdownGraceOption(t *testing.T) {
	cases := []struct {
		d       time.Duration
		wantErr string
	}{{0, ""}, {time.Millisecond, ""}, {-1, "pool: ShutdownGrace(-1ns): must not be negative"}}
	for _, c := range cases {
		p, err := pool.New(1, pool.ShutdownGrace(c.d))
		if p != nil {
			p.Close()
		}
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.wantErr || (err != nil) != errors.Is(err, pool.ErrInvalid) {
			t.Errorf("New(1, ShutdownGrace(%v)) = %v; want %q, matching ErrInvalid", c.d, err, c.wantErr)
		}
	}
}

// BenchmarkSubmitAwaitCancelCtx is BenchmarkSubmitAwait with a context
// that can be cancelled, which the task registers with (Queued).
func BenchmarkSubmitAwaitCancelCtx(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := cpuTime()
	for b.Loop() {
		pool.Submit(ctx, p, value).Await(ctx)
	}
	p.Close()
	reportCPU(b, start)
}

// TestAudit5ShutdownReapNeverWaits: Shutdown's reap puts back the stop
// item it takes, and with a queue of 1 and Close's next stop item waiting
// to take the room, that put-back used to wait for a stuck worker: now
// Shutdown returns on time, and the pool still closes once the workers
// return.
func TestAudit5ShutdownReapNeverWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		defer g.open()
		p := newPool(t, 2, pool.QueueSize(1))
		busyWorkers(t, p, 2, g)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := p.Shutdown(ctx)
		if took, want := time.Since(start), time.Second+pool.DefaultShutdownGrace; took != want {
			t.Errorf("Shutdown returned after %v; want %v", took, want)
		}
		var se *pool.ShutdownError
		if !errors.As(err, &se) || se.Running != 2 || se.Dropped != 0 {
			t.Errorf("Shutdown = %v; want a *ShutdownError with 2 running, 0 dropped", err)
		}
		g.open()
		<-p.Done()
		checkInvariant(t, p)
	})
}
