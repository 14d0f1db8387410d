package pool

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/frames"
	"github.com/spool-go/spool/task"
)

// Submit queues fn to run on one of p's workers and returns its task. fn
// receives a child of ctx that the task owns. If ctx ends, or the task is
// cancelled, before a worker takes it, the task resolves at once with an
// error matching task.ErrNotStarted and the context's error, without
// waiting for a worker to come free (so Await, and a task.Race that
// cancels it, return at once), and fn never runs; it counts as cancelled
// once a worker passes it in the queue. A ctx done already when Submit is
// called comes first, whatever the pool's state (full, closed): the task
// is not queued, and counts as cancelled at once. (One exception, on an
// open pool: a task's context hears of the end of a package context above
// it through context.AfterFunc, a moment later, so a Submit with such a
// context in that moment queues the task, which then resolves as
// cancelled when it hears, or runs fn with its context ending.)
//
// If the queue is full, Submit hands the task to a parked spare worker,
// or to a new worker while the pool is below its limit (at most GOMAXPROCS
// of them not yet running at once; see the package documentation), and
// otherwise waits for room (an await point: on a runtime, the caller's
// slot is given back meanwhile), unless [MaxWaiting] submitters wait
// already: then the task fails at once with ErrFull. If ctx ends first,
// the task fails with an error matching task.ErrNotStarted and ctx's
// error; if the pool closes
// first, with ErrClosed (but a running task's Submit with its own context
// then runs fn on its worker: see [Pool.Close]). A nil fn gives a task failed with
// an error matching [ErrInvalid] and task.ErrNilFunc, and a nil or zero p
// one failed with ErrNilPool. A
// nil ctx panics ("pool: Submit: nil context"), whatever p is.
//
// Nested submission: if the caller is one of p's own workers (a task or a
// Go job of p submitting to p) and the queue is full at the limit, fn runs
// at once on the caller's goroutine instead of waiting (the caller-runs
// rule), so a pool whose every worker submits to itself cannot deadlock on
// its queue (ants#197). The caller is recognised by its stack (about
// 0.7 µs when ctx is the context of one of p's tasks, else 3-6 µs and
// 4 KiB; BenchmarkSelf): at once when ctx belongs to one of p's tasks, or
// once the pool has seen a worker submit to itself; otherwise after
// waiting 50-100 ms, once. Any other goroutine waits for room like an
// outside submitter, even one started by a task of p with that task's
// context: so fn never runs beyond the limit, nor off a LockOSThread
// worker's thread. The price is the
// threads model's starvation: a task that waits for goroutines of its own
// that wait for room on its own full pool can wait forever (a pool's
// workers are not given back at await points). A task that Awaits a task
// of its own pool queued behind it does not: when no other worker would
// start it soon (the pool is at its limit and the wait has no deadline,
// or every worker waits), it runs that task itself (see the package
// documentation).
//
// Submit and Await of a trivial fn, a round trip through a worker, cost
// about 480 ns and 1 allocation (the task, 162 B) on a 2-core machine with
// a context that cannot end, such as context.Background() or a pool
// task's own (BenchmarkSubmitAwait); nothing else is allocated per task.
// Under a context that can be cancelled (context.WithCancel, WithTimeout)
// they cost about 840-860 ns and 5 allocations (402 B): the task registers
// with it through context.AfterFunc (2 allocations) and grows the parts of
// its context that hold the registration (2 more), so that it resolves at
// once if ctx ends while it is queued (BenchmarkSubmitAwaitCancelCtx).
// Submitting 100 tasks and then awaiting them costs about 240 ns a task
// (BenchmarkSubmitBatch).
func Submit[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) *task.Task[T] {
	if ctx == nil {
		panic("pool: Submit: nil context")
	}
	if p.zero() {
		return task.Failed[T](ErrNilPool)
	}
	if fn == nil {
		p.refuseNil()
		return task.Failed[T](errNilSubmit)
	}
	t, job := task.Prepare(ctx, fn, task.WithSlot(p.slot), task.Queued())
	if task.Ended(job) { // ctx was done: t has failed with task.ErrNotStarted
		p.cancelEnded()
		return t
	}
	it := item{job: job}
	inline, err := p.send(ctx, &it, true)
	switch {
	case err != nil:
		job.Abort(err)
	case inline:
		p.runInline(&it, false)
	}
	return t
}

// TrySubmit queues fn if the queue has room, or else hands it to an idle
// worker or to a new one while the pool is below its limit, and never
// waits. Otherwise (the queue is full, no worker is idle and the pool is
// at its limit) it returns a task that has failed with ErrFull, or after
// Close with ErrClosed, and that error. A ctx done already comes first,
// whatever the pool's state: the task has failed with an error matching
// task.ErrNotStarted and ctx's error, returned too, and counts as
// cancelled, as with Submit. As with Submit, a nil fn gives an error
// matching ErrInvalid and task.ErrNilFunc, a nil or zero p ErrNilPool, a nil ctx a panic ("pool:
// TrySubmit: nil context"), and fn receives a child of ctx.
func TrySubmit[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) (*task.Task[T], error) {
	if ctx == nil {
		panic("pool: TrySubmit: nil context")
	}
	if p.zero() {
		return task.Failed[T](ErrNilPool), ErrNilPool
	}
	if fn == nil {
		p.refuseNil()
		return task.Failed[T](errNilTrySubmit), errNilTrySubmit
	}
	t, job := task.Prepare(ctx, fn, task.WithSlot(p.slot), task.Queued())
	if task.Ended(job) {
		p.cancelEnded()
		_, err, _ := t.Result()
		return t, err
	}
	it := item{job: job}
	if _, err := p.send(ctx, &it, false); err != nil {
		job.Abort(err)
		return t, err
	}
	return t, nil
}

// Go queues fn to run on one of p's workers, without a task: the chapter's
// execute. Like Submit, it hands fn to a new worker if the queue is full
// and the pool below its limit, and else waits for room, but without a
// context: only Close ends the wait (with ErrClosed); GoContext bounds it
// with one. Under [MaxWaiting], it returns ErrFull at once when as many
// callers wait already. A nested call from one of p's workers follows Submit's
// caller-runs rule. Go returns an error matching [ErrInvalid] and
// task.ErrNilFunc for a nil fn (as Submit does), and ErrNilPool for a nil
// or zero p.
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
func (p *Pool) Go(fn func()) error { return p.goWith(context.Background(), fn, errNilGo) }

// GoContext is Go with a context for its wait: if it must wait for room
// (an await point), it waits until ctx ends, and then returns an error
// matching task.ErrNotStarted and ctx's error ("pool: go: ..."), and fn
// never runs; or until the pool closes (ErrClosed). ctx only bounds the
// wait: a job once queued runs whatever becomes of ctx, and fn receives no
// context (use Submit for work that should see one). A nested call from
// one of p's workers follows Submit's caller-runs rule, at once if ctx is
// the context of the task it runs. A nil ctx panics ("pool:
// Pool.GoContext: nil context"), whatever p is.
func (p *Pool) GoContext(ctx context.Context, fn func()) error {
	if ctx == nil {
		panic("pool: Pool.GoContext: nil context")
	}
	return p.goWith(ctx, fn, errNilGoContext)
}

// goWith is Go and GoContext; errNil is the error for a nil fn.
func (p *Pool) goWith(ctx context.Context, fn func(), errNil error) error {
	if p.zero() {
		return ErrNilPool
	}
	if fn == nil {
		p.refuseNil()
		return errNil
	}
	it := item{job: goJob(fn)}
	inline, err := p.send(ctx, &it, true)
	if inline {
		p.runInline(&it, false)
	}
	return err
}

// TryGo is Go that never waits: it returns ErrFull if the queue has no
// room, no worker is idle and the pool is at its limit, and ErrClosed
// after Close. Below the limit a full queue does not refuse it: fn goes
// to a new worker.
// As with Go, a nil fn gives an error matching ErrInvalid and
// task.ErrNilFunc, and a nil or zero p ErrNilPool.
func (p *Pool) TryGo(fn func()) error {
	if p.zero() {
		return ErrNilPool
	}
	if fn == nil {
		p.refuseNil()
		return errNilTryGo
	}
	it := item{job: goJob(fn)}
	_, err := p.send(context.Background(), &it, false)
	return err
}

// send queues it, counting it as submitted and, if it is refused, as
// rejected or cancelled. If the queue is full it hands it to a parked
// spare or to a new worker, while the pool is below its limit. Otherwise,
// if block is set, it waits for room, unless the caller is one of p's
// workers (see Submit): then it reports inline, and the caller must run it
// at once with runInline.
func (p *Pool) send(ctx context.Context, it *item, block bool) (inline bool, err error) {
	n, open := p.enter()
	if !open {
		if block && p.admitsLate(ctx) {
			p.lateRun.Add(1) // settled must not count its outcome
			return true, nil // it runs, and counts as it ends
		}
		if op(it) == "submit" && ctx.Err() != nil {
			// ctx has ended, though the task's context may not have heard
			// yet (a task's context hears of a package context's end
			// through context.AfterFunc, on another goroutine): that end
			// comes before ErrClosed, as Submit's and TrySubmit's docs say.
			// Asked only here, on a closed pool: ctx.Err costs a lock pair.
			p.lateCancelled.Add(1)
			return false, notStartedError("submit", ctx)
		}
		p.late.Add(1)
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
	if p.offload(it, block) {
		p.settle()
		return false, nil
	}
	if !block {
		p.rejected.Add(1)
		p.settle()
		return false, ErrFull
	}
	// Full, at the limit, and no spare. One of p's workers that waited for
	// room could wait for itself, with every other worker doing the same:
	// it runs the item itself instead. A task of p submitting with its own
	// context, and any submitter once p has seen a worker submit to itself
	// (nested), look at once whether they run on a worker (3-6 µs: see
	// self); any other submitter looks once it has waited stallAfter.
	looked := false
	if own := task.ContextSlot(ctx) == task.Slot(p.slot); own || p.nested.Load() {
		if own && p.worker() || !own && p.self() != nil {
			p.nested.Store(true)
			p.settle() // runInline settles again once it has counted the item
			return true, nil
		}
		looked = true // a goroutine of a task, not a worker: it waits
	}
	// Counted as waiting before it looks at the limit again, so that a
	// Resize that raises it either sees this submitter or is seen here.
	waiters := p.waiting.Add(1)
	defer p.waiting.Add(-1)
	if p.offload(it, true) {
		p.settle()
		return false, nil
	}
	if max := p.cfg.maxWait; max > 0 && waiters > max {
		p.rejected.Add(1) // MaxWaiting: as many wait already
		p.settle()
		return false, ErrFull
	}
	pk := task.Park(ctx)
	var (
		stalled <-chan struct{}
		since   int64
	)
	if !looked {
		since, stalled = p.now(), p.stallTimer()
	}
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
			err = notStartedError(op(it), ctx)
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
				p.nested.Store(true)
				inline = true
				break wait
			}
		}
	}
	pk.Resume()
	p.settle()
	return inline, err
}

// admitsLate reports whether a submission that came after Close may run
// all the same, on its caller: one made with the context of a task of p
// that is still running (its context ends when it does), on one of p's
// own workers, before Shutdown aborted. Such a task is work in flight,
// which Close lets finish, and its worker is busy until it returns, so
// Close waits for the sub-task too. The worker is told by the receiver of
// its serve frame on the caller's stack (self, 3-6 µs), on this rare path
// only: worker's cheaper look takes another pool's worker for one of p's,
// and a task of p that had ended could hand its context to one, whose
// Go job then ran after Close had returned.
func (p *Pool) admitsLate(ctx context.Context) bool {
	return task.ContextSlot(ctx) == task.Slot(p.slot) && ctx.Err() == nil && !p.aborted.Load() && p.self() != nil
}

// offload hands it, which found the queue full, to a parked spare, or else
// to a new worker if the pool is below its limit, and reports whether it
// did. (Leaving it to grow to start a worker for the queue refused TryGo
// with ErrFull, and kept Go waiting, while the pool could take the item.)
//
// A blocking submitter (paced) hands items to new workers only while
// fewer than GOMAXPROCS workers are starting, as grow paces its starts;
// beyond that it leaves the queue to grow, and waits for room, as before.
// A queue full of fast items has room again a moment later, and without
// the pace a stream of 1,000,000 no-op Go jobs at limit 10,000 started
// 330-1,000 workers instead of 6-8 and ran at 14-15M items a second
// instead of 20M. A Try submission is not paced: a new goroutine costs
// less than work refused.
func (p *Pool) offload(it *item, paced bool) bool {
	if p.spareN.Load() > 0 && p.sendSpare(*it) {
		return true
	}
	if paced && p.starting.Load()+p.handing.Load() >= p.cores {
		if p.mayGrow() {
			p.grow() // as before: a worker on its way to the queue, if need says so
		}
		return false
	}
	return p.startWith(it)
}

// op names the submission of it in errors: "go" or "submit".
func op(it *item) string {
	j := it.job
	if tj, ok := j.(*timedJob); ok {
		j = tj.Job
	}
	if _, ok := j.(goJob); ok {
		return "go"
	}
	return "submit"
}

// notStartedError returns the error of work whose ctx ended before it ran:
// it matches task.ErrNotStarted, ctx's error and ctx's cause, as the
// error of a task cancelled while queued does, and reads "pool: <where>:
// cancelled before the task ran: <ctx's error> (<cause>)", the cause only
// if it differs. where is "queue", "submit" or "go" (then "the job ran").
// It costs 1 allocation (80 B), against 5-6 for the fmt.Errorf it
// replaced: about 90 ns with two errors.Is (it was 490 ns;
// BenchmarkNotStartedError, 2-core machine).
func notStartedError(where string, ctx context.Context) error {
	e := &notStarted{where: where, errs: [3]error{task.ErrNotStarted, ctx.Err()}, n: 2}
	if cause := context.Cause(ctx); cause != nil && cause != e.errs[1] {
		e.errs[2], e.n = cause, 3
	}
	return e
}

// notStarted is notStartedError's error.
type notStarted struct {
	where string
	errs  [3]error // task.ErrNotStarted, ctx's error, and its cause if it differs
	n     int
}

func (e *notStarted) Error() string {
	what := "task"
	if e.where == "go" {
		what = "job"
	}
	msg := "pool: " + e.where + ": cancelled before the " + what + " ran: " + e.errs[1].Error()
	if e.n == 3 {
		msg += " (" + e.errs[2].Error() + ")"
	}
	return msg
}

func (e *notStarted) Unwrap() []error { return e.errs[:e.n:e.n] }

// stallAfter is how long a submitter waits for room before it checks
// whether it is one of the pool's own workers.
const stallAfter = frames.StallAfter

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

// cancelEnded counts a task whose ctx was done when it was submitted as
// cancelled, whatever the pool's state: it failed with task.ErrNotStarted
// before it could be queued or refused. (Sent on, it was counted as
// rejected on a full or closed pool, while its error said not started.)
func (p *Pool) cancelEnded() { p.unsent(&p.cancelled, &p.lateCancelled) }

// refuseNil counts a submission of a nil func.
func (p *Pool) refuseNil() { p.unsent(&p.rejected, &p.late) }

// unsent counts a submission that ends before it is sent: in early if it
// entered before Close began (Close's settled counts it then), else in
// late.
func (p *Pool) unsent(early, late *atomic.Uint64) {
	if _, open := p.enter(); open {
		early.Add(1)
		p.settle()
	} else {
		late.Add(1)
	}
}
