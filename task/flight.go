package task

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrFlightCycle is the error of a [Flight.Do] that would wait for its
// own call: made, with fn's context or one its end cancels, for the key
// of the call fn runs for, or of a call started with such a context.
var ErrFlightCycle = errors.New("task: Flight.Do: the call would wait for itself (a Do with fn's context for fn's own call)")

// Flight runs a function once for all the callers of the same key whose
// calls overlap, and gives its result to each of them: golang.org/x/sync's
// singleflight, with spool's cancellation and panics. The zero Flight is
// ready to use; a Flight must not be copied after its first use.
//
// Each caller of [Flight.Do] waits with its own context, and the function
// runs under a context of the call's own, so that one impatient caller
// does not fail the others: the call ends its function's context only
// when every caller waiting for it has left. Use it to share an expensive
// load (a cache fill, a fetch) among the requests that want it at the
// same time.
type Flight[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*flightCall[K, V] // calls in flight, by key (mu)
}

// flightCall is one run of a function for a key, and its waiters.
type flightCall[K comparable, V any] struct {
	// t is the run: its context (fn's), Done channel, result and panic
	// watch. It is never handed out as a *Task: nobody can cancel or
	// await it but through the call.
	t   Task[V]
	f   *Flight[K, V]
	key K
	fn  func(context.Context) (V, error)

	parent flightParent // the parent of fn's context

	waiters int  // callers waiting for the result (f.mu)
	shared  bool // more than one caller waited when fn returned (f.mu; read after Done)
}

// Do runs fn for key and returns its result, unless a call for key is in
// flight already: Do then waits for that call and returns its result.
// shared reports whether more than one caller was waiting for the call
// when fn returned, as singleflight's does; one of them whose ctx ended
// just then may have left without the result.
//
// fn runs on a goroutine of the call's own, which ends when fn returns.
// Its context carries the values of the first caller's ctx
// (context.WithoutCancel), but neither its deadline nor its cancellation:
// it is cancelled (its Err is context.Canceled) only when every caller
// waiting for the call has left, and when fn returns. The key is then forgotten at once: a caller
// that comes for it later starts a new call, even while the abandoned fn
// has not returned yet, so two runs for one key may overlap then.
//
// Each caller waits with its own ctx: if ctx ends first, Do returns at
// once an error that wraps ctx's error (and its cause), as [Task.Await]
// does, and the other callers go on waiting. A ctx that has ended before
// Do is called gives that error without joining or starting a call.
// Waiting is an await point: on a runtime (package rt) the caller gives
// its slot back while it waits, if ctx is its task's context or derived
// from it.
//
// A panic in fn becomes a *PanicError returned to every caller waiting,
// and runtime.Goexit in fn gives them [ErrGoexit]; no caller's goroutine
// panics. A panic that no caller reads (all of them had left) is reported
// as a dropped task's is (see [OnUnobservedPanic]). A nil fn fails with
// [ErrNilFunc] without joining a call; Do panics if ctx is nil.
//
// A Do with fn's context, or one derived from it that fn's end cancels,
// that would join this call (for the same key) or a call started with
// such a context, would wait for itself: fn waits for it, and it for fn.
// It fails at once with [ErrFlightCycle] instead. A goroutine that fn
// starts and does not wait for may join with a context detached from
// fn's cancellation (context.WithoutCancel): it then counts as a caller
// as any other. A cycle through calls started by other callers (A's fn
// waits for B, started by someone else, whose fn waits for A) waits as
// long as those callers do, as a cycle of locks would. A key whose
// dynamic type cannot be compared (a slice in a Flight[any, V]) panics,
// as a map index does.
//
// Cost, on the project's 2-core machine (an Intel Xeon VM, busy when
// measured: figures are medians of 6 runs, compared within one run): an
// uncontended Do of a trivial fn (nobody else joins) costs 3 allocations
// (266 B for a string key and an int value: the call with its task, the
// goroutine, and the context.WithoutCancel of ctx) and about 1.2 µs, 1.5x
// task.Go+Await's 0.82 µs in the same run (BenchmarkFlight,
// BenchmarkGo). x/sync's singleflight costs 1 allocation (80 B) and
// about a fifth of the time (233 ns against 1.17 µs, bench/flight), as it
// runs fn on the first caller's goroutine, which then cannot leave. A
// caller that joins a call in flight costs no allocation; a call shared
// by 8 callers, each on a goroutine started for it, took 12.7 µs against
// x/sync's 9.6 µs (1.3x), the goroutine starts included.
func (f *Flight[K, V]) Do(ctx context.Context, key K, fn func(context.Context) (V, error)) (v V, err error, shared bool) {
	if ctx == nil {
		panic("task: Flight.Do: nil context")
	}
	if fn == nil {
		return v, ErrNilFunc, false
	}
	if ctx.Err() != nil {
		return v, ctxError("Flight.Do", ctx), false
	}
	c, started := f.join(ctx, key, fn)
	if c == nil {
		return v, ErrFlightCycle, false
	}
	if started {
		go c.run()
	}
	return c.wait(ctx, started)
}

// Forget forgets key's call in flight, if there is one: a later Do for
// key starts a new call, as singleflight's Forget does. The callers
// already waiting for the forgotten call still get its result, and its
// fn still runs until they have all left.
func (f *Flight[K, V]) Forget(key K) {
	f.mu.Lock()
	defer f.mu.Unlock() // a key of a type that cannot be compared panics
	delete(f.calls, key)
}

// flightParent is the parent of a call's context (fn's): the first
// caller's ctx without its cancellation, which also answers flightKey with
// itself, so that a Do can tell that its ctx is under a call's.
type flightParent struct {
	context.Context // context.WithoutCancel of the first caller's ctx
}

// flightKey asks a context for the nearest call it is under.
type flightKey struct{}

func (p *flightParent) Value(key any) any {
	if key == (flightKey{}) {
		return p
	}
	return p.Context.Value(key)
}

// under reports whether ctx is c's fn's context or derived from it, even
// through other calls (A's fn calls Do for B with its ctx).
func (c *flightCall[K, V]) under(ctx context.Context) bool {
	for v := ctx.Value(flightKey{}); v != nil; {
		p := v.(*flightParent)
		if p == &c.parent {
			return true
		}
		v = p.Context.Value(flightKey{})
	}
	return false
}

// join adds the caller to key's call in flight, or makes one (started):
// the caller must then start its goroutine. It returns a nil c for a
// caller that would wait for itself (see ErrFlightCycle).
func (f *Flight[K, V]) join(ctx context.Context, key K, fn func(context.Context) (V, error)) (c *flightCall[K, V], started bool) {
	f.mu.Lock()
	defer f.mu.Unlock() // a key of a type that cannot be compared panics
	if c = f.calls[key]; c != nil {
		if ctx.Done() != nil && c.under(ctx) {
			return nil, false
		}
		c.waiters++
		return c, false
	}
	if f.calls == nil {
		f.calls = make(map[K]*flightCall[K, V])
	}
	c = &flightCall[K, V]{f: f, key: key, fn: fn, waiters: 1}
	c.parent.Context = context.WithoutCancel(ctx)
	c.t.ctx.init(&c.parent, nil)
	c.t.ctx.state = stateRunning // not shared yet
	f.calls[key] = c
	return c, true
}

// wait waits for the call's result or for ctx's end, whichever comes
// first; first says the caller started the call.
func (c *flightCall[K, V]) wait(ctx context.Context, first bool) (V, error, bool) {
	t := &c.t
	if !t.finished() && first {
		// fn's goroutine has just been started and most often waits for
		// this processor: yield once, so that a short fn ends before we
		// park, which saves the park and the wake-up (as Task.Await does).
		runtime.Gosched()
	}
	if !t.finished() {
		p := Park(ctx)
		select {
		case <-t.ctx.finChan():
		case <-ctx.Done():
			c.leave() // before the slot comes back, which may take a while
			p.Resume()
			var zero V
			return zero, ctxError("Flight.Do", ctx), false
		}
		p.Resume()
	}
	t.ctx.observe()
	return t.val, t.ctx.res, c.shared
}

// leave counts a caller out of the call. The last one to leave forgets
// the call and cancels fn's context (nothing, if fn has returned).
func (c *flightCall[K, V]) leave() {
	f := c.f
	f.mu.Lock()
	c.waiters--
	last := c.waiters == 0
	if last && f.calls[c.key] == c {
		delete(f.calls, c.key)
	}
	f.mu.Unlock()
	if last {
		c.t.ctx.cancel(context.Canceled, errCancelled) // as Task.Cancel does
	}
}

// run runs fn on the call's goroutine, as Task.run does a task's function,
// but forgets the call before it publishes the result: a Do that comes
// after the result is out starts a new call.
func (c *flightCall[K, V]) run() {
	t := &c.t
	var (
		v      V
		err    error
		normal bool
	)
	defer func() {
		end := stateDone
		if !normal {
			end, err = stateBroke, t.brokeErr(recover())
		}
		f := c.f
		f.mu.Lock()
		if f.calls[c.key] == c {
			delete(f.calls, c.key)
		}
		c.shared = c.waiters > 1
		f.mu.Unlock()
		c.fn = nil
		atomic.StoreUint32(&t.ctx.state, end)
		t.finish(v, err)
	}()
	v, err = c.fn(&t.ctx)
	normal = true
}
