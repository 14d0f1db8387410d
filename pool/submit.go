package pool

import (
	"context"
	"fmt"
	"time"

	"github.com/spool-go/spool/task"
)

// Submit queues fn to run on one of p's workers and returns its task. fn
// receives a child of ctx that the task owns. If ctx ends, or the task is
// cancelled, before a worker takes it, the task resolves at once with an
// error matching task.ErrNotStarted and the context's error, without
// waiting for a worker to come free (so Await, and a task.Race that
// cancels it, return at once), and fn never runs; it counts as cancelled
// once a worker passes it in the queue.
//
// If the queue is full, Submit waits for room (an await point: on a
// runtime, the caller's slot is given back meanwhile). If ctx ends first,
// the task fails with a wrapped ctx error; if the pool closes first, with
// ErrClosed. A nil fn gives a task failed with task.ErrNilFunc, and a nil
// or zero p one failed with ErrNilPool.
//
// Nested submission: if ctx belongs to one of p's tasks (or descends from
// it) and the queue is full, fn runs at once on the caller's goroutine
// instead of waiting (the caller-runs rule), so a pool whose every worker
// submits to itself cannot deadlock on its queue (ants#197). A worker that
// submits with another context is recognised after waiting 50-100 ms. A task
// that Awaits a task queued behind it on the same pool can still starve
// it: a pool's workers are not given back at await points (that is the
// threads model; see the package documentation).
//
// Submit and Await of a trivial fn, a round trip through a worker, cost
// about 480 ns and 1 allocation (the task, 162 B) on a 2-core machine
// (BenchmarkSubmitAwait); nothing else is allocated per task. Submitting
// 100 tasks and then awaiting them costs about 240 ns a task
// (BenchmarkSubmitBatch).
func Submit[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) *task.Task[T] {
	if p.zero() {
		return task.Failed[T](ErrNilPool)
	}
	t, job := task.Prepare(ctx, fn, task.WithSlot(p.slot), task.Queued())
	if job == nil { // fn was nil: t has failed with task.ErrNilFunc
		p.refuseNil()
		return t
	}
	it := item{job: job}
	inline, err := p.send(ctx, &it, true)
	switch {
	case err != nil:
		job.Abort(err)
	case inline:
		p.runInline(&it)
	}
	return t
}

// TrySubmit queues fn if the queue has room (with QueueSize(0): if a
// worker is idle, or the pool is below its limit) and never waits.
// Otherwise it returns a task that has failed with ErrFull or ErrClosed,
// and that error. As with Submit, a nil fn gives task.ErrNilFunc, a nil or
// zero p ErrNilPool, and fn receives a child of ctx.
func TrySubmit[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) (*task.Task[T], error) {
	if p.zero() {
		return task.Failed[T](ErrNilPool), ErrNilPool
	}
	t, job := task.Prepare(ctx, fn, task.WithSlot(p.slot), task.Queued())
	if job == nil {
		p.refuseNil()
		return t, task.ErrNilFunc
	}
	it := item{job: job}
	if _, err := p.send(ctx, &it, false); err != nil {
		job.Abort(err)
		return t, err
	}
	return t, nil
}

// Go queues fn to run on one of p's workers, without a task: the chapter's
// execute. It waits while the queue is full, like Submit, but without a
// context: only Close ends the wait (with ErrClosed); GoContext bounds it
// with one. A nested call from one of p's workers follows Submit's
// caller-runs rule. Go returns task.ErrNilFunc for a nil fn, and ErrNilPool
// for a nil or zero p.
//
// A panic in fn, or a call to runtime.Goexit, is never swallowed: it is
// counted in Metrics.Panicked and handed to the OnPanic handler, which by
// default logs it with its stack. The worker survives a panic; one ended
// by Goexit is replaced.
//
// Go costs about 49 ns and no allocation a job on a 2-core machine,
// against 36 ns for a hand-written channel of funcs drained by as many
// goroutines (BenchmarkGo against BenchmarkChannelFloor): the difference
// pays for counting the job, the panic recovery and the check that keeps
// Close from losing it.
func (p *Pool) Go(fn func()) error { return p.goWith(context.Background(), fn) }

// GoContext is Go with a context for its wait: if the queue is full, it
// waits for room (an await point) until ctx ends, and then returns an
// error wrapping ctx's error, and fn never runs; or until the pool closes
// (ErrClosed). ctx only bounds the wait: a job once queued runs whatever
// becomes of ctx, and fn receives no context (use Submit for work that
// should see one). A nested call from one of p's tasks, made with that
// task's context, follows Submit's caller-runs rule.
func (p *Pool) GoContext(ctx context.Context, fn func()) error {
	if ctx == nil {
		panic("pool: GoContext: nil context")
	}
	return p.goWith(ctx, fn)
}

func (p *Pool) goWith(ctx context.Context, fn func()) error {
	if p.zero() {
		return ErrNilPool
	}
	if fn == nil {
		p.refuseNil()
		return task.ErrNilFunc
	}
	it := item{job: goJob(fn)}
	inline, err := p.send(ctx, &it, true)
	if inline {
		p.runInline(&it)
	}
	return err
}

// TryGo is Go that never waits: it returns ErrFull if the queue has no
// room (with QueueSize(0): if no worker is idle and the pool is at its
// limit) and ErrClosed after Close.
// As with Go, a nil fn gives task.ErrNilFunc, and a nil or zero p
// ErrNilPool.
func (p *Pool) TryGo(fn func()) error {
	if p.zero() {
		return ErrNilPool
	}
	if fn == nil {
		p.refuseNil()
		return task.ErrNilFunc
	}
	it := item{job: goJob(fn)}
	_, err := p.send(context.Background(), &it, false)
	return err
}

// send queues it, counting it as submitted and, if it is refused, as
// rejected or cancelled. If block is set and the queue is full, it waits
// for room, unless the caller is running on p (see Submit): then it
// reports inline, and the caller must run it at once with runInline.
func (p *Pool) send(ctx context.Context, it *item, block bool) (inline bool, err error) {
	n, open := p.enter()
	if !open {
		return false, ErrClosed
	}
	if uint64(n)&p.cfg.sampling == 0 {
		it.job = timed(it.job, p.now())
		defer func() { // the item was not queued: take the wrapper off
			if err != nil || inline {
				it.job, _ = untimed(it.job)
			}
		}()
	}
	select {
	case p.q <- *it:
		if p.mayGrow() {
			p.grow()
		}
		p.settle()
		return false, nil
	default:
	}
	if p.offload(it) {
		p.settle()
		return false, nil
	}
	if !block {
		p.rejected.Add(1)
		p.settle()
		return false, ErrFull
	}
	// Full. A task of p submitting with its own context is running on p:
	// waiting could deadlock it, so it runs the item itself.
	if task.ContextSlot(ctx) == task.Slot(p.slot) {
		p.settle() // runInline settles again once it has counted the item
		return true, nil
	}
	// Anyone else waits; but one of p's workers submitting without its
	// task's context (from a Go job, say) would deadlock the same way, so
	// a submitter that waits longer than stallAfter pays, once, to find out
	// whether it is a worker (about 6 µs: see self).
	// Counted as waiting before it looks at the limit again, so that a
	// Resize that raises it either sees this submitter or is seen here.
	p.waiting.Add(1)
	defer p.waiting.Add(-1)
	if p.offload(it) {
		p.settle()
		return false, nil
	}
	pk := task.Park(ctx)
	since := p.now()
	stalled := p.stallTimer()
wait:
	for {
		select {
		case p.q <- *it:
			if p.mayGrow() {
				p.grow()
			}
			break wait
		case <-ctx.Done():
			p.cancelled.Add(1)
			err = fmt.Errorf("pool: submit: %w", context.Cause(ctx))
			break wait
		case <-p.closing:
			p.rejected.Add(1)
			err = ErrClosed
			break wait
		case <-stalled:
			if p.now()-since < int64(stallAfter) {
				// Another submitter armed that timer before this one came:
				// wait for a later one.
				stalled = p.stallTimer()
				continue
			}
			stalled = nil
			if p.self() != nil {
				inline = true
				break wait
			}
		}
	}
	pk.Resume()
	p.settle()
	return inline, err
}

// offload finds it a worker when the queue has no room for it. Without a
// queue it hands it to a spare, or to a new worker below the limit, and
// reports whether it did; with a queue it lets grow send a worker to
// drain the queue, and reports false.
func (p *Pool) offload(it *item) bool {
	if cap(p.q) == 0 {
		return p.spareN.Load() > 0 && p.sendSpare(*it) || p.startWith(it)
	}
	if p.mayGrow() {
		p.grow()
	}
	return false
}

// stallAfter is how long a submitter waits for room before it checks
// whether it is one of the pool's own workers.
const stallAfter = 50 * time.Millisecond

// stallTimer returns a channel that is closed within stallAfter. One timer
// serves every waiting submitter: it is armed by the first to wait after
// the last one fired, so waiting allocates nothing most of the time. A
// submitter that finds it fired before it had waited stallAfter itself
// takes the next one, so it looks at its stack after waiting between
// stallAfter and twice that: in a busy pool whose submitters often wait a
// little, the timer always fires during someone's wait, and that look
// cost a few µs and up to 128 KiB of memory every 50 ms.
func (p *Pool) stallTimer() <-chan struct{} {
	p.stallMu.Lock()
	defer p.stallMu.Unlock()
	if p.stall == nil {
		ch := make(chan struct{})
		p.stall = ch
		p.stallT = time.AfterFunc(stallAfter, func() {
			p.stallMu.Lock()
			close(ch)
			p.stall = nil
			p.stallMu.Unlock()
		})
	}
	return p.stall
}

// refuseNil counts a submission of a nil func.
func (p *Pool) refuseNil() {
	if _, early := p.enter(); early {
		p.rejected.Add(1)
		p.settle()
	}
}
