package task

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrClosed is the error of a task submitted to a Group after Close.
var ErrClosed = errors.New("task: group closed")

// GroupOption configures a [Group].
type GroupOption func(*groupConfig)

type groupConfig struct {
	limit    int
	failFast bool
}

// Limit bounds how many of the group's tasks run at once. When there is no
// place, [Group.Go] waits for one (or, for a submission with a context of
// the group, runs fn itself: see Group.Go) and [Group.TryGo] refuses. Limit
// panics if n is not positive.
func Limit(n int) GroupOption {
	if n <= 0 {
		panic(fmt.Sprintf("task: Limit(%d): limit must be positive", n))
	}
	return func(c *groupConfig) { c.limit = n }
}

// FailFast makes the first failing task (an error or a panic) cancel the
// group's context: running tasks see it, tasks submitted after it with Go
// fail at once without running (a Go waiting for a place under the limit
// too: it does not wait for the running tasks to end), and TryGo refuses
// them.
func FailFast() GroupOption { return func(c *groupConfig) { c.failFast = true } }

// Group runs many tasks of one type and collects their results: tokio's
// JoinSet. Results come in completion order from [Group.Next] and in
// submission order from [Group.Wait]. Every task runs under the group's
// context, a child of the context given to NewGroup, which [Group.Close]
// cancels.
//
// Tasks run on goroutines the group reuses: a goroutine that ends a task
// takes the next one submitted, so a busy group starts few goroutines.
// Idle ones end when Wait returns, when Next has returned every result,
// and at Close. A nested submission to a full group runs on the
// submitter's goroutine instead (see [Group.Go]).
//
// Call Close when done with a group (defer g.Close()): it cancels what is
// still running, fails submitters blocked on the limit, and waits for every
// task and goroutine of the group to end, so nothing outlives the group.
//
// The zero Group is ready to use, like errgroup's: it behaves as
// NewGroup(context.Background()), with no limit and no FailFast, and is set
// up on first use. A Group must not be copied after first use.
type Group[T any] struct {
	once sync.Once // sets the group up: in NewGroup, or on first use of a zero Group
	ctx  taskCtx   // the group's context: the parent of every task's
	// The limit: running counts the places taken; a submitter that finds
	// none announces itself in waiting and sleeps on freed, which a
	// release fills when anyone waits (see acquire for why no wake-up is
	// lost). limit is 0 without a limit.
	limit    int64
	running  atomic.Int64
	waiting  atomic.Int64
	freed    chan struct{} // 1-buffered
	failFast bool
	closing  chan struct{}

	// Tasks run on worker goroutines that the group reuses. Go puts a job
	// on queue; a worker takes jobs from it until it is empty, then parks
	// on cond. Go wakes a parked worker, or starts one, only when the queue
	// holds more jobs than there are workers on their way to it (woken) and
	// fewer than maxWoken are; a worker that arrives passes the wake-up on
	// (see dispatch). So a busy group runs many tasks per wake-up. The
	// limit is kept by running; the workers never outnumber the places
	// taken. All of it is guarded by mu.
	queue    []Job
	head     int            // queue[head:] waits for a worker
	parked   int            // workers waiting on cond
	woken    int            // workers signalled or started, not yet at the queue
	maxWoken int            // at most this many are on their way at once
	gen      uint64         // bumped by retire: parked workers of older generations end
	cond     sync.Cond      // L is &mu
	workers  sync.WaitGroup // every worker goroutine

	mu      sync.Mutex
	results chunked[outcome[T]]     // in submission order; pushed under mu
	errs    map[*outcome[T]]failure // the failed tasks' errors (mu)
	tripped *outcome[T]             // with FailFast, the failure that cancelled the group (mu)
	pending atomic.Int64            // submitted and not ended
	// Next's completion-order queue, kept only once Next has been called:
	// until then an ending task touches no lock.
	nextMode atomic.Bool
	ended    []*outcome[T] // mu
	yielded  int           // how many of ended Next has returned (mu)
	idle     chan struct{}
	ready    chan struct{} // 1-buffered: a task ended; made by the first Next
	closed   bool
}

// outcome is one task's result, in a slot that never moves: the task
// writes it when it ends, without the group's lock. Errors live in the
// group's errs map, so that for a T without pointers the slots hold none
// and the collector never scans them: a group of a million tasks keeps
// tens of megabytes of slots that would otherwise be rescanned at every
// collection.
type outcome[T any] struct {
	val    T
	done   atomic.Bool // val is written, and the error if any
	queued atomic.Bool // on Next's queue
}

// chunked is an append-only list whose elements never move: it grows by
// adding chunks, from 16 elements up to chunkSize each, so a small group
// stays small and a group of millions never copies its results.
type chunked[E any] struct {
	chunks [][]E
	n      int
}

const chunkSize = 1024

// push appends a zero element and returns it.
func (c *chunked[E]) push() *E {
	k := len(c.chunks)
	if k == 0 || len(c.chunks[k-1]) == cap(c.chunks[k-1]) {
		size := chunkSize
		if k < 6 {
			size = 16 << k // 16 ... 512
		}
		c.chunks = append(c.chunks, make([]E, 0, size))
		k++
	}
	last := &c.chunks[k-1]
	*last = (*last)[:len(*last)+1]
	c.n++
	return &(*last)[len(*last)-1]
}

// each calls f with every element, in order.
func (c *chunked[E]) each(f func(*E)) {
	for _, ch := range c.chunks {
		for i := range ch {
			f(&ch[i])
		}
	}
}

// NewGroup returns a group whose tasks run under a child of ctx. It panics
// if an option is nil, as [Limit] does on a bad limit.
func NewGroup[T any](ctx context.Context, opts ...GroupOption) *Group[T] {
	var c groupConfig
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("task: NewGroup: option %d is nil", i))
		}
		o(&c)
	}
	g := new(Group[T])
	g.once.Do(func() { g.setup(ctx, c) })
	return g
}

// setup makes g ready, once, before anything else touches it.
func (g *Group[T]) setup(ctx context.Context, c groupConfig) {
	g.failFast = c.failFast
	g.closing = make(chan struct{})
	g.maxWoken = runtime.GOMAXPROCS(0)
	g.cond.L = &g.mu
	if c.limit > 0 {
		g.limit = int64(c.limit)
		g.freed = make(chan struct{}, 1)
	}
	g.ctx.init(ctx, nil)
	g.ctx.isGroup = true
}

// lazy sets up a zero Group on its first use; every exported method calls
// it first. Once set up, it costs an atomic load.
func (g *Group[T]) lazy() {
	g.once.Do(func() { g.setup(context.Background(), groupConfig{}) })
}

// Context returns the group's context. It is done once the group is closed,
// its parent is done, or (with FailFast) a task failed.
func (g *Group[T]) Context() context.Context {
	g.lazy()
	return &g.ctx
}

// Go starts fn as one of the group's tasks and returns it. If the group has
// a limit and it is reached, Go waits for a place (an await point); if ctx
// is done, the group is closed or (with [FailFast]) a task fails first, the
// returned task has already failed with that error and fn never runs.
// Either way the task counts in the group's results.
//
// Nested submission: if the limit is reached and ctx descends from the
// group's own context (a task of the group submitting with its context, or
// g.Context()), fn runs at once on the caller's goroutine instead, and Go
// returns its ended task: the caller-runs rule, as package pool's. Waiting
// there could deadlock, since the places may all be held by tasks that wait
// for what they submit (conc#88, ants#197). A task that submits so is busy
// meanwhile, so no more of the group's functions run at once than the
// limit; a goroutine outside the group that passes g.Context() runs one
// more. A submission with an unrelated context waits as any other does.
// On a runtime (package rt), a caller that runs fn so keeps its slot for
// the whole call: fn's context holds no slot, so fn's await points do not
// give it back.
//
// Go costs one allocation of its own (the Task: 160 B for an int). It starts a
// goroutine only when no worker of the group is free or on its way to the
// queue (BenchmarkGroup).
func (g *Group[T]) Go(ctx context.Context, fn func(context.Context) (T, error)) *Task[T] {
	g.lazy()
	if g.limit > 0 && !g.tryAcquire() {
		if g.owns(ctx) {
			g.running.Add(1) // the caller's own place, in effect: released as the task ends
			return g.start(fn, false, true)
		}
		if err := g.acquire(ctx); err != nil {
			return g.refuse(err)
		}
	}
	return g.start(fn, false, false)
}

// owns reports whether ctx descends from the group's context.
func (g *Group[T]) owns(ctx context.Context) bool {
	for v := ctx.Value(groupKey{}); v != nil; {
		c := v.(*taskCtx)
		if c == &g.ctx {
			return true
		}
		v = c.parent.Value(groupKey{})
	}
	return false
}

// tryAcquire takes a place under the limit if one is free.
func (g *Group[T]) tryAcquire() bool {
	for {
		n := g.running.Load()
		if n >= g.limit {
			return false
		}
		if g.running.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// acquire waits for a place (an await point). A waiter adds itself to
// waiting before it looks at running again, and a release lowers running
// before it looks at waiting: one of the two sees the other, so a free
// place is never left with a sleeping waiter. One token in freed can stand
// for several releases; a waiter that takes a place passes a token on
// while places remain and others wait. Close puts a token on freed too,
// and a waiter that wakes to a closed group passes it on, so a waiter
// whose ctx cannot end (Done is nil) waits with a plain receive: the
// select with the closing channel cost about 40 ns a task at limit 2,
// where every Go waits (BenchmarkGroup: 398 against 439 ns a task,
// medians of 6 alternated runs; errgroup 322 ns). A FailFast group that
// fails puts a token on freed as well (see trip), passed on the same way,
// so that waiters fail at once rather than wait for a place that running
// tasks ignoring their context may keep for long.
func (g *Group[T]) acquire(ctx context.Context) error {
	p := Park(ctx)
	defer p.Resume()
	for {
		g.waiting.Add(1)
		// After counting itself waiting: a trip whose cancel this look
		// misses puts its token on freed later, and whoever takes it sees
		// this waiter counted and passes it on.
		if g.failFast && g.ctx.Err() != nil {
			if g.waiting.Add(-1) > 0 {
				g.wakeOne() // pass the failure's token on
			}
			return g.failedErr()
		}
		if g.tryAcquire() {
			g.waiting.Add(-1)
			g.passOn()
			return nil
		}
		// Close sends a token on freed too, so a waiter whose ctx cannot
		// end waits on freed alone: a receive costs less than a select.
		if done := ctx.Done(); done == nil {
			<-g.freed
		} else {
			select {
			case <-g.freed:
			case <-done:
				g.waiting.Add(-1)
				g.passOn()
				return ctxError("group go", ctx)
			}
		}
		g.waiting.Add(-1)
		select {
		case <-g.closing:
			g.wakeOne() // pass Close's token on to the next waiter
			return ErrClosed
		default:
		}
	}
}

// wakeOne puts a token on freed, if it has none, to wake a waiter.
func (g *Group[T]) wakeOne() {
	select {
	case g.freed <- struct{}{}:
	default:
	}
}

// passOn wakes a waiter if a place is free.
func (g *Group[T]) passOn() {
	if g.waiting.Load() > 0 && g.running.Load() < g.limit {
		g.wakeOne()
	}
}

// TryGo starts fn if the group is under its limit, not closed and (with
// FailFast) has not failed, and reports whether it did. When it did not,
// it returns nil and the group records nothing: fn never runs, and Next
// and Wait do not count it. A nil fn is taken, as with Go: its task has
// failed with ErrNilFunc.
func (g *Group[T]) TryGo(fn func(context.Context) (T, error)) (*Task[T], bool) {
	g.lazy()
	if g.limit > 0 && !g.tryAcquire() {
		return nil, false
	}
	t := g.start(fn, true, false)
	return t, t != nil
}

// start runs fn holding a place (if the group has a limit): on the group's
// workers, or with inline on the calling goroutine, returning the ended
// task (Go's caller-runs rule). For TryGo (try), it returns nil, recording
// nothing, if the group is closed or (with FailFast) has failed.
func (g *Group[T]) start(fn func(context.Context) (T, error), try, inline bool) *Task[T] {
	if g.failFast && g.ctx.Err() != nil {
		g.release()
		if try { // TryGo records nothing it did not start
			return nil
		}
		return g.refuse(g.failedErr())
	}
	t, j := Prepare(&g.ctx, fn)
	if j == nil { // fn was nil: t has failed already
		g.release()
		if try && g.isClosed() { // TryGo takes nothing once closed
			return nil
		}
		return g.track(t)
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		g.release()
		j.Abort(ErrClosed)
		if try {
			return nil
		}
		return g.track(t)
	}
	t.slot = g.results.push()
	g.pending.Add(1)
	t.group = g // t has not run: the queue publishes this
	if inline {
		g.mu.Unlock()
		j.Run()
		return t
	}
	g.queue = append(g.queue, j)
	spawn := g.dispatch()
	gen := g.gen
	g.mu.Unlock()
	if spawn {
		go g.worker(gen)
	}
	return t
}

// dispatch sends one more worker towards the queued jobs, if they
// outnumber the workers on their way (woken) and fewer than maxWoken are:
// it wakes a parked worker or, when none is parked, reports that the
// caller must start one (counted already). g.mu must be held.
//
// A worker that arrives and takes a job calls dispatch again, so wake-ups
// pass from worker to worker while jobs wait. That keeps this invariant:
// while the queue holds a job, some worker is on its way to it. So every
// queued job gets a worker of its own even if every running task blocks
// (on another task of the group, say), yet a fast stream of short tasks
// is served by the few workers that are already awake.
func (g *Group[T]) dispatch() (spawn bool) {
	if len(g.queue)-g.head <= g.woken || g.woken >= g.maxWoken {
		return false
	}
	g.woken++
	if g.parked > 0 {
		g.parked--
		g.cond.Signal()
		return false
	}
	g.workers.Add(1)
	return true
}

// worker runs queued jobs until the queue is empty, then parks until
// dispatch wakes it. It ends when it finds the queue empty after a retire
// or a Close. A job that calls runtime.Goexit ends the worker; another
// takes its place if jobs are waiting.
//
// gen is the generation the worker was started in: one that starts after a
// retire of its generation ends at once unless it finds a job.
func (g *Group[T]) worker(gen uint64) {
	goexit := true
	defer func() {
		if goexit {
			g.mu.Lock()
			spawn := g.dispatch()
			gen := g.gen
			g.mu.Unlock()
			if spawn {
				go g.worker(gen)
			}
		}
		g.workers.Done()
	}()
	g.mu.Lock()
	g.woken--
	arrived := true // woken or started, and not yet at a job
	for {           // gen is the generation the worker last took a job in
		if g.head < len(g.queue) {
			gen = g.gen
			j := g.queue[g.head]
			g.queue[g.head] = nil
			if g.head++; g.head == len(g.queue) {
				g.queue, g.head = g.queue[:0], 0
			}
			spawn := false
			if arrived { // pass the wake-up on while jobs wait
				arrived = false
				spawn = g.dispatch()
			}
			g.mu.Unlock()
			if spawn {
				go g.worker(gen)
			}
			j.Run()
			g.mu.Lock()
			continue
		}
		if g.closed || gen != g.gen {
			break // retired while it ran or while it was parked
		}
		g.parked++
		g.cond.Wait()
		g.woken-- // dispatch or retire moved us from parked to woken
		arrived = true
	}
	goexit = false
	g.mu.Unlock()
}

// retire ends the workers that are parked now; later tasks start new ones.
func (g *Group[T]) retire() {
	g.mu.Lock()
	g.gen++
	g.woken += g.parked
	g.parked = 0
	g.cond.Broadcast()
	g.mu.Unlock()
}

// track records t, a task that has already ended without running (refused,
// aborted, or with a nil fn): it holds no place under the limit.
func (g *Group[T]) track(t *Task[T]) *Task[T] {
	g.mu.Lock()
	t.slot = g.results.push()
	g.pending.Add(1)
	g.mu.Unlock()
	g.trip(t, g.record(t))
	g.taskEnded(t)
	return t
}

func (g *Group[T]) refuse(err error) *Task[T] { return g.track(Failed[T](err)) }

func (g *Group[T]) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

func (g *Group[T]) release() {
	if g.limit > 0 {
		g.running.Add(-1)
		if g.waiting.Load() > 0 {
			g.wakeOne()
		}
	}
}

// failedErr is the error of a task refused because a FailFast group's
// context has ended: the failure that tripped it, which already says
// "task: group failed", or else the cause of the context's end, wrapped.
func (g *Group[T]) failedErr() error {
	cause := g.ctx.causeErr()
	g.mu.Lock()
	tripped := g.tripped != nil
	g.mu.Unlock()
	if tripped {
		return cause
	}
	return fmt.Errorf("task: group failed: %w", cause)
}

// failure is a failed task's error, and its context, through which
// reading the error marks a panic in it as seen (see OnUnobservedPanic).
type failure struct {
	err error
	ctx *taskCtx
}

// read returns the error, which the caller hands to the group's user.
func (f failure) read() error {
	if f.ctx != nil {
		f.ctx.observe()
	}
	return f.err
}

// taskDone is called by a group task as it ends, before the task itself
// shows its result: it gives back the task's place under the limit,
// records the result, and cancels a FailFast group that the failure trips
// (so whoever sees the failure, through the task or through Wait, finds
// the group cancelled). The task calls taskEnded once it shows its result.
func (g *Group[T]) taskDone(t *Task[T]) {
	g.release()
	g.trip(t, g.record(t))
}

// trip cancels the group if record said t's failure trips it, and wakes
// the submitters waiting for a place, which fail then (see acquire).
func (g *Group[T]) trip(t *Task[T], trip bool) {
	if trip {
		g.ctx.cancel(context.Canceled, fmt.Errorf("task: group failed: %w", t.ctx.res))
		if g.limit > 0 {
			g.wakeOne()
		}
	}
}

// record keeps t's value and error for Wait and Next.
func (g *Group[T]) record(t *Task[T]) (trip bool) {
	o := t.slot
	o.val = t.val
	if t.ctx.res != nil {
		g.mu.Lock()
		if g.errs == nil {
			g.errs = make(map[*outcome[T]]failure)
		}
		g.errs[o] = failure{t.ctx.res, &t.ctx}
		if g.failFast && g.tripped == nil && g.ctx.Err() == nil {
			g.tripped, trip = o, true
		}
		g.mu.Unlock()
	}
	return trip
}

// taskEnded makes t's end count for the group, once t shows its result, so
// that Wait and Next never return a task that has not: it queues t for
// Next and counts it out.
func (g *Group[T]) taskEnded(t *Task[T]) {
	o := t.slot
	o.done.Store(true)
	if g.nextMode.Load() {
		g.enqueue(o)
	}
	g.leave()
}

// leave counts an ended task out of pending, once its result is recorded
// and queued. The last one closes Wait's idle channel and wakes Next too:
// a Next that found no result while this task still counted may be asleep
// on ready, the token that enqueue put there having been taken already by
// the Next that returned this task's result.
func (g *Group[T]) leave() {
	if g.pending.Add(-1) != 0 {
		return
	}
	g.mu.Lock()
	if g.idle != nil && g.pending.Load() == 0 {
		close(g.idle)
		g.idle = nil
	}
	ready := g.ready
	g.mu.Unlock()
	if ready != nil {
		wake(ready)
	}
}

// wake puts a token on the 1-buffered ready, if it has none.
func wake(ready chan struct{}) {
	select {
	case ready <- struct{}{}:
	default:
	}
}

// enqueue puts an ended task's outcome on Next's queue, once.
func (g *Group[T]) enqueue(o *outcome[T]) {
	if !o.queued.CompareAndSwap(false, true) {
		return
	}
	g.mu.Lock()
	g.ended = append(g.ended, o)
	ready := g.ready
	g.mu.Unlock()
	wake(ready)
}

// Next returns the result of the next task to end, in completion order,
// waiting if none has (an await point). Tasks that had already ended when
// Next was first called come first, in submission order: the group keeps
// a completion-order queue only once Next is used, so that a group nobody
// calls Next on takes no lock when a task ends. ok is false when there is
// no result to return: err is nil if every submitted task has been returned
// already, or a wrapped ctx error if ctx was done first. Goroutines that
// call Next at once share the results between them.
func (g *Group[T]) Next(ctx context.Context) (v T, err error, ok bool) {
	g.lazy()
	if !g.nextMode.Load() {
		g.mu.Lock()
		if g.ready == nil {
			g.ready = make(chan struct{}, 1)
		}
		g.mu.Unlock()
		// From now on ending tasks queue themselves; queue those that
		// ended before, in submission order. A task ending meanwhile is
		// queued once, by whichever side gets there first.
		g.nextMode.Store(true)
		g.mu.Lock()
		var early []*outcome[T]
		g.results.each(func(o *outcome[T]) {
			if o.done.Load() {
				early = append(early, o)
			}
		})
		g.mu.Unlock()
		for _, o := range early {
			g.enqueue(o)
		}
	}
	// A Next that returns passes a wake-up on to another goroutine asleep
	// in Next, if it leaves results behind or the group is done: the
	// token on ready wakes one sleeper only.
	for {
		g.mu.Lock()
		if g.yielded < len(g.ended) {
			o := g.ended[g.yielded]
			g.ended[g.yielded] = nil
			g.yielded++
			f := g.errs[o]
			more := g.yielded < len(g.ended)
			ready := g.ready
			g.mu.Unlock()
			e := f.read()
			if more {
				wake(ready)
			}
			return o.val, e, true
		}
		ready := g.ready
		g.mu.Unlock()
		if g.pending.Load() == 0 {
			g.mu.Lock()
			more := g.yielded < len(g.ended)
			g.mu.Unlock()
			if more {
				continue
			}
			g.retire()
			wake(ready)
			return v, nil, false
		}
		p := Park(ctx)
		select {
		case <-ready:
			p.Resume()
		case <-ctx.Done():
			p.Resume()
			return v, ctxError("group next", ctx), false
		}
	}
}

// Wait waits until every task submitted so far has ended (an await point)
// and returns all values in submission order (zero for tasks that failed),
// with every error joined in submission order; with FailFast, the failure
// that cancelled the group comes first, before the errors of the tasks it
// cancelled. If ctx is done first, Wait returns a wrapped ctx error and the
// tasks go on; Close stops them.
func (g *Group[T]) Wait(ctx context.Context) ([]T, error) {
	g.lazy()
	// Under mu, no pending task means every slot pushed so far is written:
	// a push and its count happen together under mu.
	for {
		g.mu.Lock()
		if g.pending.Load() == 0 {
			break
		}
		if g.idle == nil {
			g.idle = make(chan struct{})
		}
		idle := g.idle
		g.mu.Unlock()
		p := Park(ctx)
		select {
		case <-idle:
			p.Resume()
		case <-ctx.Done():
			p.Resume()
			return nil, ctxError("group wait", ctx)
		}
	}
	defer g.retire()
	defer g.mu.Unlock()
	vals := make([]T, 0, g.results.n)
	var errs []error
	if g.tripped != nil { // the failure that cancelled the others comes first
		errs = append(errs, g.errs[g.tripped].read())
	}
	g.results.each(func(o *outcome[T]) {
		if len(g.errs) > 0 {
			if f := g.errs[o]; f.err != nil {
				if o != g.tripped {
					errs = append(errs, f.read())
				}
				var zero T
				vals = append(vals, zero)
				return
			}
		}
		vals = append(vals, o.val)
	})
	return vals, errors.Join(errs...)
}

// Close cancels the group's context, fails every submitter still blocked
// on the limit with ErrClosed, and waits for all tasks to return. Tasks
// submitted after Close fail with ErrClosed. Close may be called more than
// once.
func (g *Group[T]) Close() {
	g.lazy()
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.closing)
	}
	g.mu.Unlock()
	g.wakeOne() // waiters for a place wake one another and see closing
	g.ctx.cancel(context.Canceled, ErrClosed)
	for {
		g.mu.Lock()
		if g.pending.Load() == 0 {
			g.mu.Unlock()
			g.retire()
			g.workers.Wait()
			return
		}
		if g.idle == nil {
			g.idle = make(chan struct{})
		}
		idle := g.idle
		g.mu.Unlock()
		<-idle
	}
}
