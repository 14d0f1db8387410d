package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// newPool makes a pool that is closed when the test ends, and whose Go
// panics are counted instead of logged.
func newPool(t *testing.T, n int, opts ...pool.Option) *pool.Pool {
	t.Helper()
	opts = append([]pool.Option{pool.OnPanic(func(*task.PanicError) {})}, opts...)
	p, err := pool.New(n, opts...)
	if err != nil {
		t.Fatalf("pool.New(%d) = %v", n, err)
	}
	t.Cleanup(p.Close)
	return p
}

// checkInvariant fails t unless the pool's counts add up. Call it only at
// a quiescent point.
func checkInvariant(t *testing.T, p *pool.Pool) pool.Metrics {
	t.Helper()
	m := p.Metrics()
	sum := m.Completed + m.Failed + m.Panicked + m.Cancelled + m.Rejected
	if m.Submitted != sum {
		t.Errorf("Submitted = %d; want Completed+Failed+Panicked+Cancelled+Rejected = %d (%+v)", m.Submitted, sum, m)
	}
	return m
}

// gate blocks the pool's workers until it is opened.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

// busyWorkers submits n Go jobs that wait for g and, in a synctest bubble,
// waits until they hold n workers.
func busyWorkers(t *testing.T, p *pool.Pool, n int, g *gate) {
	t.Helper()
	for range n {
		if err := p.Go(g.job); err != nil {
			t.Fatal(err)
		}
	}
	synctest.Wait()
}
func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }
func (g *gate) wait() { <-g.ch }
func (g *gate) job()  { g.wait() }
func (g *gate) task(ctx context.Context) (int, error) {
	select {
	case <-g.ch:
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func TestNewBadSize(t *testing.T) {
	for _, n := range []int{0, -1, -100} {
		p, err := pool.New(n)
		if !errors.Is(err, pool.ErrSize) || p != nil {
			t.Errorf("pool.New(%d) = %v, %v; want nil, ErrSize", n, p, err)
		}
	}
}

func TestSubmitResults(t *testing.T) {
	p := newPool(t, 2)
	boom := errors.New("boom")
	cases := []struct {
		name    string
		give    func(context.Context) (int, error)
		want    int
		wantErr error
	}{
		{"value", func(context.Context) (int, error) { return 42, nil }, 42, nil},
		{"error", func(context.Context) (int, error) { return 0, boom }, 0, boom},
		{"panic", func(context.Context) (int, error) { panic(boom) }, 0, boom},
		{"goexit", func(context.Context) (int, error) { runtime.Goexit(); return 1, nil }, 0, task.ErrGoexit},
		{"nil func", nil, 0, task.ErrNilFunc},
		// A panic counts once, where it happened: a task that returns
		// another's *PanicError failed. Each of these counted as
		// panicked, so a panic passed up a tree counted at each level.
		{"returns another task's panic", func(ctx context.Context) (int, error) {
			return task.Go(ctx, func(context.Context) (int, error) { panic(boom) }).Await(ctx)
		}, 0, boom},
		{"returns task.ErrGoexit", func(context.Context) (int, error) { return 0, task.ErrGoexit }, 0, task.ErrGoexit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := pool.Submit(t.Context(), p, c.give).Await(t.Context())
			if got != c.want || !errors.Is(err, c.wantErr) {
				t.Errorf("Submit(%s).Await() = %d, %v; want %d, %v", c.name, got, err, c.want, c.wantErr)
			}
		})
	}
	if _, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { panic("x") }).Await(t.Context()); true {
		var pe *task.PanicError
		if !errors.As(err, &pe) || pe.Value != "x" || !bytes.Contains(pe.Stack, []byte("pool_test")) {
			t.Errorf("panicking task's error = %v; want a *task.PanicError with value and stack", err)
		}
	}
	p.Close()
	m := checkInvariant(t, p)
	if m.Completed != 1 || m.Failed != 3 || m.Panicked != 3 || m.Rejected != 1 {
		t.Errorf("Metrics = %+v; want 1 completed, 3 failed, 3 panicked, 1 rejected", m)
	}
}

func TestGoRunsEveryJob(t *testing.T) {
	for _, q := range []int{0, 1, 16, pool.DefaultQueueSize} {
		p := newPool(t, 3, pool.QueueSize(q))
		var n atomic.Int64
		for range 1000 {
			if err := p.Go(func() { n.Add(1) }); err != nil {
				t.Fatalf("Go() = %v", err)
			}
		}
		p.Close()
		if got := n.Load(); got != 1000 {
			t.Errorf("QueueSize(%d): %d jobs ran; want 1000", q, got)
		}
		if m := checkInvariant(t, p); m.Completed != 1000 {
			t.Errorf("QueueSize(%d): Completed = %d; want 1000", q, m.Completed)
		}
	}
}

func TestGoPanicGoesToHandler(t *testing.T) {
	var got []*task.PanicError
	var mu sync.Mutex
	p := newPool(t, 1, pool.OnPanic(func(e *task.PanicError) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}))
	ran := make(chan struct{})
	p.Go(func() { panic("first") })
	p.Go(func() { runtime.Goexit() })
	p.Go(func() { close(ran) }) // the worker survived (or was replaced)
	<-ran
	p.Close()
	if len(got) != 2 || got[0].Value != "first" || !errors.Is(got[1], task.ErrGoexit) {
		t.Fatalf("OnPanic got %v; want the panic value and then ErrGoexit", got)
	}
	if !bytes.Contains(got[0].Stack, []byte("pool_test")) {
		t.Errorf("panic stack = %s; want the panicking function in it", got[0].Stack)
	}
	if m := checkInvariant(t, p); m.Panicked != 2 || m.Completed != 1 {
		t.Errorf("Metrics = %+v; want 2 panicked, 1 completed", m)
	}
}

func TestGoPanicIsLoggedByDefault(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	h := slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}), nil)
	p, err := pool.New(1, pool.Logger(slog.New(h)), pool.Name("logged"))
	if err != nil {
		t.Fatal(err)
	}
	p.Go(func() { panic("kaboom") })
	p.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"job panicked", "pool=logged", "kaboom", "pool_test"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log = %q; want it to contain %q", buf.String(), want)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func TestGoexitReplacesWorker(t *testing.T) {
	p := newPool(t, 1)
	for range 3 {
		_, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) {
			runtime.Goexit()
			return 0, nil
		}).Await(t.Context())
		if !errors.Is(err, task.ErrGoexit) {
			t.Fatalf("Goexit task error = %v; want ErrGoexit", err)
		}
	}
	// With one worker, this runs only if the dead ones were replaced.
	v, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 7, nil }).Await(t.Context())
	if v != 7 || err != nil {
		t.Fatalf("task after Goexits = %d, %v; want 7, nil", v, err)
	}
	if got := p.Size(); got != 1 {
		t.Errorf("Size() = %d; want 1", got)
	}
	p.Close()
	if m := checkInvariant(t, p); m.Panicked != 3 {
		t.Errorf("Panicked = %d; want 3", m.Panicked)
	}
}

func TestTrySubmitFull(t *testing.T) {
	cases := []struct {
		queue, accepted int
	}{{0, 1}, {1, 2}, {4, 5}}
	for _, c := range cases {
		synctest.Test(t, func(t *testing.T) {
			g := newGate()
			p := newPool(t, 1, pool.QueueSize(c.queue))
			var tasks []*task.Task[int]
			for i := range c.accepted {
				synctest.Wait() // let the worker reach its receive
				tk, err := pool.TrySubmit(t.Context(), p, g.task)
				if err != nil {
					t.Fatalf("QueueSize(%d): TrySubmit #%d = %v; want nil", c.queue, i, err)
				}
				tasks = append(tasks, tk)
			}
			synctest.Wait()
			tk, err := pool.TrySubmit(t.Context(), p, g.task)
			if !errors.Is(err, pool.ErrFull) {
				t.Errorf("QueueSize(%d): TrySubmit on a full pool = %v; want ErrFull", c.queue, err)
			}
			if _, terr, ok := tk.Result(); !ok || !errors.Is(terr, pool.ErrFull) {
				t.Errorf("refused task's result = %v, %v; want ErrFull, done", terr, ok)
			}
			if err := p.TryGo(func() {}); !errors.Is(err, pool.ErrFull) {
				t.Errorf("QueueSize(%d): TryGo on a full pool = %v; want ErrFull", c.queue, err)
			}
			g.open()
			for _, tk := range tasks {
				if _, err := tk.Await(t.Context()); err != nil {
					t.Errorf("accepted task = %v", err)
				}
			}
			p.Close()
			if m := checkInvariant(t, p); m.Rejected != 2 || m.Completed != uint64(c.accepted) {
				t.Errorf("Metrics = %+v; want 2 rejected, %d completed", m, c.accepted)
			}
		})
	}
}

func TestSubmitWaitsForRoomAndHonoursCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := newPool(t, 1, pool.QueueSize(1))
		p.Go(g.job)
		p.Go(g.job) // fills the queue
		ctx, cancel := context.WithCancel(t.Context())
		var tk *task.Task[int]
		done := make(chan struct{})
		go func() {
			defer close(done)
			tk = pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil })
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Submit returned on a full queue; want it to wait")
		default:
		}
		cancel()
		<-done
		if _, err := tk.Await(t.Context()); !errors.Is(err, context.Canceled) {
			t.Errorf("Submit cancelled while waiting: task error = %v; want context.Canceled", err)
		}
		// A waiting Submit gets in once there is room.
		later := make(chan *task.Task[int])
		go func() { later <- pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 2, nil }) }()
		synctest.Wait()
		g.open()
		if v, err := (<-later).Await(t.Context()); v != 2 || err != nil {
			t.Errorf("Submit that waited = %d, %v; want 2, nil", v, err)
		}
		p.Close()
		if m := checkInvariant(t, p); m.Cancelled != 1 {
			t.Errorf("Cancelled = %d; want 1", m.Cancelled)
		}
	})
}

func TestBlockedSubmitIsAnAwaitPoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := newPool(t, 1, pool.QueueSize(0))
		p.Go(g.job)
		var s slottest.Counter
		outer, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
			return pool.Submit(ctx, p, func(context.Context) (int, error) { return 3, nil }).Await(ctx)
		}, task.WithSlot(&s))
		go job.Run()
		synctest.Wait()
		if got := s.Released.Load(); got != 1 {
			t.Errorf("slot released %d times while Submit waits; want 1", got)
		}
		g.open()
		if v, err := outer.Await(t.Context()); v != 3 || err != nil {
			t.Errorf("outer task = %d, %v; want 3, nil", v, err)
		}
		if r, a := s.Released.Load(), s.Acquired.Load(); r != a {
			t.Errorf("slot released %d times, acquired %d; want equal", r, a)
		}
	})
}

// TestNestedSubmitDoesNotDeadlock deadlocks if a worker that submits to
// its own full pool waits for room: its own worker is the only one that
// could make room.
func TestNestedSubmitDoesNotDeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.QueueSize(0))
		outer := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			inner := pool.Submit(ctx, p, func(context.Context) (int, error) { return 20, nil })
			v, err := inner.Await(ctx)
			return v + 1, err
		})
		if v, err := outer.Await(t.Context()); v != 21 || err != nil {
			t.Errorf("nested Submit = %d, %v; want 21, nil", v, err)
		}
		ran := make(chan int, 1)
		p.Go(func() { p.Go(func() { ran <- 5 }) })
		if got := <-ran; got != 5 {
			t.Errorf("nested Go ran %d; want 5", got)
		}
		p.Close()
		checkInvariant(t, p)
	})
}

func TestCloseDrainsQueue(t *testing.T) {
	p := newPool(t, 1, pool.QueueSize(100))
	g := newGate()
	p.Go(g.job)
	var ran atomic.Int32
	var tasks []*task.Task[int]
	for i := range 100 {
		tasks = append(tasks, pool.Submit(t.Context(), p, func(context.Context) (int, error) {
			ran.Add(1)
			return i, nil
		}))
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	g.open()
	<-closed
	if got := ran.Load(); got != 100 {
		t.Errorf("Close drained %d queued tasks; want 100", got)
	}
	for i, tk := range tasks {
		if v, err, ok := tk.Result(); !ok || v != i || err != nil {
			t.Errorf("task %d = %d, %v, %v; want %d, nil, true", i, v, err, ok, i)
		}
	}
	if err := p.Go(func() {}); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Go after Close = %v; want ErrClosed", err)
	}
	if _, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 0, nil }).Await(t.Context()); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Submit after Close = %v; want ErrClosed", err)
	}
	if _, err := pool.TrySubmit(t.Context(), p, func(context.Context) (int, error) { return 0, nil }); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("TrySubmit after Close = %v; want ErrClosed", err)
	}
	if err := p.Resize(3); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Resize after Close = %v; want ErrClosed", err)
	}
	if p.Size() != 0 {
		t.Errorf("Size() after Close = %d; want 0", p.Size())
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done() not closed after Close")
	}
	p.Close() // twice is fine
	checkInvariant(t, p)
}

func TestCloseRefusesBlockedSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := newPool(t, 1, pool.QueueSize(0))
		p.Go(g.job)
		errc := make(chan error)
		go func() { errc <- p.Go(func() {}) }()
		go func() {
			_, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 0, nil }).Await(t.Context())
			errc <- err
		}()
		synctest.Wait()
		closed := make(chan struct{})
		go func() { p.Close(); close(closed) }()
		for range 2 {
			if err := <-errc; !errors.Is(err, pool.ErrClosed) {
				t.Errorf("submitter blocked at Close got %v; want ErrClosed", err)
			}
		}
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while a job was still running")
		default:
		}
		g.open()
		<-closed
		checkInvariant(t, p)
	})
}

// TestCloseFromWorkerPanics checks that Close or Shutdown called from one
// of the pool's own workers panics, once it has waited stallAfter, instead
// of waiting for itself, and that the pool closes all the same.
func TestCloseFromWorkerPanics(t *testing.T) {
	cases := []struct {
		name  string
		close func(*pool.Pool)
	}{
		{"Close", (*pool.Pool).Close},
		{"Shutdown", func(p *pool.Pool) { _ = p.Shutdown(context.Background()) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 1)
				_, err := pool.Submit(t.Context(), p, func(context.Context) (int, error) {
					c.close(p)
					return 0, nil
				}).Await(t.Context())
				var pe *task.PanicError
				if !errors.As(err, &pe) || !strings.Contains(pe.Value.(string), "own workers") {
					t.Errorf("%s from a worker: %v; want a panic naming the mistake", c.name, err)
				}
				<-p.Done() // the worker drained the queue and exited
				if err := p.Go(func() {}); !errors.Is(err, pool.ErrClosed) {
					t.Errorf("Go after the panicking %s = %v; want ErrClosed", c.name, err)
				}
				checkInvariant(t, p)
			})
		})
	}
}

// TestCloseFromAnotherPoolsWorker checks that the own-worker check of
// Close tells pools apart: a worker of one pool may close another.
func TestCloseFromAnotherPoolsWorker(t *testing.T) {
	a, b := newPool(t, 1), newPool(t, 1)
	if err := b.Go(func() {}); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Submit(t.Context(), a, func(context.Context) (int, error) {
		b.Close()
		return 0, nil
	}).Await(t.Context())
	if err != nil {
		t.Errorf("closing pool b from a worker of pool a: %v; want nil", err)
	}
	if err := b.Go(func() {}); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Go on b after the close = %v; want ErrClosed", err)
	}
}

// TestNestedGoWaitsItsOwnStall checks that a worker that submits to its
// own full pool runs the item itself only once it has waited stallAfter
// (50 ms) itself, even if the shared stall timer, armed by an earlier
// submitter, fires sooner.
func TestNestedGoWaitsItsOwnStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.QueueSize(0))
		start := time.Now()
		g := newGate()
		ranAt := make(chan time.Duration, 1)
		if err := p.Go(func() {
			g.wait()
			if err := p.Go(func() { ranAt <- time.Since(start) }); err != nil {
				t.Errorf("nested Go = %v; want nil", err)
			}
		}); err != nil {
			t.Fatal(err)
		}
		outside := make(chan error, 1)
		go func() { outside <- p.Go(func() {}) }() // waits from 0 ms: arms the timer
		time.Sleep(40 * time.Millisecond)
		g.open() // the worker submits at 40 ms
		const want = 90 * time.Millisecond
		if got := <-ranAt; got < want {
			t.Errorf("the worker ran its nested item itself after %v; want at least %v (40 ms + its own 50 ms wait)", got, want)
		}
		if err := <-outside; err != nil {
			t.Errorf("outside Go = %v; want nil", err)
		}
		p.Close()
		checkInvariant(t, p)
	})
}

// TestNestedGoFoundDeepInTheStack checks that a worker is recognised
// however deep in its stack it submits: the check reads the caller's
// stack for the worker's frame.
func TestNestedGoFoundDeepInTheStack(t *testing.T) {
	for _, depth := range []int{0, 10, 1000} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, 1, pool.QueueSize(0))
				ran := make(chan int, 1)
				var dive func(n int)
				dive = func(n int) {
					if n > 0 {
						dive(n - 1)
						return
					}
					if err := p.Go(func() { ran <- depth }); err != nil {
						t.Errorf("nested Go = %v; want nil", err)
					}
				}
				if err := p.Go(func() { dive(depth) }); err != nil {
					t.Fatal(err)
				}
				if got := <-ran; got != depth {
					t.Errorf("nested Go ran %d; want %d", got, depth)
				}
				p.Close()
				checkInvariant(t, p)
			})
		})
	}
}

func TestShutdownCancelsWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.QueueSize(8))
		running := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			<-ctx.Done() // runs until Shutdown cancels it
			return 0, ctx.Err()
		})
		var queued []*task.Task[int]
		var goRan atomic.Bool
		for range 4 {
			queued = append(queued, pool.Submit(t.Context(), p, func(context.Context) (int, error) { return 1, nil }))
		}
		p.Go(func() { goRan.Store(true) })
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err := p.Shutdown(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v; want DeadlineExceeded", err)
		}
		if _, err := running.Await(t.Context()); !errors.Is(err, context.Canceled) {
			t.Errorf("running task = %v; want context.Canceled", err)
		}
		for i, q := range queued {
			_, err, ok := q.Result()
			if !ok || !errors.Is(err, pool.ErrShutdown) || !errors.Is(err, context.Canceled) {
				t.Errorf("queued task %d = %v, done %v; want ErrShutdown and context.Canceled", i, err, ok)
			}
		}
		if goRan.Load() {
			t.Error("a queued Go job ran after Shutdown expired")
		}
		if m := checkInvariant(t, p); m.Cancelled != 5 || m.Failed != 1 {
			t.Errorf("Metrics = %+v; want 5 cancelled, 1 failed", m)
		}
	})
}

func TestShutdownInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 2)
		tk := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			return 9, task.Sleep(ctx, 10*time.Millisecond)
		})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v; want nil", err)
		}
		if v, err := tk.Await(t.Context()); v != 9 || err != nil {
			t.Errorf("task = %d, %v; want 9, nil", v, err)
		}
	})
}

// TestCancelledWhileQueuedDoesNotRun: a task whose context ends while it
// waits in the queue resolves at once, while every worker is still busy
// (pond#61, #138: futures that hang after cancel), never runs, and counts
// as cancelled once a worker passes it.
func TestCancelledWhileQueuedDoesNotRun(t *testing.T) {
	cases := []struct {
		name string
		// submit queues fn on p and returns the task and what cancels it.
		submit func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func())
	}{
		{"task cancelled", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
			tk := pool.Submit(ctx, p, fn)
			return tk, tk.Cancel
		}},
		{"submitter's ctx cancelled", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
			ctx, cancel := context.WithCancel(ctx)
			return pool.Submit(ctx, p, fn), cancel
		}},
		{"submitter's deadline", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			return pool.Submit(ctx, p, fn), func() { time.Sleep(2 * time.Second); cancel() /* past the deadline: does nothing */ }
		}},
		{"TrySubmit, task cancelled", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
			tk, err := pool.TrySubmit(ctx, p, fn)
			if err != nil {
				panic(err)
			}
			return tk, tk.Cancel
		}},
		{"submitting task cancelled", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
			inner := make(chan *task.Task[int])
			outer := task.Go(ctx, func(ctx context.Context) (int, error) {
				inner <- pool.Submit(ctx, p, fn)
				<-ctx.Done()
				return 0, nil
			})
			return <-inner, outer.Cancel
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGate()
				p := newPool(t, 1)
				p.Go(g.job)
				var ran atomic.Bool
				fn := func(context.Context) (int, error) { ran.Store(true); return 0, nil }
				tk, cancel := c.submit(t.Context(), p, fn)
				cancel()
				synctest.Wait() // a ctx of package context tells its children on a goroutine
				_, err, ok := tk.Result()
				if !ok {
					t.Fatal("cancelled task still pending while the worker is busy; want resolved at once")
				}
				if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, task.ErrNotStarted) {
					t.Errorf("task cancelled while queued = %v; want task.ErrNotStarted and the context's error", err)
				}
				// Race waits for the losers it cancels: a queued one must not hold it.
				fast := task.Go(t.Context(), func(context.Context) (int, error) { return 1, nil })
				queued := pool.Submit(t.Context(), p, fn)
				if v, err := task.Race(t.Context(), queued, fast); v != 1 || err != nil {
					t.Errorf("Race(queued, fast) = %d, %v; want 1, nil", v, err)
				}
				g.open()
				p.Close()
				if ran.Load() {
					t.Error("a task cancelled while queued ran")
				}
				if m := checkInvariant(t, p); m.Cancelled != 2 || m.Completed != 1 {
					t.Errorf("Metrics = %+v; want 2 cancelled, 1 completed", m)
				}
			})
		})
	}
}

func TestResize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1)
		for _, n := range []int{0, -2} {
			if err := p.Resize(n); !errors.Is(err, pool.ErrSize) {
				t.Errorf("Resize(%d) = %v; want ErrSize", n, err)
			}
		}
		// Grow: 4 tasks that each wait for all 4 to be running.
		if err := p.Resize(4); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(4)
		var tasks []*task.Task[int]
		for range 4 {
			tasks = append(tasks, pool.Submit(t.Context(), p, func(context.Context) (int, error) {
				wg.Done()
				wg.Wait()
				return 1, nil
			}))
		}
		synctest.Wait()
		if m := p.Metrics(); m.Running != 0 || m.Completed != 4 {
			t.Errorf("after Resize(4): %+v; want 4 tasks to have run together", m)
		}
		// Shrink: idle workers retire at once.
		if err := p.Resize(2); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := p.Size(); got != 2 {
			t.Errorf("Size() after Resize(2) = %d; want 2", got)
		}
		// Shrink while busy: the busy workers retire as they finish.
		g := newGate()
		p.Go(g.job)
		p.Go(g.job)
		synctest.Wait()
		if err := p.Resize(1); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := p.Size(); got != 2 {
			t.Errorf("Size() while both workers are busy = %d; want 2", got)
		}
		g.open()
		synctest.Wait()
		if got := p.Size(); got != 1 {
			t.Errorf("Size() after the busy worker finished = %d; want 1", got)
		}
		for _, tk := range tasks {
			tk.Await(t.Context())
		}
		p.Close()
		checkInvariant(t, p)
	})
}

func TestMetricsHistograms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, pool.SampleTimings(1))
		g := newGate()
		p.Go(g.job)
		for range 3 {
			p.Go(func() { time.Sleep(time.Millisecond) })
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if m := p.Metrics(); m.Queued != 3 || m.Running != 1 || m.Workers != 1 {
			t.Errorf("Metrics = %+v; want 3 queued, 1 running, 1 worker", m)
		}
		g.open()
		p.Close()
		m := checkInvariant(t, p)
		if got := m.RunTime.Count(); got != 4 {
			t.Errorf("RunTime.Count() = %d; want 4", got)
		}
		if got := m.RunTime.Quantile(0.5); got < time.Millisecond || got >= 2*time.Millisecond {
			t.Errorf("RunTime median = %v; want the bucket [1ms, 2ms)", got)
		}
		if got := m.QueueWait.Quantile(1); got < 10*time.Millisecond {
			t.Errorf("QueueWait max = %v; want at least 10ms", got)
		}
		if m.RunTime.Mean() <= 0 {
			t.Errorf("RunTime.Mean() = %v; want > 0", m.RunTime.Mean())
		}
	})
}

func TestHistogram(t *testing.T) {
	var h pool.Histogram
	if h.Count() != 0 || h.Mean() != 0 || h.Quantile(0.5) != 0 {
		t.Errorf("empty histogram: count %d, mean %v, median %v; want zeros", h.Count(), h.Mean(), h.Quantile(0.5))
	}
	h.Counts[1] = 1  // 1 ns
	h.Counts[11] = 8 // [1024, 2048) ns
	h.Counts[21] = 1 // about 1 ms
	h.Sum = 12000
	cases := []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.1, 1}, {0.5, 2047}, {0.9, 2047}, {0.91, 1<<21 - 1}, {1, 1<<21 - 1}}
	for _, c := range cases {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v; want %v", c.q, got, c.want)
		}
	}
	// 158 fast samples and 2 slow: the 159th of 160 (⌈0.99·160⌉) is slow.
	// Rounded to the nearest rank, p99 read the 158th, a fast one.
	var tail pool.Histogram
	tail.Counts[10], tail.Counts[30] = 158, 2
	if got, want := tail.Quantile(0.99), time.Duration(1<<30-1); got != want {
		t.Errorf("p99 of 158 fast and 2 slow samples = %v; want %v", got, want)
	}
	if got := h.Mean(); got != 1200 {
		t.Errorf("Mean() = %v; want 1.2µs", got)
	}
}

func TestPoolString(t *testing.T) {
	if got := newPool(t, 1, pool.Name("io")).String(); got != "io" {
		t.Errorf("String() = %q; want %q", got, "io")
	}
	if got := newPool(t, 1).String(); got != "pool" {
		t.Errorf("String() = %q; want %q", got, "pool")
	}
}

// TestCloseRacesSubmitters closes pools while submitters are busy: every
// Go that returned nil must have run, every task must resolve, and the
// counts must add up.
func TestCloseRacesSubmitters(t *testing.T) {
	for round := range 30 {
		p := newPool(t, 2, pool.QueueSize(round%4))
		var accepted, ran atomic.Int64
		var tasks [8][]*task.Task[int]
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 200 {
					switch i % 3 {
					case 0:
						if p.Go(func() { ran.Add(1) }) == nil {
							accepted.Add(1)
						}
					case 1:
						tasks[g] = append(tasks[g], pool.Submit(context.Background(), p, func(context.Context) (int, error) { return i, nil }))
					case 2:
						tk, _ := pool.TrySubmit(context.Background(), p, func(context.Context) (int, error) { return i, nil })
						tasks[g] = append(tasks[g], tk)
					}
				}
			})
		}
		for range round * 10 {
			runtime.Gosched()
		}
		p.Close()
		wg.Wait()
		if a, r := accepted.Load(), ran.Load(); a != r {
			t.Fatalf("round %d: %d Go jobs accepted, %d ran; want all accepted to run", round, a, r)
		}
		for g := range tasks {
			for i, tk := range tasks[g] {
				if _, _, ok := tk.Result(); !ok {
					t.Fatalf("round %d: task %d/%d unresolved after Close", round, g, i)
				}
			}
		}
		checkInvariant(t, p)
	}
}

// TestAwaitHoldsTheWorker shows the threads model: a task that waits keeps
// its worker, so with one worker the next task waits for it.
func TestAwaitHoldsTheWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1)
		first := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			return 1, task.Sleep(ctx, 10*time.Millisecond) // an await point
		})
		var startedAt time.Time
		second := pool.Submit(t.Context(), p, func(context.Context) (int, error) {
			startedAt = time.Now()
			return 2, nil
		})
		start := time.Now()
		time.Sleep(5 * time.Millisecond)
		synctest.Wait()
		if m := p.Metrics(); m.Running != 1 || m.Queued != 1 {
			t.Errorf("while the first task sleeps: %d running, %d queued; want 1 and 1", m.Running, m.Queued)
		}
		if _, err := task.All(t.Context(), first, second); err != nil {
			t.Fatal(err)
		}
		if got := startedAt.Sub(start); got != 10*time.Millisecond {
			t.Errorf("second task started after %v; want 10ms, when the first gave its worker back", got)
		}
	})
}

// TestNestedFanOutDoesNotDeadlock has every worker of a pool without a
// queue fan out into the same pool and wait for the results, recursively:
// without the caller-runs rule, all workers end up waiting for room that
// only they could make. (With a queue, this pattern can starve: a task may
// wait for a kid queued behind it while every worker waits too. That is
// the threads model; see the package documentation.)
func TestNestedFanOutDoesNotDeadlock(t *testing.T) {
	for _, c := range []struct{ workers, queue int }{{1, 0}, {2, 0}, {3, 0}, {4, 0}} {
		synctest.Test(t, func(t *testing.T) {
			p := newPool(t, c.workers, pool.QueueSize(c.queue))
			var sum func(ctx context.Context, depth int) (int, error)
			sum = func(ctx context.Context, depth int) (int, error) {
				if depth == 0 {
					return 1, nil
				}
				var kids []*task.Task[int]
				for range 3 {
					kids = append(kids, pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sum(ctx, depth-1) }))
				}
				vals, err := task.All(ctx, kids...)
				n := 0
				for _, v := range vals {
					n += v
				}
				return n, err
			}
			var outer []*task.Task[int]
			for range c.workers {
				outer = append(outer, pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) { return sum(ctx, 3) }))
			}
			vals, err := task.All(t.Context(), outer...)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if v != 27 {
					t.Errorf("%d workers, queue %d: fan-out sum = %d; want 27", c.workers, c.queue, v)
				}
			}
			p.Close()
			checkInvariant(t, p)
		})
	}
}

// TestZeroPool: a nil or zero Pool refuses work with ErrNilPool instead of
// hanging, and closing one does nothing.
func TestZeroPool(t *testing.T) {
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, c := range []struct {
		name string
		p    *pool.Pool
	}{{"nil", nil}, {"zero", new(pool.Pool)}} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { // a hang is a deadlock
				ctx := t.Context()
				if err := c.p.Go(func() {}); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("Go = %v; want ErrNilPool", err)
				}
				if err := c.p.TryGo(func() {}); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("TryGo = %v; want ErrNilPool", err)
				}
				if _, err := pool.Submit(ctx, c.p, fn).Await(ctx); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("Submit: task error = %v; want ErrNilPool", err)
				}
				if _, err := pool.TrySubmit(ctx, c.p, fn); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("TrySubmit = %v; want ErrNilPool", err)
				}
				if err := c.p.Resize(2); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("Resize = %v; want ErrNilPool", err)
				}
				if err := c.p.Shutdown(ctx); !errors.Is(err, pool.ErrNilPool) {
					t.Errorf("Shutdown = %v; want ErrNilPool", err)
				}
				c.p.Close()
				select {
				case <-c.p.Done():
				default:
					t.Error("Done() not closed; want closed")
				}
			})
		})
	}
}

func TestNewNilOption(t *testing.T) {
	p, err := pool.New(1, pool.QueueSize(1), nil)
	if err == nil || p != nil {
		t.Fatalf("New(1, QueueSize(1), nil) = %v, %v; want nil and an error", p, err)
	}
	if got, want := err.Error(), "pool: New: option must not be nil (got nil at index 1)"; got != want || !errors.Is(err, pool.ErrInvalid) {
		t.Errorf("error = %q; want %q, matching ErrInvalid", got, want)
	}
}

// TestShutdownResolvesQueuedWhileWorkersStuck: once Shutdown's context
// ends, queued tasks resolve with ErrShutdown at once, although the only
// worker is stuck in a job that ignores its context; Shutdown gives up on
// it after the grace period, and the pool's Done waits for it.
func TestShutdownResolvesQueuedWhileWorkersStuck(t *testing.T) {
	for _, queue := range []int{1, 4, pool.DefaultQueueSize} {
		t.Run(fmt.Sprintf("queue %d", queue), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGate()
				p := newPool(t, 1, pool.QueueSize(queue))
				p.Go(g.job)
				synctest.Wait() // the worker runs the stuck job; the queue is empty
				var ran atomic.Int32
				var tasks []*task.Task[int]
				for range queue {
					if len(tasks)%2 == 0 {
						tasks = append(tasks, pool.Submit(t.Context(), p, func(context.Context) (int, error) { ran.Add(1); return 0, nil }))
					} else if err := p.Go(func() { ran.Add(1) }); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				shut := make(chan error, 1)
				go func() { shut <- p.Shutdown(ctx) }()
				time.Sleep(2 * time.Second)
				synctest.Wait()
				for i, tk := range tasks {
					_, err, ok := tk.Result()
					if !ok {
						t.Fatalf("task %d still pending after Shutdown's deadline while the worker is stuck; want resolved", i)
					}
					if !errors.Is(err, pool.ErrShutdown) || !errors.Is(err, context.Canceled) || !errors.Is(err, task.ErrNotStarted) {
						t.Errorf("task %d error = %v; want ErrShutdown, task.ErrNotStarted and context.Canceled", i, err)
					}
				}
				var se *pool.ShutdownError
				select {
				case err := <-shut:
					if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || se.Running != 1 || se.Dropped != queue {
						t.Errorf("Shutdown = %v; want a *ShutdownError matching DeadlineExceeded, with 1 running and %d dropped", err, queue)
					}
				default:
					t.Fatal("Shutdown still waits for a stuck worker past its grace period")
				}
				select {
				case <-p.Done():
					t.Error("Done closed while the worker is stuck")
				default:
				}
				g.open()
				<-p.Done()
				if n := ran.Load(); n != 0 {
					t.Errorf("%d queued items ran after Shutdown's deadline; want 0", n)
				}
				if m := checkInvariant(t, p); m.Cancelled != uint64(queue) || m.Completed != 1 {
					t.Errorf("Metrics = %+v; want %d cancelled, 1 completed", m, queue)
				}
			})
		})
	}
}

// TestGoContext: GoContext waits for room only as long as its context
// lasts, counts a give-up as cancelled, and follows the caller-runs rule
// from one of the pool's tasks.
func TestGoContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := newPool(t, 1, pool.QueueSize(1))
		p.Go(g.job)
		synctest.Wait() // the worker holds the gate job; the queue is empty
		var ran atomic.Int32
		if err := p.GoContext(t.Context(), func() { ran.Add(1) }); err != nil {
			t.Fatalf("GoContext with room = %v; want nil", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := p.GoContext(ctx, func() { ran.Add(100) }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GoContext on a full queue = %v; want DeadlineExceeded once ctx ends", err)
		}
		g.open()
		synctest.Wait() // the queue has drained
		// From the pool's only worker, with its task's context, on a full
		// queue: runs inline instead of waiting for itself.
		g2 := newGate()
		nested := pool.Submit(t.Context(), p, func(ctx context.Context) (int, error) {
			if err := p.GoContext(ctx, g2.job); err != nil { // fills the queue
				return 0, err
			}
			return 0, p.GoContext(ctx, func() { ran.Add(10) })
		})
		if _, err := nested.Await(t.Context()); err != nil {
			t.Errorf("nested GoContext = %v; want nil", err)
		}
		g2.open()
		p.Close()
		if got := ran.Load(); got != 11 {
			t.Errorf("ran = %d; want 11 (the queued job and the nested one, not the refused one)", got)
		}
		if m := checkInvariant(t, p); m.Cancelled != 1 {
			t.Errorf("Metrics.Cancelled = %d; want 1", m.Cancelled)
		}
		if err := new(pool.Pool).GoContext(t.Context(), func() {}); !errors.Is(err, pool.ErrNilPool) {
			t.Errorf("GoContext on a zero Pool = %v; want ErrNilPool", err)
		}
	})
}
