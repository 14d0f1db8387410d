package task

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/spool-go/spool/internal/frames"
	"github.com/spool-go/spool/internal/wait"
)

// ErrClosed is the error of a task submitted to a Group after Close.
var ErrClosed = errors.New("task: group closed")

// errNotRun is the error of a task of a group made with On whose
// Executor's RunTask returned without starting it.
var errNotRun = fmt.Errorf("task: Group: the Executor's RunTask returned without running the task: %w", ErrNotStarted)

// GroupOption configures a [Group].
type GroupOption func(*groupConfig)

type groupConfig struct {
	limit    int
	failFast bool
	exec     Executor // On's, or nil
	bad      string   // the first bad option, for NewGroup's panic
}

// Limit bounds how many of the group's tasks run at once. When there is no
// place, [Group.Go] waits for one (or, for a submission with a context of
// the group, runs fn itself: see Group.Go) and [Group.TryGo] refuses. n
// must be positive: [NewGroup] panics on Limit(0).
func Limit(n int) GroupOption {
	return func(c *groupConfig) {
		if n <= 0 {
			if c.bad == "" {
				c.bad = fmt.Sprintf("Limit must be positive (got %d)", n)
			}
			return
		}
		c.limit = n
	}
}

// FailFast makes the first failing task (an error or a panic) cancel the
// group's context: running tasks see it, tasks submitted after it with Go
// fail at once without running (a Go waiting for a place under the limit
// too: it does not wait for the running tasks to end), and TryGo refuses
// them. Wait's error then leads with that failure and sums up in one
// error the tasks it cancelled or refused (see [Group.Wait]). As with
// errgroup.WithContext, context.Cause of the group's context (and of the
// contexts of the tasks it cancelled) is then the failure, wrapped:
// "task: group failed: " and its error, which errors.Is finds.
func FailFast() GroupOption { return func(c *groupConfig) { c.failFast = true } }

// Group runs many tasks of one type and collects their results: tokio's
// JoinSet. Each task's result is delivered once: [Group.Next] returns the
// results one at a time in completion order, as join_next does, and
// [Group.Wait] returns the rest in submission order, as join_all does:
// those of the tasks submitted since the last Wait that Next has not
// returned. The group forgets a result once it has delivered it, so it
// holds only the results not yet delivered: a group may live for good,
// as a JoinSet that a loop drains with Next over millions of tasks, or
// serve batch after batch, each Wait returning its own batch. (Results
// are stored in blocks of up to 4 KiB: a task still running keeps its
// block, with the delivered slots around it zeroed, until it ends.) Every task
// runs under the group's context, a child of the context given to
// NewGroup, which [Group.Close] cancels.
//
// Tasks run on goroutines the group reuses: a goroutine that ends a task
// takes the next one submitted, so a busy group starts few goroutines.
// Idle ones end when Wait returns, when Next has returned every result,
// and at Close: so a JoinSet drained with Next that always has a task
// running keeps the goroutines of its busiest moment parked (one for each
// task that ran at once then, a few KiB each) until it next runs dry. A
// nested submission to a full group runs on the submitter's goroutine
// instead (see [Group.Go]). A group made with [On] runs each task through
// its executor on those goroutines: task.On(r) makes each take a worker
// slot of the runtime r (package rt) as it starts, as rt.Spawn's do.
//
// Call Close when done with a group (defer g.Close()): it cancels what is
// still running, fails submitters blocked on the limit, and waits for every
// task and goroutine of the group to end, so nothing outlives the group.
// A group left without Close, Wait, or a Next that has returned every
// result keeps its idle goroutines parked for good, and they keep the
// group alive: a panic in one of its tasks that nobody read is then never
// reported to OnUnobservedPanic either.
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
	exec     Executor // runs the tasks (On), or nil: they run on the group's goroutines as they are

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
	results chunked[T]              // the outcomes not yet delivered, in submission order (mu)
	errs    map[*outcome[T]]failure // the errors of failed tasks not yet delivered (mu)
	errsMax int                     // the most errs has held since it was made (mu): see forgetErr
	pending atomic.Int64            // submitted and not ended
	// With FailFast, the failure that cancelled the group (mu): tripErr
	// is its error, set for good once one did, and tripCause the cause
	// given to the group's cancel, "task: group failed: " and tripErr,
	// which is also the error of the tasks refused after it; tripOut is
	// its outcome until Next or Wait delivers it.
	tripErr   error
	tripCause error
	tripOut   *outcome[T]
	// Next's completion-order queue, kept only once Next has been called:
	// until then an ending task touches no lock.
	nextMode atomic.Bool
	ended    []*outcome[T] // ended[yielded:] wait for Next (mu)
	yielded  int           // mu
	idle     chan struct{}
	ready    chan struct{} // 1-buffered: a task ended; made by the first Next
	closed   bool
}

// outcome is one task's result, in a slot that never moves: the task
// writes it when it ends, without the group's lock. Errors live in the
// group's errs map, so that for a T without pointers the slots hold none
// and the collector never scans them: a group of a million tasks keeps
// tens of megabytes of slots that would otherwise be rescanned at every
// collection. The state and the chunk's number share one word, which the
// two flags it replaced padded already: an outcome[int] is 16 bytes, as
// it was.
type outcome[T any] struct {
	val   T
	state atomic.Uint32 // outRecorded, outDone, outQueued, outTaken
	chunk uint32        // its chunk's index in the list (mu): see chunked
}

// The bits of an outcome's state, set in this order.
const (
	outDone     = 1 << iota // the task shows its result and counts out
	outQueued               // on Next's queue, or delivered by Wait
	outTaken                // delivered: Next returned it
	outRecorded             // val is written, and the error if any
)

// chunked is the list of a group's outcomes not yet delivered, in
// submission order. Its elements never move, since a task writes its
// outcome through a pointer: the list grows by adding chunks, from 16
// elements up to maxChunk's each, so a small group stays small and a group
// of millions never copies its results. Each chunk counts its outcomes
// not yet delivered; once a full chunk has delivered them all (Next
// delivers them one by one, in any order), deliver drops it, and compact
// now and then takes the dropped chunks out of the index, renumbering the
// outcomes of the chunks it moves. So a group used as a JoinSet holds
// only the chunks that have results still to deliver, and the one it
// fills, however many tasks it has run; the outcomes delivered in a chunk
// it holds have their values zeroed. Wait, which delivers them all,
// starts a new list. A chunk that has one outcome left to deliver (a
// task that runs long among short ones) keeps its whole storage: chunks
// are bounded in bytes (chunkBytes), so that such a straggler keeps at
// most 4 KiB of outcomes alive, not 1,024 of them (270 KB for a
// 256-byte result, in a report of a JoinSet with one task in 1,000
// running long).
type chunked[T any] struct {
	chunks []chunk[T]
	made   int // chunks made since the list started: the first ones are small
	n      int // outcomes pushed since the list started
	live   int // outcomes not delivered
	freed  int // chunks dropped and still in the index
}

type chunk[T any] struct {
	items []outcome[T] // nil once dropped
	live  int          // outcomes pushed here and not delivered
}

// Chunks hold up to chunkBytes of outcomes, and from 16 to 1,024 of them.
const (
	chunkBytes = 4 << 10
	chunkMin   = 16
	chunkMax   = 1024
)

// maxChunk is the most outcomes a chunk of l holds: 256 for an int
// result, 16 for one of 256 bytes or more.
func (l *chunked[T]) maxChunk() int {
	return min(chunkMax, max(chunkMin, chunkBytes/int(unsafe.Sizeof(outcome[T]{}))))
}

// push appends a zero outcome and returns it. g.mu must be held.
func (l *chunked[T]) push() *outcome[T] {
	k := len(l.chunks)
	if k == 0 || len(l.chunks[k-1].items) == cap(l.chunks[k-1].items) { // a dropped chunk is full
		size := l.maxChunk()
		if l.made < 6 {
			size = min(size, chunkMin<<l.made) // 16 ... 512
		}
		l.made++
		l.chunks = append(l.chunks, chunk[T]{items: make([]outcome[T], 0, size)})
		k++
	}
	c := &l.chunks[k-1]
	c.items = c.items[:len(c.items)+1]
	c.live++
	l.live++
	l.n++
	o := &c.items[len(c.items)-1]
	o.chunk = uint32(k - 1)
	return o
}

// deliver returns o's value and forgets o: it drops o's chunk if that was
// its last outcome to deliver, or else zeroes o's value, which may hold
// the only reference to something large. o has ended. g.mu must be held.
func (l *chunked[T]) deliver(o *outcome[T]) T {
	v := o.val
	o.state.Store(outDone | outQueued | outTaken)
	c := &l.chunks[o.chunk]
	c.live--
	l.live--
	if c.live == 0 && len(c.items) == cap(c.items) {
		c.items = nil
		if l.freed++; l.freed >= 4 && 2*l.freed >= len(l.chunks) {
			l.compact()
		}
	} else {
		var zero T
		o.val = zero
	}
	return v
}

// compact takes the dropped chunks out of the index. It renumbers the
// outcomes of every chunk it moves, a write per outcome; it runs once the
// dropped chunks are at least half of the index, so that costs at most
// one write per outcome delivered since the last compact.
func (l *chunked[T]) compact() {
	j := 0
	for i := range l.chunks {
		c := l.chunks[i]
		if c.items == nil {
			continue
		}
		if i != j {
			for k := range c.items {
				c.items[k].chunk = uint32(j)
			}
			l.chunks[j] = c
		}
		j++
	}
	clear(l.chunks[j:])
	l.chunks = l.chunks[:j]
	if cap(l.chunks) > 64 && cap(l.chunks) > 4*j { // after a burst
		l.chunks = append([]chunk[T](nil), l.chunks...)
	}
	l.freed = 0
}

// each calls f with every outcome not yet delivered by Next, in order.
func (l *chunked[T]) each(f func(*outcome[T])) {
	taken := l.live < l.n // else no outcome is taken: skip the test
	for _, c := range l.chunks {
		for i := range c.items {
			if o := &c.items[i]; !taken || o.state.Load()&outTaken == 0 {
				f(o)
			}
		}
	}
}

// NewGroup returns a group whose tasks run under a child of ctx. Having
// no error result, it panics on bad input, at once: a nil ctx ("task:
// NewGroup: nil context"), a nil option, or a bad option value, as in
// "task: NewGroup: Limit must be positive (got 0)".
func NewGroup[T any](ctx context.Context, opts ...GroupOption) *Group[T] {
	if ctx == nil {
		panic("task: NewGroup: nil context")
	}
	var c groupConfig
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("task: NewGroup: option must not be nil (got nil at index %d)", i))
		}
		o(&c)
	}
	if c.bad != "" {
		panic("task: NewGroup: " + c.bad)
	}
	g := new(Group[T])
	g.once.Do(func() { g.setup(ctx, c) })
	return g
}

// setup makes g ready, once, before anything else touches it.
func (g *Group[T]) setup(ctx context.Context, c groupConfig) {
	g.failFast = c.failFast
	g.exec = c.exec
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

// Len returns how many of the group's tasks have results that Next or
// Wait have not delivered yet: tasks queued, running, and ended but not
// yet returned (tokio's JoinSet::len), for a progress report, say. A task
// refused at Go (with ErrClosed, say) counts too, until its failure is
// delivered; one that TryGo refused does not. To drain a group, call Next
// until ok is false rather than while Len is above 0: the Next that finds
// nothing left is the one that lets the group's idle goroutines go.
// Len takes the group's lock.
func (g *Group[T]) Len() int {
	g.lazy()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.results.live
}

// Context returns the group's context. It is done once the group is closed,
// its parent is done, or (with FailFast) a task failed.
func (g *Group[T]) Context() context.Context {
	g.lazy()
	return &g.ctx
}

// Go starts fn as one of the group's tasks and returns it. fn receives a
// child of the group's context. If the group has a limit and it is
// reached, Go waits for a place (an await point). If the group is closed
// or, with [FailFast], its context has ended (a failure, or the parent's
// end), or if ctx is done, when Go is called or before a place comes
// free, the returned task has already failed and fn never runs: with
// ErrClosed, with the group's failure, or with an error that matches both
// [ErrNotStarted] and the ended context's error. Either way the task
// counts in the group's results (Next, Wait). Without FailFast, a group
// whose parent has ended still starts fn, as errgroup does, with the
// group's ended context: fn should look at it first (every task of the
// group sees the cancel so; Go's ctx decides whether fn starts). Go
// panics if ctx is nil ("task: Group.Go: nil context").
//
// ctx bounds Go itself: the wait for a place, and whether fn may start at
// all. It also picks the caller-runs rule below. It is not fn's context:
// a ctx that ends after Go has returned does not cancel the task. To tie
// tasks to a request, make the group from the request's context
// (NewGroup(r.Context())), whose end cancels every task, or cancel the
// task ([Task.Cancel]) when the request ends.
//
// Nested submission: if the limit is reached and ctx descends from the
// group's own context (a task of the group submitting with its context, or
// g.Context()), fn runs at once on the caller's goroutine instead, and Go
// returns its ended task: the caller-runs rule, as package pool's. Waiting
// there could deadlock, since the places may all be held by tasks that wait
// for what they submit (conc#88, ants#197). A task that submits so is busy
// meanwhile, so no more of the group's functions run at once than the
// limit; but any other goroutine that passes a context of the group runs
// one more: g.Context() from outside, or a goroutine that a task started
// with its context (a task that fans out 4 such goroutines, each
// submitting, runs up to 4 over the limit; have the task submit itself,
// or use a context not derived from the group's). A submission with an
// unrelated context waits as any other does.
// On a runtime (package rt), a caller that runs fn so keeps its slot for
// the whole call: fn's context holds no slot, so fn's await points do not
// give it back. And fn runs as part of the caller's task: if fn calls
// runtime.Goexit (t.Fatal in a test does), the goroutine ends, and the
// caller's task with it (it ends with ErrGoexit, the rest of its
// function not run), where a task run on the group's workers ends alone.
//
// Go costs one allocation of its own (the Task: 160 B for an int). It starts a
// goroutine only when no worker of the group is free or on its way to the
// queue (BenchmarkGroup). Looking at ctx first costs about 2 ns: ctx.Err,
// an atomic load for package context's contexts since Go 1.26, is no
// dearer than ctx.Done's nil test and, unlike Done, never makes a channel.
func (g *Group[T]) Go(ctx context.Context, fn func(context.Context) (T, error)) *Task[T] {
	if ctx == nil {
		panic("task: Group.Go: nil context")
	}
	g.lazy()
	if ctx.Err() != nil {
		return g.refuseDone(ctx)
	}
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

// refuseDone returns Go's failed task for a ctx that has ended: with the
// group's own refusal if it has one (FailFast's failure, then ErrClosed,
// as start refuses), else with ErrNotStarted and ctx's error.
func (g *Group[T]) refuseDone(ctx context.Context) *Task[T] {
	if g.failFast && g.ctx.Err() != nil {
		return g.refuse(g.failedErr())
	}
	if g.isClosed() {
		return g.refuse(ErrClosed)
	}
	return g.refuse(notStarted(ctx))
}

// notStarted is the error of a task that Go did not start because ctx
// ended: it matches ErrNotStarted, ctx's error and ctx's cause, as a
// Queued task's does.
func notStarted(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w: %w", ErrNotStarted, err, cause)
	}
	return fmt.Errorf("%w: %w", ErrNotStarted, err)
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
// tasks ignoring their context may keep for long. The end of a FailFast
// group's parent puts none (watching it would cost every group): waiters
// refuse once a place comes free, as the cancelled running tasks give
// theirs back.
func (g *Group[T]) acquire(ctx context.Context) error {
	p := Park(ctx)
	defer p.Resume()
	for {
		g.waiting.Add(1)
		// After counting itself waiting: a trip whose cancel this look
		// misses puts its token on freed later, and whoever takes it sees
		// this waiter counted and passes it on.
		if g.failFast && g.ctx.Err() != nil { // failed, closed, or its parent ended
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
				return notStarted(ctx)
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
func (g *Group[T]) wakeOne() { wait.Wake(g.freed) }

// passOn wakes a waiter if a place is free.
func (g *Group[T]) passOn() {
	if g.waiting.Load() > 0 && g.running.Load() < g.limit {
		g.wakeOne()
	}
}

// TryGo starts fn if the group is under its limit, not closed and (with
// FailFast) its context has not ended, and reports whether it did. A task it starts
// is one of the group's as Go's are: Next or Wait delivers its result.
// When it did not, it returns nil and the group records nothing: fn never
// runs, and Next and Wait do not count it. A nil fn is taken, as with Go:
// its task has failed with ErrNilFunc.
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
// nothing, if the group is closed or (with FailFast) its context ended.
func (g *Group[T]) start(fn func(context.Context) (T, error), try, inline bool) *Task[T] {
	if g.failFast && g.ctx.Err() != nil { // failed, closed, or its parent ended
		g.release()
		if try { // TryGo records nothing it did not start
			return nil
		}
		return g.refuse(g.failedErr())
	}
	exec := g.exec
	if inline {
		exec = nil // the submitter's own work (see Executor)
	}
	var opts []PrepareOption
	if exec != nil {
		opts = []PrepareOption{{slot: exec.TaskSlot(fn)}}
	}
	t, j := prepare(&g.ctx, fn, opts)
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
	// Under mu, after the look at closed: a task Accept took is always
	// queued, and so always goes to RunTask.
	if exec != nil {
		if err := exec.Accept(g.ctx.parent, j); err != nil {
			g.mu.Unlock()
			g.release()
			j.Abort(err)
			if try { // TryGo records nothing it did not start
				return nil
			}
			return g.track(t)
		}
	}
	t.slot = g.results.push()
	g.pending.Add(1)
	t.group = g // t has not run: the queue publishes this
	if inline {
		g.mu.Unlock()
		runJob(unsafe.Pointer(g), j, nil)
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
			runJob(unsafe.Pointer(g), j, g.exec)
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
	g.trip(g.record(t))
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
// context has ended: tripCause, if a task's failure ended it ("task: group
// failed: " and the failure, the same error every time: record knows a
// refusal by it); ErrClosed if Close did; or else, as the parent context
// ended it and no task failed, the error of a task not started because
// its context ended (ErrNotStarted, the context's error and its cause),
// as a group without FailFast gives a Go whose ctx has ended. It said
// "task: group failed" there, though nothing had.
func (g *Group[T]) failedErr() error {
	g.mu.Lock()
	cause := g.tripCause
	g.mu.Unlock()
	closed := g.isClosed()
	switch {
	case cause != nil && closed:
		// Close's doc promises ErrClosed; the failure tells why the group
		// ended first. The error matches both.
		return closedAfterFailure{cause}
	case cause != nil:
		return cause
	case closed:
		return ErrClosed
	}
	return notStarted(&g.ctx)
}

// closedAfterFailure is the error of a task submitted to a FailFast group
// that failed and was then closed: it matches ErrClosed and the failure.
type closedAfterFailure struct{ cause error }

func (e closedAfterFailure) Error() string {
	return ErrClosed.Error() + " after it " + strings.TrimPrefix(e.cause.Error(), "task: group ")
}
func (e closedAfterFailure) Unwrap() []error { return []error{ErrClosed, e.cause} }

// failure is a failed task's error, and its context, through which
// reading the error marks a panic in it as seen (see OnUnobservedPanic).
// caused says the failure is a consequence of a FailFast group's
// failure (see consequence): Wait counts it rather than listing it.
type failure struct {
	err    error
	ctx    *taskCtx
	caused bool
}

// read returns the error, which the caller hands to the group's user.
func (f failure) read() error {
	if f.ctx != nil {
		f.ctx.observe()
	}
	return f.err
}

// taskDone is called by a group task as it ends, before the task itself
// shows its result: it records the result, cancels a FailFast group that
// the failure trips (so whoever sees the failure, through the task or
// through Wait, finds the group cancelled), and then gives back the task's
// place under the limit, so that a Go waiting for the place finds the
// group failed too, rather than start its task. The task calls taskEnded
// once it shows its result.
func (g *Group[T]) taskDone(t *Task[T]) {
	g.trip(g.record(t))
	g.release()
}

// trip cancels the group with cause, if record returned one (a task's
// failure trips the group), and wakes the submitters waiting for a place,
// which fail then (see acquire).
func (g *Group[T]) trip(cause error) {
	if cause != nil {
		g.ctx.cancel(context.Canceled, cause)
		if g.limit > 0 {
			g.wakeOne()
		}
	}
}

// record keeps t's value and error for Wait and Next. If t's failure
// trips a FailFast group, it returns the cause to cancel the group with.
func (g *Group[T]) record(t *Task[T]) (trip error) {
	o := t.slot
	o.val = t.val
	defer o.state.Store(outRecorded)
	if err := t.ctx.res; err != nil {
		g.mu.Lock()
		if g.errs == nil {
			g.errs = make(map[*outcome[T]]failure)
		}
		f := failure{err: err, ctx: &t.ctx}
		if g.failFast {
			if g.tripErr == nil && g.ctx.Err() == nil {
				g.tripOut, g.tripErr = o, err
				g.tripCause = fmt.Errorf("task: group failed: %w", err)
				trip = g.tripCause
			} else if g.tripErr != nil {
				f.caused = g.consequence(err)
			}
		}
		g.errs[o] = f
		g.errsMax = max(g.errsMax, len(g.errs))
		g.mu.Unlock()
	}
	return trip
}

// consequence reports whether err, the error of a task that ended after
// a FailFast group's failure, is a consequence of that failure rather
// than a failure of its own: it is not a panic, and it matches
// context.Canceled (what a task the group's cancel reached returns) or
// tripCause (the error of a task refused because the group had failed,
// or one passed on by a task that awaited such a task). A task cancelled
// meanwhile for another reason counts too: nothing tells them apart.
// g.mu is held.
func (g *Group[T]) consequence(err error) bool {
	var pe *PanicError
	if errors.As(err, &pe) {
		return false // a panic is always the task's own
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, g.tripCause)
}

// taskEnded makes t's end count for the group, once t shows its result, so
// that Wait and Next never return a task that has not: it queues t for
// Next and counts it out. t lets go of its outcome, whose chunk the group
// may drop once it is delivered, though the user keep t.
func (g *Group[T]) taskEnded(t *Task[T]) {
	o := t.slot
	t.slot = nil
	if old := o.state.Or(outDone); old&outQueued != 0 {
		// Next's first look queued it, recorded, in its place in
		// submission order, as the task was showing its result: a Next
		// may be waiting for it at the head of the queue.
		g.mu.Lock()
		ready := g.ready
		g.mu.Unlock()
		wait.Wake(ready)
	} else if g.nextMode.Load() {
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
		wait.Wake(ready)
	}
}

// enqueue puts an ended task's outcome on Next's queue, once.
func (g *Group[T]) enqueue(o *outcome[T]) {
	if !o.queue(outDone) {
		return
	}
	g.mu.Lock()
	g.ended = append(g.ended, o)
	ready := g.ready
	g.mu.Unlock()
	wait.Wake(ready)
}

// queue marks o queued for Next, if it has one of the state bits in has
// and is not queued yet, and reports whether it did.
func (o *outcome[T]) queue(has uint32) bool {
	for {
		s := o.state.Load()
		if s&has == 0 || s&outQueued != 0 {
			return false
		}
		if o.state.CompareAndSwap(s, s|outQueued) {
			return true
		}
	}
}

// Next returns the result of the next task to end, in completion order,
// waiting if none has (an await point), and forgets it: neither Next nor
// Wait returns that task's result again. Tasks that had already ended when
// Next was first called come first, in submission order: the group keeps
// a completion-order queue only once Next is used, so that a group nobody
// calls Next on takes no lock when a task ends. ok is false when there is
// no result to return: err is nil if every submitted task's result has
// been delivered already (by Next or Wait), or a wrapped ctx error if ctx
// was done first. A result ready when Next looks comes first, even if ctx
// is done: Next with a done ctx never waits, as tokio's try_join_next.
// Goroutines that call Next at once share the results between them. err
// is the task's own error, as Await returns it, even when Wait would
// count it in a FailFast group's summary. Next panics if ctx is nil.
func (g *Group[T]) Next(ctx context.Context) (v T, err error, ok bool) {
	if ctx == nil {
		panic("task: Group.Next: nil context")
	}
	g.lazy()
	if !g.nextMode.Load() {
		// From now on ending tasks queue themselves; queue those that
		// ended before, in submission order. A task ending meanwhile is
		// queued once, by whichever side gets there first (the state's
		// CompareAndSwap). It is done under mu, so that a Wait cannot
		// deliver an outcome between this look and its queueing.
		g.mu.Lock()
		if g.ready == nil {
			g.ready = make(chan struct{}, 1)
		}
		g.nextMode.Store(true)
		g.results.each(func(o *outcome[T]) {
			// A task that has recorded its result but not yet counted
			// out (it is showing its result, and may have shown it to
			// the caller) takes its place too; Next waits for it there.
			if o.queue(outDone | outRecorded) {
				g.ended = append(g.ended, o)
			}
		})
		g.mu.Unlock()
	}
	// A Next that returns passes a wake-up on to another goroutine asleep
	// in Next, if it leaves results behind or the group is done: the
	// token on ready wakes one sleeper only.
	for {
		g.mu.Lock()
		if g.yielded < len(g.ended) && g.ended[g.yielded].state.Load()&outDone != 0 {
			o := g.ended[g.yielded]
			g.ended[g.yielded] = nil
			g.yielded++
			g.trimEnded()
			more := g.yielded < len(g.ended)
			var f failure
			if len(g.errs) > 0 {
				f = g.forgetErr(o)
			}
			if o == g.tripOut {
				g.tripOut = nil
			}
			v := g.results.deliver(o)
			ready := g.ready
			g.mu.Unlock()
			e := f.read()
			if more {
				wait.Wake(ready)
			}
			return v, e, true
		}
		ready := g.ready
		g.mu.Unlock()
		if g.pending.Load() == 0 {
			g.mu.Lock()
			more := g.yielded < len(g.ended)
			g.mu.Unlock()
			if more {
				continue // every task has counted out: the head is done
			}
			g.retire()
			wait.Wake(ready)
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

// resetEnded empties Next's queue, whose entries are all nil or to be
// forgotten, and drops its array after a burst. g.mu must be held.
func (g *Group[T]) resetEnded() {
	if cap(g.ended) > 1024 {
		g.ended = nil
	} else {
		g.ended = g.ended[:0]
	}
	g.yielded = 0
}

// trimEnded keeps Next's queue from growing for good while Next keeps up
// with the tasks only in part: once the results Next has taken are half
// of it, it moves the rest to the front. g.mu must be held.
func (g *Group[T]) trimEnded() {
	switch n := len(g.ended) - g.yielded; {
	case n == 0:
		g.resetEnded()
	case g.yielded >= 256 && g.yielded >= n:
		copy(g.ended, g.ended[g.yielded:])
		clear(g.ended[n:])
		g.ended = g.ended[:n]
		g.yielded = 0
	}
}

// forgetErr returns o's failure, if any, and deletes it from errs. A map
// never shrinks, so errs goes once it is empty, or is made again once it
// holds less than an eighth of what it held: a burst of failures leaves
// nothing behind once Next has delivered them. g.mu must be held.
func (g *Group[T]) forgetErr(o *outcome[T]) failure {
	f, ok := g.errs[o]
	if !ok {
		return f
	}
	delete(g.errs, o)
	switch n := len(g.errs); {
	case n == 0:
		g.errs, g.errsMax = nil, 0
	case g.errsMax >= 1024 && n < g.errsMax/8:
		m := make(map[*outcome[T]]failure, n)
		for k, v := range g.errs {
			m[k] = v
		}
		g.errs, g.errsMax = m, n
	}
	return f
}

// Wait waits until the group is idle, every task submitted has ended,
// including those submitted while it waits (as errgroup's Wait does: a
// group fed without pause keeps it waiting), an await point, and returns
// the results that neither Next nor an earlier Wait has
// delivered: those of the tasks submitted since the last Wait (or since
// the group was made) that Next has not returned, in submission order. The
// group forgets them: a later Wait returns only tasks submitted after this
// one. Without Next, vals[i] is the value of the i-th task submitted since
// the last Wait (by Go, or by a TryGo that took it); it is zero for a task
// that failed.
//
// The error joins those tasks' errors, in submission order. With
// FailFast, once a task's failure has cancelled the group it is, in this
// order: that failure (unless Next or an earlier Wait returned it), the
// errors of the tasks that failed on their own, then one error that
// stands for all the tasks the failure cancelled or refused, "task: 9,992
// more tasks cancelled or not started after the group failed" (without
// "more", and followed by the failure, when the failure is not in the same
// error). A task counts there rather than in the list when it ended after
// the failure with an error that is not a panic and that matches
// context.Canceled, as a task the group's cancel reached returns (a task
// cancelled meanwhile for another reason too: nothing tells them apart),
// or the failure's refusal, "task: group failed: " and the failure, which
// Go's refused tasks return (a task that returns the error of one it
// awaited too). The summary unwraps to that refusal, which wraps the
// failure, so errors.Is and errors.As find the failure in Wait's error
// either way. Panics are read, and so marked seen, summarised or not.
//
// If ctx is done first, Wait returns a wrapped ctx error, delivers nothing
// and the tasks go on; Close stops them. Wait panics if ctx is nil.
func (g *Group[T]) Wait(ctx context.Context) ([]T, error) {
	if ctx == nil {
		panic("task: Group.Wait: nil context")
	}
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
	vals := make([]T, 0, g.results.live)
	var errs []error
	trip := g.tripOut
	if trip != nil { // the failure that cancelled the others comes first
		errs = append(errs, g.errs[trip].read())
	}
	after := 0 // failures that trip caused
	g.results.each(func(o *outcome[T]) {
		if len(g.errs) > 0 {
			if f, ok := g.errs[o]; ok {
				if o != trip {
					if err := f.read(); f.caused {
						after++
					} else {
						errs = append(errs, err)
					}
				}
				var zero T
				vals = append(vals, zero)
				return
			}
		}
		vals = append(vals, o.val)
	})
	if after > 0 {
		errs = append(errs, &afterTrip{n: after, more: trip != nil, err: g.tripErr, cause: g.tripCause})
	}
	// Every result is delivered now, Next's queue included: start afresh.
	g.results = chunked[T]{}
	g.errs, g.errsMax, g.tripOut = nil, 0, nil
	clear(g.ended)
	g.resetEnded()
	return vals, errors.Join(errs...)
}

// afterTrip stands, in Wait's error, for the n tasks that a FailFast
// group's failure cancelled or refused (see Wait): one error rather than
// one per task, which for a big group was most of the error.
type afterTrip struct {
	n     int
	more  bool  // the failure leads the same error
	err   error // the failure
	cause error // its refusal, "task: group failed: " and err
}

func (e *afterTrip) Error() string {
	tasks := "tasks"
	if e.n == 1 {
		tasks = "task"
	}
	if e.more {
		return fmt.Sprintf("task: %s more %s cancelled or not started after the group failed", thousands(e.n), tasks)
	}
	return fmt.Sprintf("task: %s %s cancelled or not started after the group failed: %v", thousands(e.n), tasks, e.err)
}

// Unwrap returns the failure's refusal, which wraps the failure.
func (e *afterTrip) Unwrap() error { return e.cause }

// thousands formats n, not negative, with commas: 9,992.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Close cancels the group's context, fails every submitter still blocked
// on the limit with ErrClosed, and waits for all tasks to return. The wait
// is an await point for the context the group was made with: a runtime
// task that made the group gives its slot back while it waits (its
// group's tasks may need the slot to return: a deferred Close without it
// hung a 1-slot runtime). Close has no context of its own to tell its
// caller by, so call it from the task that made the group (defer
// g.Close()), or once that task has ended: from another goroutine while
// that task runs, it gives the task's slot back all the same, and the
// runtime's bound does not hold while Close waits, as for any await point
// given a task's context on another goroutine (see package rt). Tasks
// submitted after Close fail with ErrClosed (after a FailFast group's
// failure, with an error that matches the failure too: "task: group
// closed after it failed: ..."). Results not yet delivered
// stay for Next and Wait. Close may be called more than once.
//
// Called from one of the group's own tasks (one that found the answer
// stops its siblings), Close cancels the group and returns without
// waiting for the tasks to end: its caller's task cannot end while it
// waits, and the others may wait for it. It finds its caller among the
// group's tasks by its stack (3-6 µs), once it has waited 50 ms. The
// creator's Close or Wait waits for them all. Only the task's own
// goroutine is known so: a Close from a goroutine that a task started
// and waits for, or from a task run inline deep in a task of another
// group (past the 50 frames a traceback shows of each end of a stack),
// waits for good.
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
	var (
		pk             Parked
		parked, looked bool
	)
	defer func() {
		if parked {
			pk.Resume()
		}
	}()
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
		if !parked {
			// An await point, with the context the group was made with:
			// a task of a runtime that made it gives its slot back while
			// its tasks end, which they may need the slot for (a 1-slot
			// runtime hung in a deferred Close).
			pk, parked = Park(g.ctx.parent), true
		}
		if !looked {
			// A task of the group that closes it cannot wait for itself:
			// once Close has waited frames.StallAfter, it looks whether it runs
			// in one (the look reads its stack, 3-6 µs), and returns if so.
			looked = true
			stall := time.NewTimer(frames.StallAfter)
			select {
			case <-idle:
				stall.Stop()
				continue
			case <-stall.C:
			}
			if g.inside() {
				return // its task cannot end while it waits (see Close)
			}
		}
		<-idle
	}
}

// runJob runs j, a task of the group at g, on the calling goroutine. Its
// frame on a stack, with g's address for first argument, marks the
// goroutine as running a task of g, for Close (see inside).
//
// g is kept alive past the call, so that it is spilled to its slot,
// which tracebacks print (unused, the slot holds whatever was there).
//
//go:noinline
func runJob(g unsafe.Pointer, j Job, exec Executor) {
	if exec != nil {
		exec.RunTask(j)
		// An Executor that returned without starting it (a bug of its
		// own): the task must still end, or Wait waits for good.
		if a, ok := j.(interface{ abortUnclaimed(error) }); ok {
			a.abortUnclaimed(errNotRun)
		}
	} else {
		j.Run()
	}
	runtime.KeepAlive(g)
}

// runJobFrame is the name tracebacks give runJob.
var runJobFrame = sync.OnceValue(func() string { return frames.Name(runJob) })

// inside reports whether the caller runs one of g's tasks: whether its
// stack has a runJob frame of g. A traceback leaves out the middle of a
// deep stack (it prints the innermost and outermost 50 frames), where a
// task of g run inline in a task of another group may hide: such a Close
// waits for good. A worker's runJob is always among the outermost.
func (g *Group[T]) inside() bool { return frames.Has(runJobFrame(), uintptr(unsafe.Pointer(g))) }
