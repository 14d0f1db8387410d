package rt

import (
	"context"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/spool-go/spool/task"
)

// States of a blocking task in the pool's queue.
const (
	qNone      int32 = iota // never queued
	qQueued                 // waiting in the queue
	qTaken                  // taken off the queue by a worker
	qCancelled              // its context ended while it was queued

	// qResuming is an async task's state while it waits for a slot to
	// go on after an await point (see Runtime.acquire); it is qNone
	// otherwise.
	qResuming
)

// blockingPool runs blocking tasks on goroutines outside the worker slots:
// up to max of them, started on demand, parked when idle and gone after
// keepAlive without work. Work beyond max waits in a FIFO queue. Its state
// is guarded by the runtime's mu.
type blockingPool struct {
	r       *Runtime
	live    int        // goroutines
	busy    int        // goroutines given a task that has not left the registry (exit)
	idle    []*bworker // idle goroutines, most recently idle last
	queue   []*entry   // FIFO; cancelled entries are skipped when popped
	qhead   int
	queued  int // entries in the queue that are still qQueued
	closing bool
	stop    chan struct{} // closed by Shutdown: idle goroutines exit
}

// bworker is an idle goroutine's mailbox.
type bworker struct {
	ch chan *entry // 1-buffered: a hand-off never blocks the giver
}

func (p *blockingPool) init(r *Runtime) {
	p.r = r
	p.stop = make(chan struct{})
}

// SpawnBlocking runs fn on the runtime's blocking pool and returns its
// task: tokio's spawn_blocking, for CPU-heavy work and calls that block
// (file I/O, cgo, a library without context support). fn does not take a
// worker slot, so it neither waits for one nor starves the async tasks. At
// most MaxBlocking such functions run at once; more wait in a FIFO queue.
// So a blocking function that waits for another blocking task can wait
// forever: once MaxBlocking of them wait so, the tasks they wait for sit
// in the queue behind them (as in tokio, whose spawn_blocking threads are
// bounded too; package pool's waiters run such a task themselves, the
// blocking pool's do not). Await blocking work from async tasks, or give
// the pool room for the nesting.
// A task whose context ends before fn starts resolves with an error
// matching task.ErrNotStarted and the context's error, as a pool's queued
// task does, and fn never runs; it counts as Cancelled in
// [Runtime.Metrics]. While it waits in the
// queue, it resolves at once, without waiting for a goroutine of the pool
// to come free, as pool.Submit's queued tasks do: before its Cancel
// returns (or the Cancel of a task whose context ctx descends from, or
// Shutdown's); before SpawnBlocking returns if ctx has ended already;
// and for a ctx from package context (a cancel, a deadline) as soon as
// package context tells the task, which it does on a goroutine of its
// own. It leaves the queue, the registry and [Runtime.Metrics]' counts
// in the same step. Taken off the queue (or handed to an idle goroutine)
// but not started yet, it resolves once that goroutine gets to it.
//
// Go cannot abort fn once it runs: cancelling the task (or Shutdown)
// cancels its context, which fn should watch if it can.
//
// SpawnBlocking and an Await of a trivial fn cost about 536 ns and 1
// allocation (258 B: the task and its registry entry, together) on a warm
// pool (BenchmarkSpawnBlocking, best batches; 770 ns on average): a
// hand-off to an idle goroutine. A named task costs 5 allocations more
// (its own pprof label set and the record of its name). The refusals are
// those of [Spawn].
func SpawnBlocking[T any](r *Runtime, ctx context.Context, fn func(context.Context) (T, error), opts ...TaskOption) *task.Task[T] {
	if ctx == nil {
		panic("rt: SpawnBlocking: nil context")
	}
	if r.zero() {
		return task.Failed[T](ErrNilRuntime)
	}
	if r.closed.Load() && !r.insider(ctx) {
		return task.Failed[T](ErrClosed)
	}
	x, ctx := prepare(ctx, opts, true)
	t, e, j := task.PrepareWith[T, entry](ctx, orNil(fn), nil)
	e.r, e.blocking = r, true
	if x != nil {
		e.lab = r.ownLabels(x, true)
	}
	if fn == nil {
		j.Abort(errNilSpawnBlocking)
		e.endTrace()
		return t
	}
	e.job, e.pc = j, funcPC(fn)
	if !r.register(e, ctx) {
		j.Abort(ErrClosed)
		e.endTrace()
		return t
	}
	r.bp.submit(e)
	return t
}

// submit hands e to an idle goroutine, starts a new one, or queues e.
func (p *blockingPool) submit(e *entry) {
	r := p.r
	r.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.busy++
		r.mu.Unlock()
		w.ch <- e
		return
	}
	if p.live < r.cfg.maxBlocking {
		p.live++
		p.busy++
		r.mu.Unlock()
		go p.work(e)
		return
	}
	e.qstate.Store(qQueued)
	p.queue = append(p.queue, e)
	p.queued++
	r.mu.Unlock()
	// Resolve the task as soon as its context ends while it waits: the
	// callback and a worker race for the entry with a CAS on qstate. It
	// stays registered once a worker has taken the entry: the task's
	// context ends when the task does, and the callback then finds the
	// entry taken.
	//
	// The task's context (package task's) runs the callbacks registered
	// with its AfterFunc method on the goroutine that cancels it, before
	// the cancel returns, so that a Cancel of the task, or of a task it
	// descends from, resolves it at once. context.AfterFunc would run the
	// callback on a goroutine of its own, a moment after Cancel returned.
	// A parent from package context tells the task's context on a
	// goroutine of its own in any case (package context runs no foreign
	// callback on the cancelling goroutine).
	ctx := e.job.Context()
	if ctx.Err() != nil {
		// Ended already: resolve it here. Registered first, the callback
		// ran on a goroutine of its own (a task's context that has ended
		// does so), won the entry, and SpawnBlocking returned before the
		// task had resolved (9 in 400,000 calls, in an audit).
		p.cancelQueued(e)
		return
	}
	if c, ok := ctx.(afterFuncer); ok {
		c.AfterFunc(func() { p.cancelQueued(e) })
	} else {
		context.AfterFunc(ctx, func() { p.cancelQueued(e) })
	}
	// It may have ended since: a task's context that has ended runs a
	// callback registered now on a goroutine of its own, and Err latches a
	// parent's end that has not reached the task's context yet (running
	// the callback). Whichever of the two takes the entry resolves it.
	if ctx.Err() != nil {
		p.cancelQueued(e)
	}
}

// afterFuncer is a context that runs callbacks when it ends, as package
// task's does: see submit.
type afterFuncer interface {
	AfterFunc(func()) (stop func() bool)
}

// cancelQueued resolves e, queued, once its context has ended, unless a
// goroutine of the pool took it first. It runs on the goroutine that
// ended the context: it must not be called with r.mu held, and nothing in
// the runtime ends a task's context with r.mu held (see cancelAll).
func (p *blockingPool) cancelQueued(e *entry) {
	if !e.qstate.CompareAndSwap(qQueued, qCancelled) {
		return
	}
	p.r.mu.Lock()
	p.queued--
	p.compactLocked()
	p.r.mu.Unlock()
	err := notStartedError("blocking pool", e.job.Context())
	e.job.Abort(err)
	p.r.exit(e, err, false)
	e.endTrace()
}

// popLocked takes the oldest live entry off the queue, for the calling
// goroutine to run, or returns nil.
func (p *blockingPool) popLocked() *entry {
	for p.qhead < len(p.queue) {
		e := p.queue[p.qhead]
		p.queue[p.qhead] = nil
		p.qhead++
		if p.qhead == len(p.queue) {
			p.queue, p.qhead = p.queue[:0], 0
		}
		if e.qstate.CompareAndSwap(qQueued, qTaken) {
			p.queued--
			p.busy++ // the caller's goroutine runs it
			p.compactLocked()
			return e
		}
	}
	return nil
}

// compactLocked drops the entries taken or cancelled (nil or no longer
// qQueued) from the queue once they are as many as the live ones, and at
// least minDead: the queue is reset only when it empties, so without this
// a pool that stays saturated, or queued tasks cancelled behind a stuck
// one, would keep every entry it ever queued. The copy is amortized over
// the pops and cancels that made the dead entries.
func (p *blockingPool) compactLocked() {
	const minDead = 32
	if dead := len(p.queue) - p.queued; dead < minDead || dead < p.queued {
		return
	}
	n := 0
	for _, e := range p.queue[p.qhead:] {
		if e.qstate.Load() == qQueued {
			p.queue[n] = e
			n++
		}
	}
	clear(p.queue[n:])
	p.queue, p.qhead = p.queue[:n], 0
}

// closeLocked makes idle goroutines exit and busy ones exit once the
// queue is empty.
func (p *blockingPool) closeLocked() {
	if !p.closing {
		p.closing = true
		close(p.stop)
	}
}

// work is a blocking-pool goroutine: it runs e, then queued work, then
// idles for up to keepAlive.
func (p *blockingPool) work(e *entry) {
	r := p.r
	normal := false
	defer func() {
		if !normal { // fn called runtime.Goexit: this goroutine is ending
			r.mu.Lock()
			p.live--
			next := p.popLocked()
			if next != nil {
				p.live++
			}
			r.checkDrainedLocked()
			r.mu.Unlock()
			if next != nil {
				go p.work(next)
			}
		}
	}()
	var (
		w  *bworker
		tm *time.Timer
	)
	for e != nil {
		p.run(e)
		e = nil
		r.mu.Lock()
		if e = p.popLocked(); e != nil {
			r.mu.Unlock()
			continue
		}
		if p.closing {
			break // with r.mu held
		}
		if w == nil {
			w = &bworker{ch: make(chan *entry, 1)}
			tm = time.NewTimer(r.cfg.keepAlive)
		} else {
			tm.Reset(r.cfg.keepAlive)
		}
		p.idle = append(p.idle, w)
		r.mu.Unlock()
		select {
		case e = <-w.ch:
			continue
		case <-tm.C:
		case <-p.stop:
		}
		r.mu.Lock()
		if !p.removeIdleLocked(w) {
			// A submitter took w off the idle list and is handing it work.
			r.mu.Unlock()
			e = <-w.ch
			continue
		}
		break // with r.mu held
	}
	// r.mu is held.
	p.live--
	r.checkDrainedLocked()
	r.mu.Unlock()
	if tm != nil {
		tm.Stop()
	}
	normal = true
}

func (p *blockingPool) removeIdleLocked(w *bworker) bool {
	for i, x := range p.idle {
		if x == w {
			copy(p.idle[i:], p.idle[i+1:])
			p.idle[len(p.idle)-1] = nil
			p.idle = p.idle[:len(p.idle)-1]
			return true
		}
	}
	return false
}

// run runs one blocking task on the calling goroutine.
func (p *blockingPool) run(e *entry) {
	r := p.r
	pprof.SetGoroutineLabels(e.labelCtx())
	var region *trace.Region
	x := e.extra()
	if x != nil && x.tt != nil {
		region = trace.StartRegion(x.tctx, "spool.blocking")
	}
	ran := false
	defer func() {
		// Runs on Goexit too; a panic is recovered inside Run.
		if region != nil {
			region.End()
			x.tt.End()
		}
		pprof.SetGoroutineLabels(r.base)
		r.exit(e, e.job.Err(), ran) // Run resolved the task, on Goexit too
	}()
	// A task whose context ended after a goroutine took it off the queue
	// (before the callback's CAS), or on its way to an idle goroutine or
	// a new one, has not started either: it must not run.
	if ctx := e.job.Context(); ctx.Err() != nil {
		e.job.Abort(notStartedError("blocking pool", ctx))
		return
	}
	ran = true
	e.job.Run()
}
