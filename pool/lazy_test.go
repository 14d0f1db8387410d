package pool_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
)

// queueSizes are the queue capacities the lazy-start tests run with: none,
// one item, a few, and the default.
var queueSizes = []int{0, 1, 16, pool.DefaultQueueSize}

func TestWorkersStartLazily(t *testing.T) {
	for _, q := range queueSizes {
		t.Run(fmt.Sprintf("QueueSize(%d)", q), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 8, pool.QueueSize(q))
				if got, want := p.Size(), 0; got != want {
					t.Errorf("Size() of a new pool = %d; want %d", got, want)
				}
				if got, want := p.Limit(), 8; got != want {
					t.Errorf("Limit() = %d; want %d", got, want)
				}
				if m := p.Metrics(); m.Workers != 0 {
					t.Errorf("Metrics().Workers of a new pool = %d; want 0", m.Workers)
				}
				v, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 1, nil }).Await(t.Context())
				if v != 1 || err != nil {
					t.Fatalf("Submit(...).Await = %d, %v; want 1, nil", v, err)
				}
				synctest.Wait()
				if got, want := p.Size(), 1; got != want {
					t.Errorf("Size() after one task = %d; want %d", got, want)
				}
				p.Close()
				if got, want := p.Size(), 0; got != want {
					t.Errorf("Size() after Close = %d; want %d", got, want)
				}
			})
		})
	}
}

// TestBlockedTasksGetWorkers submits n jobs to a pool of n workers that
// each wait until all n are running. Workers start lazily, so this passes
// only if every queued job gets a worker while the pool is below its
// limit, even when the workers that could pass the need on are all
// blocked. Without that, synctest reports a deadlock.
func TestBlockedTasksGetWorkers(t *testing.T) {
	for _, n := range []int{1, 2, 3, 16, 100} {
		for _, q := range queueSizes {
			t.Run(fmt.Sprintf("n=%d/QueueSize(%d)", n, q), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := newPool(t, n, pool.QueueSize(q))
					var running, ran sync.WaitGroup
					running.Add(n)
					ran.Add(n)
					for range n {
						if err := p.Go(func() {
							defer ran.Done()
							running.Done()
							running.Wait()
						}); err != nil {
							t.Fatalf("Go = %v; want nil", err)
						}
					}
					ran.Wait()
					if got, want := p.Size(), n; got != want {
						t.Errorf("Size() = %d; want %d", got, want)
					}
					p.Close()
					checkInvariant(t, p)
				})
			})
		}
	}
}

// TestNestedChainGetsWorkers runs a chain of n tasks on a pool of n
// workers, each submitting the next and awaiting it: every link holds its
// worker, so the chain ends only if each new link gets a new worker.
func TestNestedChainGetsWorkers(t *testing.T) {
	for _, n := range []int{1, 4, 50} {
		for _, q := range queueSizes {
			t.Run(fmt.Sprintf("n=%d/QueueSize(%d)", n, q), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := newPool(t, n, pool.QueueSize(q))
					var link func(ctx context.Context, depth int) (int, error)
					link = func(ctx context.Context, depth int) (int, error) {
						if depth == n {
							return depth, nil
						}
						return pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
							return link(ctx, depth+1)
						}).Await(ctx)
					}
					got, err := link(t.Context(), 0)
					if got != n || err != nil {
						t.Errorf("chain of %d = %d, %v; want %d, nil", n, got, err, n)
					}
					p.Close()
					checkInvariant(t, p)
				})
			})
		}
	}
}

// TestResizeServesWaitingSubmitters checks that raising the limit starts
// workers for submitters already waiting for room, which no queued item
// or starting worker speaks for.
func TestResizeServesWaitingSubmitters(t *testing.T) {
	for _, q := range []int{0, 1} {
		t.Run(fmt.Sprintf("QueueSize(%d)", q), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 1, pool.QueueSize(q))
				g := newGate()
				if err := p.Go(g.job); err != nil {
					t.Fatal(err)
				}
				// Fill the queue, then one more submitter waits for room.
				var ran atomic.Int32
				var submitters sync.WaitGroup
				for range q + 1 {
					submitters.Go(func() {
						if err := p.Go(func() { ran.Add(1) }); err != nil {
							t.Errorf("Go = %v; want nil", err)
						}
					})
				}
				synctest.Wait()
				if got := ran.Load(); got != 0 {
					t.Fatalf("%d jobs ran behind a closed gate on one worker; want 0", got)
				}
				if err := p.Resize(2); err != nil {
					t.Fatal(err)
				}
				submitters.Wait()
				synctest.Wait()
				if got, want := ran.Load(), int32(q+1); got != want {
					t.Errorf("after Resize(2) with the gate still closed, %d jobs ran; want %d", got, want)
				}
				g.open()
				p.Close()
				checkInvariant(t, p)
			})
		})
	}
}

// TestSequentialWorkStartsFewWorkers checks that a large limit is a bound,
// not a cost: tasks submitted one at a time, each awaited, are served by
// the worker already there, not by a new worker each.
func TestSequentialWorkStartsFewWorkers(t *testing.T) {
	const limit, tasks = 1000, 1000
	p := newPool(t, limit)
	for i := range tasks {
		v, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return i, nil }).Await(t.Context())
		if v != i || err != nil {
			t.Fatalf("task %d = %d, %v; want %d, nil", i, v, err, i)
		}
	}
	// Races between a submission and a worker on its way back to the
	// queue may start a few extra workers; one per task would be 1000.
	if got, most := p.Size(), 10; got > most {
		t.Errorf("Size() after %d sequential tasks on a pool of %d = %d; want at most %d", tasks, limit, got, most)
	}
	p.Close()
	checkInvariant(t, p)
}

// idleWorkers makes p start n workers, with n jobs that wait until all
// of them run, and lets them go idle. Call it in a synctest bubble.
func idleWorkers(t *testing.T, p *pool.Pool, n int) {
	t.Helper()
	g := newGate()
	for range n {
		if err := p.Go(g.job); err != nil {
			t.Fatal(err)
		}
	}
	synctest.Wait()
	if got := p.Size(); got != n {
		g.open()
		t.Fatalf("Size() with %d blocked jobs = %d; want %d", n, got, n)
	}
	g.open()
	synctest.Wait()
	if m := p.Metrics(); m.Workers != n || m.Idle != n {
		t.Fatalf("after the jobs: %d workers, %d idle; want %d, %d", m.Workers, m.Idle, n, n)
	}
}

// TestKeepAlive checks that idle workers exit once their keep-alive runs
// out, not before, and that the pool starts workers again afterwards.
func TestKeepAlive(t *testing.T) {
	cases := []struct {
		name string
		opts []pool.Option
		keep time.Duration
	}{
		{"default", nil, pool.DefaultKeepAlive},
		{"KeepAlive(1s)", []pool.Option{pool.KeepAlive(time.Second)}, time.Second},
		{"KeepAlive(1s)/QueueSize(0)", []pool.Option{pool.KeepAlive(time.Second), pool.QueueSize(0)}, time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 4
				p := newPool(t, n, c.opts...)
				idleWorkers(t, p, n)
				// Workers exit between one and one and a half keep-alives
				// after they went idle.
				time.Sleep(c.keep - time.Millisecond)
				synctest.Wait()
				if got := p.Size(); got != n {
					t.Errorf("Size() just before the keep-alive ran out = %d; want %d", got, n)
				}
				time.Sleep(c.keep/2 + 2*time.Millisecond)
				synctest.Wait()
				if m := p.Metrics(); m.Workers != 0 || m.Idle != 0 {
					t.Errorf("after the keep-alive: %d workers, %d idle; want 0, 0", m.Workers, m.Idle)
				}
				v, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 2, nil }).Await(t.Context())
				if v != 2 || err != nil {
					t.Errorf("Submit after the workers expired = %d, %v; want 2, nil", v, err)
				}
				p.Close()
				checkInvariant(t, p)
			})
		})
	}
}

// TestKeepAliveResetsOnWork checks that a worker that keeps getting work
// before its keep-alive runs out does not expire.
func TestKeepAliveResetsOnWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.KeepAlive(time.Second))
		for i := range 5 {
			if _, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return i, nil }).Await(t.Context()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(900 * time.Millisecond)
			synctest.Wait()
			if got := p.Size(); got != 1 {
				t.Fatalf("Size() %v after task %d = %d; want 1", 900*time.Millisecond, i, got)
			}
		}
		p.Close()
	})
}

// TestSparesServeWhileOthersBlock checks that idle workers parked off the
// queue (beyond GOMAXPROCS of them, see worker.await) are woken for work
// that the workers waiting on the queue cannot take because they are
// busy, at the limit as below it.
func TestSparesServeWhileOthersBlock(t *testing.T) {
	const n = 8 // above GOMAXPROCS on the project's machine, so some idle workers park as spares
	for _, q := range queueSizes {
		t.Run(fmt.Sprintf("QueueSize(%d)", q), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, n, pool.QueueSize(q))
				idleWorkers(t, p, n)
				// Now n-1 jobs that block, then one that must still run.
				g2 := newGate()
				defer g2.open()
				for range n - 1 {
					if err := p.Go(g2.job); err != nil {
						t.Fatal(err)
					}
				}
				ran := make(chan struct{})
				if err := p.Go(func() { close(ran) }); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				select {
				case <-ran:
				default:
					t.Errorf("the last job did not run while %d of %d idle workers had blocking jobs", n-1, n)
				}
				if got := p.Size(); got != n {
					t.Errorf("Size() = %d; want %d (no worker started beyond the spares)", got, n)
				}
				g2.open()
				p.Close()
				checkInvariant(t, p)
			})
		})
	}
}
