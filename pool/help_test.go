package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// sumTree submits the two halves of [lo, hi) to p as tasks of p, with the
// task's own context, and waits for them with wait: a recursive fan-out
// whose every level awaits the level below, queued behind it on one pool.
func sumTree(ctx context.Context, p *pool.Pool, lo, hi int, wait string) (int, error) {
	if hi-lo <= 1 {
		return lo, nil
	}
	mid := (lo + hi) / 2
	a := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sumTree(ctx, p, lo, mid, wait) })
	b := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sumTree(ctx, p, mid, hi, wait) })
	switch wait {
	case "All":
		vs, err := task.All(ctx, a, b)
		if err != nil {
			return 0, err
		}
		return vs[0] + vs[1], nil
	case "Join2":
		x, y, err := task.Join2(ctx, a, b)
		return x + y, err
	case "Select", "Select4": // Select on both, then on the one left
		cases := []task.Case{a, b}
		if wait == "Select4" { // more than 3 cases: Select's reflect path
			cases = append(cases, context.Background(), context.Background())
		}
		i, err := task.Select(ctx, cases...)
		if err != nil {
			return 0, err
		}
		if _, err := task.Select(ctx, []*task.Task[int]{b, a}[i]); err != nil {
			return 0, err
		}
		x, errA := a.Await(ctx)
		y, errB := b.Await(ctx)
		return x + y, errors.Join(errA, errB)
	default: // Await, the later one first: the earlier may be running
		y, err := b.Await(ctx)
		if err != nil {
			return 0, err
		}
		x, err := a.Await(ctx)
		return x + y, err
	}
}

// TestAwaitQueuedHelps: a task of a pool that waits for a task of the
// same pool still queued, when every worker waits, runs that task itself
// on its worker, so a fan-out that awaits its children finishes on any
// pool, where every worker used to wait for work only a free worker could
// start. Each case but the one without a queue deadlocked before (the
// test's own Await then gave up at its one-hour fake deadline).
func TestAwaitQueuedHelps(t *testing.T) {
	cases := []struct {
		name    string
		workers int
		opts    []pool.Option
		n       int // leaves of the tree: n-1 inner tasks and n leaves
		wait    string
	}{
		{"1 worker, Await", 1, nil, 64, "Await"},
		{"2 workers, Await", 2, nil, 256, "Await"},
		{"2 workers, All", 2, nil, 256, "All"},
		{"2 workers, Join2", 2, nil, 256, "Join2"},
		{"1 worker, Select", 1, nil, 64, "Select"},
		{"2 workers, Select", 2, nil, 256, "Select"},
		{"2 workers, Select of 4 cases", 2, nil, 256, "Select4"},
		{"4 workers, queue 4, All", 4, []pool.Option{pool.QueueSize(4)}, 256, "All"},
		{"2 workers, no queue, Await", 2, []pool.Option{pool.QueueSize(0)}, 64, "Await"},
		{"2 locked workers, All", 2, []pool.Option{pool.LockOSThread()}, 64, "All"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, c.workers, c.opts...)
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				defer func() { _ = p.Shutdown(ctx) }()
				root := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sumTree(ctx, p, 0, c.n, c.wait) })
				got, err := root.Await(ctx)
				if want := c.n * (c.n - 1) / 2; got != want || err != nil {
					t.Fatalf("sum of 0..%d = %d, %v; want %d, nil", c.n-1, got, err, want)
				}
				p.Close()
				m := p.Metrics()
				if want := uint64(2*c.n - 1); m.Submitted != want || m.Completed != want || m.Running != 0 || m.Queued != 0 {
					t.Errorf("Metrics: Submitted %d, Completed %d, Running %d, Queued %d; want %d, %d, 0, 0", m.Submitted, m.Completed, m.Running, m.Queued, want, want)
				}
				checkInvariant(t, p)
			})
		})
	}
}

// TestAwaitQueuedHelpsRunsOnlyItsTask: a waiting worker runs the task it
// waits for and nothing else: items queued ahead of it (here a Go job and
// a Go job that panics) run later, on a worker, and the panic goes to
// OnPanic, not into the waiting task. The counts add up once each, though
// the queue still held the task that the waiter ran.
func TestAwaitQueuedHelpsRunsOnlyItsTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu     sync.Mutex
			panics []any
			ran    int
		)
		p, err := pool.New(1, pool.OnPanic(func(e *task.PanicError) { mu.Lock(); panics = append(panics, e.Value); mu.Unlock() }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		defer func() { _ = p.Shutdown(ctx) }()
		parent := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
			if err := p.Go(func() { mu.Lock(); ran++; mu.Unlock() }); err != nil {
				return 0, err
			}
			if err := p.Go(func() { panic("boom") }); err != nil {
				return 0, err
			}
			child := pool.Submit(ctx, p, func(context.Context) (int, error) { return 7, nil })
			v, err := child.Await(ctx)
			mu.Lock()
			defer mu.Unlock()
			if ran != 0 || len(panics) != 0 {
				return 0, fmt.Errorf("the waiter ran the Go jobs queued ahead of its task (ran %d, panics %v)", ran, panics)
			}
			return v, err
		})
		got, err := parent.Await(ctx)
		if got != 7 || err != nil {
			t.Fatalf("parent = %d, %v; want 7, nil", got, err)
		}
		p.Close()
		if ran != 1 || len(panics) != 1 || panics[0] != "boom" {
			t.Errorf("Go jobs: ran %d, panics %v; want 1, [boom]", ran, panics)
		}
		if m := checkInvariant(t, p); m.Completed != 3 || m.Panicked != 1 || m.Cancelled != 0 {
			t.Errorf("Metrics: Completed %d, Panicked %d, Cancelled %d; want 3, 1, 0", m.Completed, m.Panicked, m.Cancelled)
		}
	})
}

// TestAwaitQueuedHelpsNotOffWorker: a goroutine a task starts with the
// task's context is not one of the pool's workers: it waits, and the
// queued task runs on a worker, so the limit holds.
func TestAwaitQueuedHelpsNotOffWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1)
		var inside int
		parent := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			// Not under ctx, which ends with the parent: the child must
			// still run then.
			child := pool.Submit(t.Context(), p, func(context.Context) (int, error) { inside++; return 1, nil })
			res := make(chan error, 1)
			go func() { _, err := child.Await(ctx); res <- err }()
			synctest.Wait() // the goroutine waits; it did not run child
			if inside != 0 {
				return 0, errors.New("the child ran off the pool's worker")
			}
			return 0, nil // frees the worker, which then runs child
		})
		if _, err := parent.Await(t.Context()); err != nil {
			t.Fatal(err)
		}
		p.Close()
		if inside != 1 {
			t.Errorf("child ran %d times; want 1", inside)
		}
	})
}

// TestAwaitQueuedHelpsAfterOthersWait: a worker that waits for a queued
// task while another worker is busy leaves it to that worker; when that
// worker then waits too (here for the very task the first one runs),
// nothing would take the queued task, so the first looks again and runs
// it. Before that second look, this case waited until the test's
// one-hour fake deadline.
func TestAwaitQueuedHelpsAfterOthersWait(t *testing.T) {
	cases := []struct {
		name string
		wait func(ctx context.Context, child *task.Task[int]) (int, error)
	}{
		// With a deadline, a waiter leaves its task to a busy worker (one
		// without runs it at once: see TestAwaitQueuedHelpsSaturated).
		{"Await", func(ctx context.Context, c *task.Task[int]) (int, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Hour)
			defer cancel()
			return c.Await(ctx)
		}},
		{"All", func(ctx context.Context, c *task.Task[int]) (int, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Hour)
			defer cancel()
			vs, err := task.All(ctx, c)
			if err != nil {
				return 0, err
			}
			return vs[0], nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 2)
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				defer func() { _ = p.Shutdown(ctx) }()
				gate := make(chan struct{})
				var x *task.Task[int]
				y := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
					<-gate // busy, not in an await point
					return x.Await(ctx)
				})
				synctest.Wait()
				x = pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
					child := pool.Submit(ctx, p, func(context.Context) (int, error) { return 42, nil })
					return c.wait(ctx, child) // y's worker is busy: x waits
				})
				synctest.Wait()
				if m := p.Metrics(); m.Queued != 1 || m.Workers != 2 {
					t.Fatalf("Metrics: Queued %d, Workers %d; want 1, 2 (the child queued, both workers held)", m.Queued, m.Workers)
				}
				close(gate)
				got, err := y.Await(ctx)
				if got != 42 || err != nil {
					t.Fatalf("y = %d, %v; want 42, nil", got, err)
				}
			})
		})
	}
}

// TestAwaitQueuedHelpsShutdownSkipsTaken: the queue still holds a task its
// waiter ran; Metrics does not count it as queued (it counted it before,
// and Running one short), and Shutdown, dropping what is queued, finds it
// taken: it is not dropped, nor counted twice.
func TestAwaitQueuedHelpsShutdownSkipsTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1)
		inlined := make(chan struct{})
		x := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			child := pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil })
			if _, err := child.Await(ctx); err != nil { // the only worker: it runs child
				return 0, err
			}
			close(inlined)
			<-ctx.Done() // busy until Shutdown cancels it, child's entry still queued
			return 0, ctx.Err()
		})
		<-inlined
		if m := p.Metrics(); m.Queued != 0 || m.Running != 1 || m.Completed != 1 {
			t.Fatalf("Metrics: Queued %d, Running %d, Completed %d; want 0, 1, 1 (the entry left of the task the waiter ran is no work)", m.Queued, m.Running, m.Completed)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := p.Shutdown(ctx)
		var se *pool.ShutdownError
		if !errors.As(err, &se) || se.Dropped != 0 {
			t.Errorf("Shutdown = %v; want a *pool.ShutdownError with Dropped 0", err)
		}
		if _, err := x.Await(t.Context()); !errors.Is(err, context.Canceled) {
			t.Errorf("x = %v; want context.Canceled", err)
		}
		<-p.Done()
		if m := checkInvariant(t, p); m.Completed != 1 || m.Failed != 1 || m.Cancelled != 0 {
			t.Errorf("Metrics: Completed %d, Failed %d, Cancelled %d; want 1, 1, 0", m.Completed, m.Failed, m.Cancelled)
		}
	})
}

// TestAwaitQueuedHelpsAfterResize: a waiter that left its task to a busy
// worker looks again when that worker retires (Resize) and none is left
// to take the task. It waited for good before.
func TestAwaitQueuedHelpsAfterResize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 2)
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		defer func() { _ = p.Shutdown(ctx) }()
		gate := make(chan struct{})
		busy := pool.Submit(ctx, p, func(context.Context) (int, error) { <-gate; return 0, nil })
		synctest.Wait()
		parent := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
			child := pool.Submit(ctx, p, func(context.Context) (int, error) { return 5, nil })
			wctx, cancel := context.WithTimeout(ctx, 2*time.Hour) // a deadline: leave the child to the busy worker
			defer cancel()
			return child.Await(wctx)
		})
		synctest.Wait()
		if err := p.Resize(1); err != nil {
			t.Fatal(err)
		}
		close(gate) // busy's worker retires: none left for the child
		if _, err := busy.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := parent.Await(ctx); got != 5 || err != nil {
			t.Fatalf("parent = %d, %v; want 5, nil", got, err)
		}
	})
}

// TestAwaitQueuedHelpsRaceStops: Race and Any offer their queued members
// to the waiter's worker one at a time, and stop once decided: a loser
// still queued is cancelled, not run. They ran every queued member first.
func TestAwaitQueuedHelpsRaceStops(t *testing.T) {
	for _, op := range []string{"Race", "Any", "All, first fails"} {
		t.Run(op, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 1)
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				defer func() { _ = p.Shutdown(ctx) }()
				var lostRan bool
				parent := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
					first := pool.Submit(ctx, p, func(context.Context) (int, error) {
						if op == "All, first fails" {
							return 0, errors.New("first failed")
						}
						return 1, nil
					})
					second := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
						lostRan = true
						return 2, task.Sleep(ctx, time.Second)
					})
					switch op {
					case "Race":
						return task.Race(ctx, first, second)
					case "Any":
						return task.Any(ctx, first, second)
					}
					_, err := task.All(ctx, first, second)
					return 0, err
				})
				got, err := parent.Await(ctx)
				if op == "All, first fails" {
					if err == nil {
						t.Errorf("All = nil; want the first failure")
					}
				} else if got != 1 || err != nil {
					t.Errorf("%s = %d, %v; want 1, nil", op, got, err)
				}
				p.Close()
				if lostRan {
					t.Errorf("%s ran the member queued behind the one that decided it", op)
				}
			})
		})
	}
}

// TestAwaitQueuedHelpsCountsOnce: a queued task whose context a cancel
// ends while its waiter helps is counted once: the waiter counts only a
// task it ran, the worker that takes the task's queue entry the rest. It
// was counted cancelled twice in most runs of this test. (A stress test:
// the cancel races the waiter's look.)
func TestAwaitQueuedHelpsCountsOnce(t *testing.T) {
	for round := range 5 {
		p, err := pool.New(1)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 400 {
			root := pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
				cctx, cancel := context.WithCancel(ctx)
				c := pool.Submit(cctx, p, func(context.Context) (int, error) { return 1, nil })
				go cancel()
				runtime.Gosched()
				_, _ = c.Await(ctx)
				return 0, nil
			})
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = root.Await(context.Background()) }()
			if i%64 == 0 {
				wg.Wait()
			}
		}
		wg.Wait()
		p.Close()
		m := p.Metrics()
		if sum := m.Completed + m.Failed + m.Panicked + m.Cancelled + m.Rejected; m.Submitted != sum {
			t.Fatalf("round %d: Submitted %d; want Completed+Failed+Panicked+Cancelled+Rejected = %d (%+v)", round, m.Submitted, sum, m)
		}
	}
}

// TestAwaitQueuedHelpsSaturated: on a pool at its limit with no idle
// worker, a waiter without a deadline runs its queued task at once, so a
// tree's halves run on both workers at once; one with a deadline leaves
// the task to the busy worker and keeps its deadline.
func TestAwaitQueuedHelpsSaturated(t *testing.T) {
	cases := []struct {
		name        string
		deadline    bool
		wantInlined bool
	}{
		{"no deadline: runs it", false, true},
		{"deadline: waits, and keeps the deadline", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 2)
				gate := make(chan struct{})
				busy := pool.Submit(t.Context(), p, func(context.Context) (int, error) { <-gate; return 0, nil })
				synctest.Wait()
				var inlined bool
				parent := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
					ran := make(chan struct{})
					child := pool.Submit(ctx, p, func(context.Context) (int, error) { close(ran); return 1, nil })
					wctx := ctx
					if c.deadline {
						var cancel context.CancelFunc
						wctx, cancel = context.WithTimeout(ctx, time.Second)
						defer cancel()
					}
					_, err := child.Await(wctx)
					select {
					case <-ran:
						inlined = true
					default:
					}
					return 0, err
				})
				_, err := parent.Await(t.Context())
				if inlined != c.wantInlined {
					t.Errorf("child ran before the parent's Await returned = %v; want %v", inlined, c.wantInlined)
				}
				if c.deadline && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("parent = %v; want its Await's deadline", err)
				}
				close(gate)
				if _, err := busy.Await(t.Context()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestHelpedMemberCancelledByAnotherEnd: a task of a saturated pool waits
// with Race, Any, All or Select for a member that runs until it is
// cancelled (watch) and one queued before it that ends at once (quick);
// the pool's other worker is busy for 10 ms and then runs quick. Race,
// Any and All offered watch to the pool and ran it on the waiter's worker,
// where the end of quick could not cancel it, since they decided on the
// waiting goroutine: they waited forever (the one-hour fake deadline).
// They now decide at quick's end, on its worker, and cancel watch there.
// Select, which cancels nothing, ran watch too; it now runs a case only
// when no worker is left to run anything, so quick wins.
func TestHelpedMemberCancelledByAnotherEnd(t *testing.T) {
	errQuick := errors.New("quick failed")
	cases := []struct {
		op      string
		want    int
		wantErr error
	}{
		{"Race", 1, nil},
		{"Any", 1, nil},
		{"All", 0, errQuick},
		{"Select", 1, nil}, // the index of quick
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 2)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				defer func() { _ = p.Shutdown(ctx) }()
				if err := p.Go(func() { time.Sleep(10 * time.Millisecond) }); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				parent := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
					quick := pool.Submit(ctx, p, func(context.Context) (int, error) {
						if c.op == "All" {
							return 0, errQuick
						}
						return 1, nil
					})
					watch := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
						<-ctx.Done()
						return 0, ctx.Err()
					})
					switch c.op {
					case "Race":
						return task.Race(ctx, watch, quick)
					case "Any":
						return task.Any(ctx, watch, quick)
					case "All":
						_, err := task.All(ctx, watch, quick)
						return 0, err
					default:
						defer watch.Cancel()
						return task.Select(ctx, watch, quick)
					}
				})
				wctx, wcancel := context.WithTimeout(ctx, time.Hour)
				defer wcancel()
				got, err := parent.Await(wctx)
				if got != c.want || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
					t.Errorf("%s = %d, %v; want %d, %v", c.op, got, err, c.want, c.wantErr)
				}
			})
		})
	}
}

// TestSelectWithTimerDoesNotHelp: a task of a one-worker pool (stuck as
// soon as it waits) selects on a timer of 10 ms and a queued task of the
// pool that would take an hour. Select used to run that task itself, and
// the timer case waited an hour; a case that is not a task, and can be
// done, now keeps Select from running any case: the timer wins at 10 ms.
// A context case that can end does the same; context.Background, which
// never ends, does not.
func TestSelectWithTimerDoesNotHelp(t *testing.T) {
	cases := []struct {
		name    string
		other   func() (task.Case, func())
		want    int
		wantRan bool // the queued task ran on the waiter (help)
	}{
		{"timer", func() (task.Case, func()) {
			tm := task.After(10 * time.Millisecond)
			return tm, func() { tm.Stop() }
		}, 0, false},
		{"context", func() (task.Case, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			return ctx, cancel
		}, 0, false},
		{"context that never ends", func() (task.Case, func()) { return context.Background(), func() {} }, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 1)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				defer func() { _ = p.Shutdown(ctx) }()
				ran := false
				parent := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
					child := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
						ran = true
						select {
						case <-time.After(time.Hour):
						case <-ctx.Done():
						}
						return 0, nil
					})
					defer child.Cancel()
					other, stop := c.other()
					defer stop()
					return task.Select(ctx, other, child)
				})
				wctx, wcancel := context.WithTimeout(ctx, 2*time.Hour)
				defer wcancel()
				got, err := parent.Await(wctx)
				if got != c.want || err != nil {
					t.Errorf("Select = %d, %v; want %d, nil", got, err, c.want)
				}
				if ran != c.wantRan {
					t.Errorf("the queued task ran on the waiter: %v; want %v", ran, c.wantRan)
				}
			})
		})
	}
}
