package pool

import (
	"context"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/internal/frames"
	"github.com/spool-go/spool/task"
)

// item is one entry of the queue: a task's job, a Go job (job is a
// goJob), a control message for the worker that receives it (job is a
// ctlJob), or one of those wrapped in a *timedJob when the submission is
// sampled for the timing histograms. It is kept to two words, so the
// default queue takes 16 KiB. (A bare channel of 16-byte elements hands
// off faster than one of 24 or 40 bytes, 35 ns against 45-50 ns on the
// project's machine, but Pool.Go measured the same with 40-byte items:
// its time goes to the channel's lock, contended by the submitter and
// the workers, as a bare channel's does.)
type item struct {
	job task.Job
}

// goJob is a Go job. A func is pointer-shaped, so storing one in the job
// interface does not allocate.
type goJob func()

func (g goJob) Run()                     { g() }
func (g goJob) Abort(error)              {}
func (g goJob) Context() context.Context { return context.Background() }
func (g goJob) Err() error               { return nil }
func (g goJob) Cancel()                  {}

// ctlJob is a control message: ctlRetire, ctlExpire or ctlStop.
type ctlJob uint8

func (ctlJob) Run()                     {}
func (ctlJob) Abort(error)              {}
func (ctlJob) Context() context.Context { return context.Background() }
func (ctlJob) Err() error               { return nil }
func (ctlJob) Cancel()                  {}

const (
	ctlRetire ctlJob = iota + 1 // exit if there are more workers than the target
	ctlStop                     // exit: the pool is closing
	ctlExpire                   // exit unless the pool is closing: an idle worker's keep-alive ran out
	ctlExit                     // exit: sent to a spare the sender has uncounted (never queued)
)

var (
	retireItem = item{job: ctlRetire}
	stopItem   = item{job: ctlStop}
	expireItem = item{job: ctlExpire}
	exitItem   = item{job: ctlExit}
)

// timedJob carries a sampled submission's enqueue time (from Pool.now).
// Only one submission in SampleTimings' n is wrapped; the wrappers are
// recycled, so timing allocates nothing once warm.
type timedJob struct {
	task.Job
	at int64
}

var timedJobs = sync.Pool{New: func() any { return new(timedJob) }}

// timed wraps j with the time at.
func timed(j task.Job, at int64) task.Job {
	tj := timedJobs.Get().(*timedJob)
	tj.Job, tj.at = j, at
	return tj
}

// untimed returns the job inside it and its enqueue time (0 if it was not
// timed), recycling the wrapper.
func untimed(j task.Job) (task.Job, int64) {
	tj, ok := j.(*timedJob)
	if !ok {
		return j, 0
	}
	j, at := tj.Job, tj.at
	tj.Job = nil
	timedJobs.Put(tj)
	return j, at
}

// worker is one worker goroutine. It publishes its counts to a shard it
// may share with other workers, and which outlives it.
type worker struct {
	p *Pool

	// n counts outcomes since the last flush to its shard. Only the worker's own
	// goroutine touches it; it flushes before it waits for work, every
	// flushEvery items, and when it exits, so a quiescent pool's shards
	// are exact and a busy one's lag by at most flushEvery items a worker.
	n     counts
	since int32
	inGo  bool   // a Go job is running on the worker's own loop
	start uint8  // startQueue or startHanded: counted in p.starting or p.handing until it runs
	shi   uint16 // its shard, p.shards[shi]
	mark  int64  // p.now() when it last took flushEvery items

	mu  sync.Mutex
	cur task.Job // the item running, for Shutdown to cancel; nil if none

	links fifo.Links[worker] // its place in p.live
}

func (w *worker) Links() *fifo.Links[worker] { return &w.links }

// shard returns the shard w publishes its counts to.
func (w *worker) shard() *shard { return w.p.shards[w.shi] }

// How a worker was started: the count that loop takes it out of.
const (
	startPlain  uint8 = iota // counted in neither
	startQueue               // to serve the queue: counted in p.starting
	startHanded              // with an item (startWith): counted in p.handing
)

// startWorker starts a worker goroutine, on the shard of old if old is the
// worker it replaces, that runs first (if any) and then serves the queue.
// The caller has counted it in p.workers, and in p.starting or p.handing
// as start says.
func (p *Pool) startWorker(old *worker, first item, start uint8) {
	w := &worker{p: p, start: start}
	p.mu.Lock()
	switch {
	case old != nil:
		w.shi = old.shi
	default:
		w.shi = uint16(p.nextSh)
		p.nextSh = (p.nextSh + 1) % len(p.shards)
	}
	p.live.PushBack(w)
	p.mu.Unlock()
	p.wg.Add(1)
	go w.loop(first)
}

// loop runs first, if it holds a job, and then takes items until it is
// told to stop or retire. If an item calls runtime.Goexit, the deferred
// function starts a replacement. A worker's first item is not kept in the
// worker: an idle worker's memory is part of the pool's promise.
//
// The worker waits for work here, not in serve, so that it blocks two
// frames from the top of its stack. Blocking on a channel may allocate,
// and from inside serve that path overflowed the 2 KiB a goroutine starts
// with. A probe on runtime.morestack caught a worker growing its stack in
// every run of 1,000,000 no-op jobs at limit 2 (bench/pools), which
// doubled the stack and made the runtime read 64 KiB of the binary's
// tables to copy it. Now one run in six still does, when a worker arms the
// idle sweep's timer on a processor whose timer heap must grow.
func (w *worker) loop(first item) {
	p := w.p
	if p.cfg.lockOS {
		runtime.LockOSThread()
	}
	// A goroutine inherits its creator's profiler labels: a worker that a
	// task of rt started (its Submit found no idle worker) would carry that
	// task's labels for good, and a CPU profile would blame the task for
	// every caller's work. A worker carries none.
	pprof.SetGoroutineLabels(context.Background())
	switch w.start {
	case startQueue:
		p.starting.Add(-1)
	case startHanded:
		p.handing.Add(-1)
	}
	goexit := true // until serve returns
	defer func() {
		w.flush()
		p.mu.Lock()
		p.live.Remove(w)
		p.mu.Unlock()
		if goexit {
			p.cfg.log.Debug("pool: replacing a worker ended by runtime.Goexit", "pool", p.cfg.name)
			p.startWorker(w, item{}, startPlain)
		}
		p.settle() // a worker that retires or expires may end Close's drain (see stop)
		p.unstick()
		p.wg.Done()
	}()
	for it := first; !w.serve(&it); {
		var ok bool
		if it, ok = w.await(); !ok {
			break // expired or retired, as a spare or on its way to the queue
		}
		if p.mayGrow() {
			p.grow() // pass the need on before this item may block
		}
	}
	goexit = false
}

// serve runs first, if it holds a job, and then the items the queue holds,
// until the worker must exit (it returns true), the queue is empty or a Go
// job panics: then it recovers, counts and reports the panic. In those two
// cases it returns false, and loop waits for the next item (at once, if a
// panic left some queued) and calls it again. Recovering here rather than
// around each job keeps a deferred call off the path of every item.
func (w *worker) serve(first *item) (exit bool) {
	p, sh := w.p, w.shard()
	var goT0 int64 // p.now() when a sampled Go job started; 0 if none
	defer func() {
		if !w.inGo {
			return // exiting, or runtime.Goexit in a task: loop handles it
		}
		w.inGo = false
		e := &task.PanicError{Value: recover(), Stack: debug.Stack()}
		if goT0 != 0 { // a sampled Go job ran until it panicked
			sh.run.observe(p.now() - goT0)
		}
		if e.Value == nil { // runtime.Goexit: it goes on ending the goroutine
			e.Value = task.ErrGoexit
		}
		w.n.panicked++
		p.cfg.onPanic(e)
	}()
	for {
		var it item
		if first.job != nil {
			it, *first = *first, item{}
		} else {
			select {
			case it = <-p.q:
			default:
				return false // loop waits for the next
			}
			p.took(it)
			if p.mayGrow() {
				p.grow() // pass the need on before this item may block
			}
		}
		if w.since++; w.since == flushEvery {
			w.flush()
			w.yieldToSubmitter()
		}
		job, at := untimed(it.job)
		switch j := job.(type) {
		case goJob:
			if p.aborted.Load() {
				w.n.cancelled++
				p.dropped.Add(1)
				continue
			}
			goT0 = 0
			if at != 0 {
				goT0 = p.now()
				sh.wait.observe(goT0 - at)
			}
			w.inGo = true
			j()
			w.inGo = false
			w.n.completed++
			if goT0 != 0 {
				sh.run.observe(p.now() - goT0)
			}
		case ctlJob:
			switch {
			case j == ctlStop:
				p.workers.Add(-1)
				return true
			case j == ctlExpire && p.tryExpire():
				// A submitter may have counted this worker as idle and
				// left its item to it: pass the need on.
				p.grow()
				return true
			case j == ctlRetire && p.tryRetire():
				return true
			}
			continue
		default:
			if at == 0 {
				p.runTask(w, job)
			} else {
				t0 := p.now()
				o := p.runTask(w, job)
				if o != taken { // a task its waiter ran was not waiting here
					sh.wait.observe(t0 - at)
				}
				if o >= completed {
					sh.run.observe(p.now() - t0)
				}
			}
		}
		if p.workers.Load() > p.target.Load() && p.tryRetire() {
			return true
		}
	}
}

// yieldGap is how long flushEvery items must have taken for a worker to
// yield to a submitter waiting for room: 0.5 µs an item, so that a yield
// (a few hundred ns, or more if many goroutines are runnable) costs such
// items under 1%.
const yieldGap = 32_000 // ns

// yieldToSubmitter lets a submitter that waits for room run, when the
// queue is half empty and the items are long. A worker's receive readies
// the blocked submitter on the worker's own processor, where it would wait
// until the worker blocks: with every worker busy that is when the queue
// has run dry, and the workers then idle while the submitter refills it.
// 1 µs items on 2 cores ran 1.11-1.16x their serial time / 2 that way, and
// 1.10-1.12x with this yield, in A/B runs of bench/pools (1.10-1.17x in
// two full runs, where the channel floor took 1.09-1.26x); no-op items
// never take long enough to yield. A worker that parked starts its measure
// again, so the park does not count as work.
func (w *worker) yieldToSubmitter() {
	p := w.p
	now := p.now()
	long := w.mark != 0 && now-w.mark >= yieldGap
	w.mark = now
	if long && p.waiting.Load() > 0 && len(p.q) < cap(p.q)/2 {
		runtime.Gosched()
	}
}

// await waits for an item on the empty queue. Up to GOMAXPROCS idle
// workers wait on the queue itself, counted in p.idle; the others park
// off it as spares, which grow wakes when the queue needs them. A send to
// a channel with receivers waiting hands the item to one of them, waking
// it, so a pool whose every idle worker waited on the queue would wake a
// worker for each item of a stream that its busy workers could take in
// their stride: with 1,000 idle workers, no-op jobs ran 2-4x slower than
// with 2. await reports false if the worker must exit (its keep-alive ran
// out, or Resize retired it, as a spare).
func (w *worker) await() (item, bool) {
	p := w.p
	w.flush()
	w.mark = 0
	select {
	case <-p.closing:
		p.settle() // Close may wait for the queue to drain (see stop)
	default:
	}
	if p.idle.Load() >= p.cores && !p.need() {
		p.spareN.Add(1)
		p.armSweep()
		// Work that came meanwhile may have counted on this worker and
		// found no spare yet: then take it back and serve the queue, unless
		// a waker claimed it first and is about to send.
		if !p.need() || !p.claimSpare() {
			it, ok := <-p.spareCh
			switch {
			case !ok: // closing: go to the queue for the stop item
				p.spareN.Add(-1) // no one claimed this spare: Close woke it
			case it.job == nil: // go to the queue: wakeSpare counted it as starting
				p.starting.Add(-1)
			case it.job == ctlExit: // the waker has uncounted it
				return item{}, false
			default: // handed an item to run
				return it, true
			}
		}
	}
	p.idle.Add(1)
	// After counting itself idle, so that a Resize that lowers the limit
	// either sends this worker a retire message or is seen here.
	if p.workers.Load() > p.target.Load() && p.tryRetire() {
		p.idle.Add(-1)
		return item{}, false
	}
	p.armSweep()
	it := <-p.q
	p.took(it)
	if n := p.idle.Add(-1); n < p.idleMin.Load() {
		p.idleMin.Store(n) // racy, at worst a little high: see sweepIdle
	}
	return it, true
}

// runInline runs an item on the calling goroutine, one of p's workers,
// for a nested submission that would otherwise wait for room that only
// its own worker could make. The worker is inside an item of its own, so
// the counts go straight to a shard, and Close is told once they are
// there.
//
// helped marks a task run for help: one whose queue entry a worker or
// Shutdown's reap will still take, and count (see exec).
func (p *Pool) runInline(it *item, helped bool) {
	sh := p.shards[0]
	defer p.settle()
	p.inlineN.Add(1)
	defer p.inlineN.Add(-1)
	job, _ := untimed(it.job)
	if g, isGo := job.(goJob); isGo {
		ok := false
		defer func() {
			if ok {
				sh.completed.Add(1)
				return
			}
			e := &task.PanicError{Value: recover(), Stack: debug.Stack()}
			if e.Value == nil { // runtime.Goexit: it goes on ending the goroutine
				e.Value = task.ErrGoexit
			}
			sh.panicked.Add(1)
			p.cfg.onPanic(e)
		}()
		g()
		ok = true
		return
	}
	// Shown to Shutdown's abort, which cancels running tasks, before the
	// look at aborted: an abort either comes before that look or sees it.
	p.showInline(job, 1)
	defer p.showInline(job, -1)
	exited := true
	defer func() {
		if exited { // runtime.Goexit: the task resolved with ErrGoexit
			sh.panicked.Add(1)
		}
	}()
	o := p.exec(job, p.aborted.Load(), helped)
	exited = false
	var c counts
	c.count(o)
	sh.add(c)
}

// showInline counts (d = 1) or uncounts (d = -1) a caller of runInline
// for the task job in p.inline, which Shutdown's abort walks. Counted, not
// just listed: two waiters may offer to run one task (help), and the one
// that finds it taken must not unlist it while the other runs it.
func (p *Pool) showInline(job task.Job, d int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inline == nil {
		p.inline = make(map[task.Job]int)
	}
	if p.inline[job] += d; p.inline[job] <= 0 {
		delete(p.inline, job)
	}
}

// runTask runs (or, if Shutdown expired or its context ended while it was
// queued, aborts) a task's job on w's goroutine, counts its outcome, and
// returns it for the histograms (the function ran if it is completed or
// later).
func (p *Pool) runTask(w *worker, job task.Job) outcome {
	w.mu.Lock()
	prev := w.cur
	w.cur = job
	aborted := p.aborted.Load()
	w.mu.Unlock()
	exited := true
	defer func() {
		if exited { // runtime.Goexit: the task resolved with ErrGoexit
			w.n.panicked++
		}
	}()
	o := p.exec(job, aborted, false)
	exited = false
	w.n.count(o)
	w.mu.Lock()
	w.cur = prev
	w.mu.Unlock()
	return o
}

// outcome is how a task's job ended, for the counts.
type outcome uint8

const (
	taken     outcome = iota // a waiter ran it (see help), and counts it
	cancelled                // never ran: its context ended, or Shutdown dropped it
	completed
	failed
	panicked
)

// exec runs a task's job on the calling goroutine, unless Shutdown has
// aborted (aborted) or its context ended while it was queued: then it
// resolves the job unrun. It returns how the job ended. A worker that
// takes a job from the queue may find that the task's waiter ran it
// already (see help): then exec does nothing and returns taken. A
// runtime.Goexit in the task's function ends the goroutine inside exec;
// the caller counts it.
//
// A waiter that runs a task for help (helped) counts only a task it ran:
// the task's queue entry is still to be taken, and its taker counts the
// rest. It resolves a task that Shutdown's abort would drop, as reap
// would, so that it does not wait for an entry stranded behind the stop
// messages, and leaves one whose context has ended to the cancel that
// resolves it.
//
// Every task a worker runs, it runs through the one TryRun call here:
// worker() knows a task's worker by this frame.
//
//go:noinline
func (p *Pool) exec(job task.Job, aborted, helped bool) outcome {
	switch {
	case helped:
		if aborted {
			if task.AbortUnstarted(job, errShutdownAbort) {
				p.dropped.Add(1)
			}
			return taken
		}
		if job.Context().Err() != nil {
			return taken
		}
	case aborted:
		if !p.drop(job) {
			return taken
		}
		return cancelled
	case job.Context().Err() != nil:
		if _, mine := p.resolveUnrun(job, notStartedError("queue", job.Context())); !mine {
			return taken
		}
		return cancelled
	}
	if helped {
		// Counted as taken before the claim, so that its entry's taker,
		// which may skip it as soon as the claim is made, never lowers the
		// count first.
		p.takenQ.Add(1)
	}
	// The one call: see worker. (A second one, for help, left the tasks
	// run for help on a frame worker did not know, and every wait of
	// theirs read its whole stack: a 1,024-leaf tree took 245 ms, not 4.)
	if !task.TryRun(job) {
		switch {
		case helped:
		case task.NotStarted(job): // cancelled just before it could run
			return cancelled
		}
		p.takenQ.Add(-1) // a waiter ran it, or (helped) another claimed it first
		return taken
	}
	return outcomeOf(job)
}

// outcomeOf returns how a job that ran ended. A panic counts where it
// happened: a task that returns the *PanicError of a task it awaited
// failed.
func outcomeOf(job task.Job) outcome {
	switch {
	case job.Err() == nil:
		return completed
	case task.Panicked(job):
		return panicked
	default:
		return failed
	}
}

// resolveUnrun resolves a queued task's job with err without running it.
// It reports whether it did (resolved), and whether the job is the
// caller's to count (mine): it is, unless a waiter claimed it first (see
// help: the caller then skips a taken entry, which takenQ no longer
// counts), but not resolved if a cancel resolved it while it was queued.
func (p *Pool) resolveUnrun(job task.Job, err error) (resolved, mine bool) {
	switch {
	case task.AbortUnstarted(job, err):
		resolved = true
	case !task.NotStarted(job):
		p.takenQ.Add(-1)
		return false, false // a waiter runs it
	}
	job.Abort(err) // it resolved already: this frees its func
	return resolved, true
}

// count adds an outcome to c.
func (c *counts) count(o outcome) {
	switch o {
	case completed:
		c.completed++
	case failed:
		c.failed++
	case panicked:
		c.panicked++
	case cancelled:
		c.cancelled++
	}
}

// flushEvery bounds how many items a worker counts before it publishes
// the counts.
const flushEvery = 64

// counts fit in 32 bits: a worker flushes them every flushEvery items.
type counts struct{ completed, failed, panicked, cancelled uint32 }

// flush publishes w's counts to its shard.
func (w *worker) flush() {
	w.since = 0
	if w.n == (counts{}) {
		return
	}
	w.shard().add(w.n)
	w.n = counts{}
}

// abortCurrent stops the task w holds, if any (see stopJob), and reports
// whether it held one that had not ended: a task whose waiter has its
// result may still be w's until runTask returns.
func (w *worker) abortCurrent() bool {
	w.mu.Lock()
	cur := w.cur
	w.mu.Unlock()
	if cur == nil || task.Ended(cur) {
		return false
	}
	w.p.stopJob(cur)
	return true
}

// stopJob is Shutdown's abort of a task that a worker holds, running or
// about to run: one that has not started resolves with the shutdown
// error, and one that has has its context cancelled. (A plain cancel
// resolved a task that a worker had taken but not started with
// task.ErrNotStarted and context.Canceled alone: about one expired
// Shutdown in 100-200 lost a task's ErrShutdown so.)
func (p *Pool) stopJob(j task.Job) {
	if task.AbortUnstarted(j, errShutdownAbort) {
		p.dropped.Add(1)
		return
	}
	j.Cancel()
}

// drop resolves a task that Shutdown's abort keeps from running with the
// shutdown error, and counts it as dropped unless it had resolved already
// (a cancel while it was queued, or stopJob, which counted it). It reports
// whether the task is the caller's to count as cancelled: not if its
// waiter ran it (see help).
func (p *Pool) drop(j task.Job) bool {
	resolved, mine := p.resolveUnrun(j, errShutdownAbort)
	if resolved {
		p.dropped.Add(1)
	}
	return mine
}

// self returns the worker of p running on the calling goroutine, or nil.
// Go gives a goroutine no identity to look up, and registering one for
// each worker as it starts (a stack dump to read its id) tripled the cost
// of starting a worker. So self reads the caller's own stack instead and
// looks for the frame of a worker's serve loop, whose receiver the
// traceback prints: it costs a few µs and pulls the symbol tables of every
// function on the stack into memory, so only a submission that finds the
// queue full at the limit calls it (at once from a task's context or in a
// pool that has seen nesting, else after waiting stallAfter for room),
// and a Close that has waited as long for the workers.
func (p *Pool) self() *worker {
	for _, addr := range frames.Receivers(serveFrame()) {
		p.mu.Lock()
		for w := p.live.Front(); w != nil; w = p.live.Next(w) {
			if reflect.ValueOf(w).Pointer() == addr {
				p.mu.Unlock()
				return w
			}
		}
		p.mu.Unlock()
	}
	return nil
}

// serveFrame is the name tracebacks give the workers' serve loop.
var serveFrame = sync.OnceValue(func() string { return frames.Name((*worker).serve) })

// took lowers ctlQ when a worker has taken a control message from the
// queue, at once: before it looks at need, which must not count the
// message as queued any more.
func (p *Pool) took(it item) {
	if _, ok := it.job.(ctlJob); ok {
		p.ctlQ.Add(-1)
	}
}
