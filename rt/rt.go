package rt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/wait"
	"github.com/spool-go/spool/task"
)

// ErrClosed is the error of a task spawned on a runtime that is shutting
// down or shut down.
var ErrClosed = errors.New("rt: runtime closed")

// ErrShutdown is the cause (context.Cause) of the contexts that
// [Runtime.Shutdown] cancels once its ctx has ended. A task it so kept
// from starting (waiting for a worker slot, or queued for the blocking
// pool) fails with an error that matches ErrShutdown, task.ErrNotStarted
// and context.Canceled, as pool.ErrShutdown does for a pool's queued
// tasks; a running task's function sees it as its context's cause. It
// tells Shutdown's cancel from the caller's own.
var ErrShutdown = errors.New("rt: shut down")

// ErrNilRuntime is the error of a task spawned on a nil *Runtime, or on
// one not made by New.
var ErrNilRuntime = errors.New("rt: nil runtime (make one with rt.New)")

// ErrShutdownFromTask is the error of a [Runtime.Shutdown] given the
// context of one of the runtime's own live tasks, or a context derived
// from it: as when a task shuts its runtime down with its own ctx.
// Shutdown would wait for that task, which waits for Shutdown, until the
// context ended. It returns this error at once instead and changes
// nothing.
var ErrShutdownFromTask = errors.New("rt: shutdown: called with the context of one of the runtime's own tasks, " +
	"which Shutdown would wait for (call it from outside the runtime's tasks, with a context of its own)")

// zero reports whether r is nil or was not made by New.
func (r *Runtime) zero() bool { return r == nil || r.base == nil }

// Runtime is a budget of worker slots, a blocking pool and a blocking
// detector; see the package documentation. Make one with [New], spawn
// tasks on it with [Spawn], [SpawnBlocking] and [BlockOn], and stop it with
// [Runtime.Shutdown], which also stops the goroutines the runtime owns.
// A Runtime is safe for concurrent use.
type Runtime struct {
	cfg   config
	epoch time.Time
	sem   sem
	hold  histogram  // slot hold times
	held  holders    // the tasks holding a slot, for the detector, and a count of slots taken
	seen  []seenCell // the detector's view of held's cells (its goroutine only)
	wait  histogram  // slot wait times

	base context.Context // pprof labels: the runtime's name
	blab context.Context // pprof labels of blocking tasks

	closed    atomic.Bool   // mirrors isClosed for Spawn's fast refusal
	capacity  atomic.Int64  // workers, plus unbounded once Shutdown opened the gates
	coarse    atomic.Int64  // now, as of the detector's last look
	fastTakes atomic.Uint64 // the most slot takes without a wait a Metrics snapshot has reported
	// detParked is set while the detector sleeps because no task held a
	// slot for parkAfter looks; the next task to take a slot wakes it
	// (wakeDetector), through detWake.
	detParked atomic.Bool
	detGone   atomic.Bool // the detector has stopped (Shutdown): coarse is frozen
	inReport  atomic.Bool // the detector is logging a report or calling OnBlocking

	mu     sync.Mutex
	head   *entry // the registry of live tasks
	tasks  int    // live async tasks
	btasks int    // live blocking tasks (queued or running)
	// Outcomes, as in package pool: every task spawned is live (tasks,
	// btasks) or counted in exactly one of completed, failed, panicked and
	// cancelled, in the same step as it leaves the registry (see exit).
	spawned   uint64
	completed uint64 // ran and returned nil
	failed    uint64 // ran and returned an error, not a panic
	panicked  uint64 // ran and panicked, or called runtime.Goexit
	reports   uint64
	isClosed  bool
	aborted   bool          // Shutdown's context ended: r takes no task at all
	drained   chan struct{} // made by Shutdown, closed once nothing is left
	bp        blockingPool
	labFree   []*labels // spare label sets, at most maxLabFree

	detStop  chan struct{}
	detDone  chan struct{}
	detWake  chan struct{} // 1-buffered: one wake per park
	scans    atomic.Uint64 // the detector's looks, for tests
	stopOnce sync.Once

	// cancelled counts the tasks that never ran (r.mu), beside the other
	// outcomes in spirit; it comes last so that the fields above keep the
	// cache lines they had before it (BenchmarkSpawn).
	cancelled uint64
}

// labels is a pprof label set with a unique spool.id, which lets the
// blocking detector find a task's goroutine in the goroutine profile.
// Label sets are pooled, so an unnamed task costs no allocation for them.
// A named or traced task has a set of its own, which also carries what
// only such tasks need (x); so does a named or traced blocking task, whose
// set has no spool.id (blocking tasks are not the detector's).
type labels struct {
	id  string
	own bool // made for one task: not pooled, and x may be set
	ctx context.Context
	x   *extra // nil in a pooled set
}

// maxLabFree bounds the spare label sets a runtime keeps (~200 B each).
const maxLabFree = 4096

// newLabels makes a label set with a new spool.id, for the free list.
func (r *Runtime) newLabels() *labels {
	id := strconv.FormatUint(labelIDs.Add(1), 10)
	return &labels{id: id, ctx: pprof.WithLabels(r.base, pprof.Labels("spool.id", id))}
}

// namedLabels makes the label set of a task named name. It is built in
// one go from an empty context, which allocates least.
func (r *Runtime) namedLabels(name string) *labels {
	id := strconv.FormatUint(labelIDs.Add(1), 10)
	ctx := pprof.WithLabels(context.Background(), pprof.Labels(
		"spool.id", id, "spool.runtime", r.cfg.name, "spool.task", name))
	return &labels{id: id, own: true, ctx: ctx}
}

// ownLabels makes the label set of a task that has x: named, or traced.
func (r *Runtime) ownLabels(x *extra, blocking bool) *labels {
	var l *labels
	switch {
	case blocking && x.name != "":
		l = &labels{own: true, ctx: pprof.WithLabels(context.Background(), pprof.Labels(
			"spool.kind", "blocking", "spool.runtime", r.cfg.name, "spool.task", x.name))}
	case blocking:
		l = &labels{own: true, ctx: r.blab}
	case x.name != "":
		l = r.namedLabels(x.name)
	default:
		l = r.newLabels()
		l.own = true
	}
	l.x = x
	return l
}

// New returns a runtime configured by opts, with its blocking detector
// running (unless turned off). It returns an error, and no runtime, if an
// option is invalid or nil: each bad option's error, joined, all matching
// [ErrInvalid]. Call [Runtime.Shutdown] when done with it.
func New(opts ...Option) (*Runtime, error) {
	c := defaults()
	for i, o := range opts {
		if o == nil {
			c.bad("New: option must not be nil (got nil at index %d)", i)
			continue
		}
		o(&c)
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	r := &Runtime{cfg: c, epoch: time.Now()}
	r.sem.free.Store(int64(c.workers))
	r.capacity.Store(int64(c.workers))
	r.held.init(c.workers)
	r.seen = make([]seenCell, len(r.held.cells))
	r.base = pprof.WithLabels(context.Background(), pprof.Labels("spool.runtime", c.name))
	r.blab = pprof.WithLabels(r.base, pprof.Labels("spool.kind", "blocking"))
	r.bp.init(r)
	if c.threshold > 0 {
		r.coarse.Store(r.now())
		r.detStop = make(chan struct{})
		r.detDone = make(chan struct{})
		r.detWake = make(chan struct{}, 1)
		go r.detect()
	}
	return r, nil
}

// clock is now, or a coarse copy of it (up to a quarter of the
// detector's threshold late) when the detector runs: it keeps the copy,
// except while it is parked, and no more once Shutdown has stopped it.
func (r *Runtime) clock() int64 {
	if r.detStop != nil && !r.detParked.Load() && !r.detGone.Load() {
		return r.coarse.Load()
	}
	return r.now()
}

// now is the runtime's clock: monotonic nanoseconds since New, plus one so
// that 0 can mean "not holding".
func (r *Runtime) now() int64 { return int64(time.Since(r.epoch)) + 1 }

// Spawn starts fn as a task of r and returns it: tokio's spawn. The task
// waits for a worker slot, runs fn holding it, gives it back at each await
// point (Task.Await, task.Sleep, Select, the combinators, Group waits, and
// any task.Park/Resume pair), and takes one again before it goes on. Spawn
// never blocks.
//
// A task whose context is done when Spawn is called, or ends while the
// task waits for its first slot (Shutdown's cancels included), resolves
// without running fn, with an error matching task.ErrNotStarted and the
// context's error, as pool.Submit's and SpawnBlocking's tasks do, and
// counts as Cancelled in [Runtime.Metrics]; the first kind resolves before
// Spawn returns. A context that ends in the moment between Spawn and the
// task's goroutine taking a free slot ends as the task starts: fn runs,
// and finds it done.
//
// Spawn on a runtime that is shutting down returns a task failed with
// [ErrClosed], unless ctx is a running async task's of r (or derived from
// one) and Shutdown's context has not ended: a task's sub-tasks are part
// of the work in flight that Shutdown waits for. A nil fn gives a task
// failed with an error matching [ErrInvalid] and task.ErrNilFunc. A nil r
// (or a zero Runtime) gives a task failed with [ErrNilRuntime]. A nil ctx
// makes Spawn panic ("rt: Spawn: nil context"), as it does SpawnBlocking,
// BlockOn and Shutdown.
//
// Spawn and an Await of a trivial fn cost about 337 ns and 2 allocations
// (273 B: the task and its registry entry, allocated together in the
// 256-byte size class, and the goroutine's closure) on a warm runtime with
// 2 slots, on a 2-core machine, against about 223 ns and 2 allocations for
// task.Go and 242 ns and 2 allocations (160 B) for a bare goroutine that
// sends its result on a 1-buffered channel (BenchmarkSpawn, medians of 6
// runs of the best batches of 1,000; the medians of the means were 488,
// 336 and 361 ns). From inside a task it costs 348 ns (526 ns on average). What Spawn
// adds to task.Go is the task's registry entry, which Shutdown and Tasks
// walk, the slot and the detector's cell, the pprof labels, a larger
// allocation, and a look at ctx's Done channel for a context already done
// (none for context.Background; a task's context makes its channel, once,
// if nothing has asked for it yet). A named task costs 6 allocations more
// (8 in all: its own pprof label set and the record of its name;
// testing.AllocsPerRun, from inside a task too).
func Spawn[T any](r *Runtime, ctx context.Context, fn func(context.Context) (T, error), opts ...TaskOption) *task.Task[T] {
	if ctx == nil {
		panic("rt: Spawn: nil context")
	}
	if r.zero() {
		return task.Failed[T](ErrNilRuntime)
	}
	if r.closed.Load() && !r.insider(ctx) {
		return task.Failed[T](ErrClosed)
	}
	x, ctx := prepare(ctx, opts, false)
	t, e, j := task.PrepareWith(ctx, orNil(fn), entrySlot)
	e.r = r // parks is 0, but holds 0 says it is not holding yet
	if x != nil {
		e.lab = r.ownLabels(x, false) // else register takes a pooled set
	}
	if fn == nil {
		j.Abort(errNilSpawn)
		e.endTrace()
		return t
	}
	e.job, e.pc = j, funcPC(fn)
	if !r.register(e, ctx) {
		j.Abort(ErrClosed)
		e.endTrace()
		return t
	}
	// A look at ctx's Done channel, not at its Err: Background has none,
	// and a task's context (Spawn from a task) answers Done with one atomic
	// load once it has made the channel, where its Err takes its lock
	// twice (~20 ns in BenchmarkSpawn). The task's own context is not
	// asked: nobody but Shutdown can have cancelled it yet (see acquire).
	if done := ctx.Done(); done != nil {
		select {
		case <-done:
			e.notStarted()
			return t
		default:
		}
	}
	go e.run()
	return t
}

// orNil returns fn, or for a nil fn one that Spawn and SpawnBlocking never
// run: they prepare the task all the same, so that its context carries the
// runtime's labels (see PprofLabels), and resolve it with their own error
// for a nil fn, which matches ErrInvalid too, not task's.
func orNil[T any](fn func(context.Context) (T, error)) func(context.Context) (T, error) {
	if fn != nil {
		return fn
	}
	return func(context.Context) (T, error) { panic("rt: a nil fn ran") }
}

// prepare applies a task's options and, when tracing, starts its
// runtime/trace task. It returns what the entry keeps of them (nil for an
// unnamed task when tracing is off) and the context to prepare the task
// with.
func prepare(ctx context.Context, opts []TaskOption, blocking bool) (*extra, context.Context) {
	var x *extra
	for _, o := range opts {
		if o.name != "" {
			if x == nil {
				x = new(extra)
			}
			x.name = o.name
		}
	}
	if trace.IsEnabled() {
		if x == nil {
			x = new(extra)
		}
		kind := "spool.task"
		if blocking {
			kind = "spool.blocking"
		}
		ctx, x.tt = trace.NewTask(ctx, kind)
		x.tctx = ctx
		if x.name != "" {
			trace.Log(ctx, "name", x.name)
		}
	}
	return x, ctx
}

// entrySlot is the slot of a task whose record is e: e itself.
func entrySlot(e *entry) task.Slot { return e }

func (e *entry) endTrace() {
	if x := e.extra(); x != nil && x.tt != nil {
		x.tt.End()
	}
}

func funcPC[F any](fn F) uintptr { return reflect.ValueOf(fn).Pointer() }

// run is the goroutine of an async task.
func (e *entry) run() {
	r, j := e.r, e.job
	pprof.SetGoroutineLabels(e.labelCtx())
	if ok, _ := r.acquire(e, j, true); !ok {
		e.notStarted()
		pprof.SetGoroutineLabels(r.base)
		return
	}
	e.begin()
	if x := e.extra(); x != nil && x.tctx != nil {
		if x.tt != nil { // a group's task is a region of its context's trace task
			defer x.tt.End()
		}
		defer trace.StartRegion(x.tctx, "spool.run").End()
	}
	defer e.finish() // also when fn calls runtime.Goexit
	j.Run()
}

// notStarted resolves a registered async task that will not run, its
// context done, and counts it as cancelled.
func (e *entry) notStarted() {
	e.slot.Store(slotWord(1, 0)) // not holding: a stray Park after the end does nothing
	e.job.Abort(notStartedError("worker slot", e.job.Context()))
	e.r.exit(e, e.job.Err(), false)
	e.endTrace()
}

// finish gives the slot back and deregisters an async task that ran.
func (e *entry) finish() {
	e.end()
	pprof.SetGoroutineLabels(e.r.base)
	e.r.exit(e, e.job.Err(), true)
}

// acquire takes a worker slot for e, waiting in FIFO order if none is free.
// j is the task's job when it is waiting to start and nil at an await
// point. A task waiting to start takes no slot once its context is done:
// acquire returns false, without a slot, if its context ends while it
// waits, or has ended by the time a slot comes (the wait may see both at
// once), or if Shutdown has begun and the context is done before it takes
// one (Shutdown cancels the tasks that have not started, then lets every
// task take a slot at once). A wait that got a slot is timed in the wait
// histogram if keep is set; Acquire, which may give the slot back at
// once, times it itself. Waits that end without a slot are not timed:
// Metrics counts the takes that did not wait as the takes less the timed
// waits.
//
// A task whose goroutine finds a slot free takes it without asking its
// context: its Err takes its lock twice, and asking added 30-50 ns to
// BenchmarkSpawn. Spawn has looked at the context it was given, and a
// context that ends between Spawn and the take ends as the task starts.
func (r *Runtime) acquire(e *entry, j task.Job, keep bool) (ok bool, waited int64) {
	if j != nil && r.closed.Load() && j.Context().Err() != nil {
		return false, 0
	}
	if r.sem.tryAcquire() {
		return true, -1 // counted in the wait histogram's first bucket by Metrics
	}
	var done <-chan struct{}
	if j != nil {
		done = j.Context().Done()
	} else {
		e.qstate.Store(qResuming) // Tasks shows it waiting, not parked
	}
	w, _ := r.sem.waiters.Get().(*waiter)
	if w == nil {
		w = new(waiter)
	}
	start := r.now()
	ok = r.sem.wait(w, done)
	waited = r.now() - start
	if j == nil {
		e.qstate.Store(qNone)
	} else if ok && j.Context().Err() != nil {
		// Granted as the context ended, or just after: the task has not
		// started, and must not.
		r.sem.release()
		ok = false
	}
	r.sem.waiters.Put(w)
	if ok && keep {
		r.wait.add(waited)
	}
	return ok, waited
}

// notStartedError is the error of a task whose context was done before
// fn started: where says what it waited for ("worker slot" for an async
// task, "blocking pool" for a blocking one). It matches task.ErrNotStarted,
// as a pool's queued task's error does, and the context's error and cause.
func notStartedError(where string, ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("rt: %s: %w: %w: %w", where, task.ErrNotStarted, err, cause)
	}
	return fmt.Errorf("rt: %s: %w: %w", where, task.ErrNotStarted, err)
}

// register adds e, spawned with ctx, to the registry, and gives an async
// task its label set. Once r is closed it refuses e, unless ctx is a
// running task's of r and Shutdown has not aborted (see insider).
func (r *Runtime) register(e *entry, ctx context.Context) bool {
	e.spawned = r.clock()
	r.mu.Lock()
	ok := r.registerLocked(e, ctx)
	r.mu.Unlock()
	return ok
}

// registerLocked is register's work under r.mu, which the caller holds,
// having set e.spawned.
func (r *Runtime) registerLocked(e *entry, ctx context.Context) bool {
	if r.isClosed && (r.aborted || !r.insider(ctx)) {
		return false
	}
	if !e.blocking && e.lab == nil {
		if n := len(r.labFree); n > 0 {
			e.lab = r.labFree[n-1]
			r.labFree[n-1] = nil
			r.labFree = r.labFree[:n-1]
		} else {
			e.lab = r.newLabels()
		}
	}
	e.next = r.head
	if r.head != nil {
		r.head.prev = e
	}
	r.head = e
	if e.blocking {
		r.btasks++
	} else {
		r.tasks++
	}
	r.spawned++
	e.seq = uint16(r.spawned)
	return true
}

// exit removes an ended task from the registry and counts its outcome:
// cancelled if it never ran (ran is false), else by its error. Leaving
// the registry and being counted are one step under r.mu, which Metrics
// reads the counts under: see Metrics' invariant.
func (r *Runtime) exit(e *entry, err error, ran bool) {
	r.mu.Lock()
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		r.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	}
	e.prev, e.next = nil, nil
	if e.blocking {
		r.btasks--
		// A blocking task leaves either from the goroutine that took it
		// (see blockingPool.run), which stops counting as busy in the same
		// step, or from the queue (cancelQueued), never having had one.
		if e.qstate.Load() != qCancelled {
			r.bp.busy--
		}
	} else {
		r.tasks--
	}
	switch {
	case !ran:
		r.cancelled++
	case err == nil:
		r.completed++
	case task.Panicked(e.job):
		// Its own panic or Goexit, not one it returned: a task that
		// returns the *PanicError of a task it awaited failed.
		r.panicked++
	default:
		r.failed++
	}
	if e.lab != nil && !e.lab.own && len(r.labFree) < maxLabFree {
		// The goroutine wears r.base again by now.
		r.labFree = append(r.labFree, e.lab)
	}
	r.checkDrainedLocked()
	r.mu.Unlock()
}

// idle reports whether every task of r has ended, async or blocking:
// what is left of r then is goroutines on their way out of tasks whose
// waiters have their results (Await returns before the goroutine has
// left the registry), and goroutines of the blocking pool that wait for
// work.
func (r *Runtime) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := r.head; e != nil; e = e.next {
		if !task.Ended(e.job) {
			return false
		}
	}
	return true
}

// insider reports whether ctx is the context of a running async task of
// r, or derived from one: a closed runtime still takes such a task's
// sub-tasks, until Shutdown's context ends, so that work in flight can
// finish. A blocking task's context carries no slot, so its sub-tasks are
// refused.
func (r *Runtime) insider(ctx context.Context) bool {
	e, ok := task.ContextSlot(ctx).(*entry)
	return ok && e.r == r && !e.ended()
}

// checkDrainedLocked closes r.drained once r is closed and nothing it owns
// is left: no task, no blocking goroutine.
func (r *Runtime) checkDrainedLocked() {
	if r.drained == nil || r.tasks+r.btasks+r.bp.live > 0 {
		return
	}
	select {
	case <-r.drained:
	default:
		close(r.drained)
	}
}

// BlockOn runs fn as a task of r and waits for it: tokio's block_on. It
// waits for fn to return even if ctx ends first (fn's context is then done,
// so a well-behaved fn returns soon), so fn never outlives BlockOn. Waiting
// is an await point: called from a task of a runtime with that task's
// context, or a context derived from it, BlockOn gives the task's slot
// back while fn runs. As with [Spawn], if ctx is done when BlockOn is
// called, or ends while the task waits for its first slot, fn does not run
// and BlockOn returns an error matching task.ErrNotStarted and ctx's error.
//
// Only ctx tells BlockOn that it is called from a task: Go has no
// goroutine-local state, and asking the runtime for the caller's stack
// would cost every BlockOn microseconds. Called from a task with a context
// that is not the task's (context.Background(), or a context.WithTimeout
// of it), BlockOn keeps the caller's slot while it waits, so on a runtime
// whose slots are all held so (any task of a [CurrentThread] runtime that
// calls BlockOn(r, context.Background(), fn) on it) fn never gets a slot
// and BlockOn waits until ctx ends or Shutdown cancels fn. Tokio panics
// there; rt cannot tell, but its blocking detector reports the hold as a
// wait at an await point with a context that is not the task's.
func BlockOn[T any](r *Runtime, ctx context.Context, fn func(context.Context) (T, error), opts ...TaskOption) (T, error) {
	if ctx == nil {
		panic("rt: BlockOn: nil context")
	}
	t := Spawn(r, ctx, fn, opts...)
	if _, _, ok := t.Result(); !ok {
		p := task.Park(ctx)
		<-t.Done()
		p.Resume()
	}
	v, err, _ := t.Result()
	if err == errNilSpawn { // Spawn's checks, in Spawn's order, with BlockOn's name
		err = errNilBlockOn
	}
	return v, err
}

// TaskInfo describes a live task of a runtime.
type TaskInfo struct {
	Name     string        // the name given with TaskName, or the function's name
	Blocking bool          // spawned with SpawnBlocking: Go cannot abort it
	State    string        // "waiting" (for a slot), "running", "parked" (at an await point), "queued" (blocking, pool full)
	Age      time.Duration // time since it was spawned, or up to about a quarter of the detector's threshold more (see Tasks)
}

// String formats the task for a report: its name, kind, state and age.
func (ti TaskInfo) String() string {
	kind := ""
	if ti.Blocking {
		kind = "blocking, "
	}
	return fmt.Sprintf("%q (%s%s for %v)", ti.Name, kind, ti.State, ti.Age.Round(time.Millisecond))
}

// Tasks lists the runtime's live tasks, oldest first: in the order they
// were registered with the runtime (under load a Spawn may be held up
// between reading the clock and registering, so the ages are not always
// in order). It costs a pass over every live task under the registry
// lock: 134-164 ms for 100,000 parked tasks on the project's 2-core
// machine. A nil or zero Runtime has none.
//
// Ages are measured to the time of the call, from spawn times that Spawn
// reads from the runtime's coarse clock, which costs it no clock reading:
// an Age is never less than the task's true age, and while the blocking
// detector is looking it may be more by up to a quarter of the detector's
// threshold (25 ms by default; 2 s with DetectBlocking(8*time.Second)),
// or longer while the detector is held up in a report.
func (r *Runtime) Tasks() []TaskInfo {
	if r.zero() {
		return nil
	}
	var (
		ts []TaskInfo
		es []*entry
	)
	r.mu.Lock()
	for e := r.head; e != nil; e = e.next {
		es = append(es, e)
	}
	r.mu.Unlock()
	// After the registry is read: every task listed was spawned before.
	now := r.now()
	for _, e := range es {
		age := time.Duration(max(0, now-e.spawned))
		ts = append(ts, TaskInfo{Name: e.displayName(), Blocking: e.blocking, State: e.state(), Age: age})
	}
	slices.Reverse(ts) // the registry is newest first
	return ts
}

func (e *entry) displayName() string {
	if n := e.name(); n != "" {
		return n
	}
	if f := runtime.FuncForPC(e.pc); f != nil {
		return f.Name()
	}
	return "?"
}

func (e *entry) state() string {
	switch {
	case e.blocking && e.qstate.Load() == qQueued:
		return "queued"
	case e.blocking:
		return "running"
	case e.holds() == 0:
		return "waiting" // for its first slot
	case e.qstate.Load() == qResuming:
		return "waiting" // for a slot, to go on after an await point
	case e.parks() == 0:
		return "running"
	default:
		return "parked"
	}
}

// ShutdownError is returned by [Runtime.Shutdown] when its context ended
// before every task did.
//
// Cancelled is not [Metrics].Cancelled: it counts every task whose context
// Shutdown cancelled, running ones included, while Metrics counts as
// Cancelled the tasks that never ran. NotStarted is how many of the first
// were counted in the second.
type ShutdownError struct {
	Err   error // the context's error
	Cause error // context.Cause of the context, which may differ from Err
	// Cancelled is the number of tasks whose contexts Shutdown cancelled:
	// every task live when ctx ended, running, parked or not started.
	Cancelled int
	// NotStarted is how many of those ended without running (counted as
	// Cancelled in Metrics) by the time Shutdown returned.
	NotStarted int
	Grace      time.Duration // how long Shutdown then waited for them
	Running    []TaskInfo    // tasks that had not ended when Shutdown returned (running, parked or waiting for a slot), oldest first
}

// Error says how many tasks' contexts Shutdown cancelled and how many of
// them ended without starting, lists the tasks still running, and says
// that blocking ones cannot be aborted.
func (e *ShutdownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rt: shutdown: %v", e.Err)
	if e.Cause != nil && e.Cause != e.Err {
		fmt.Fprintf(&b, " (%v)", e.Cause)
	}
	fmt.Fprintf(&b, ": cancelled the contexts of %d task%s", e.Cancelled, plural(e.Cancelled))
	if e.NotStarted > 0 {
		fmt.Fprintf(&b, " (%d of them ended without starting)", e.NotStarted)
	}
	if len(e.Running) == 0 {
		b.WriteString("; all ended")
		return b.String()
	}
	// Not "still running": a task waiting for a slot that the grace
	// period was too short for (a starved machine) is listed too, in its
	// state.
	fmt.Fprintf(&b, "; %d not ended after %v, left behind:", len(e.Running), e.Grace)
	blocking := false
	for i, ti := range e.Running {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(ti.String())
		blocking = blocking || ti.Blocking
	}
	if blocking {
		b.WriteString("; blocking tasks cannot be aborted: their goroutines end when their functions return")
	}
	return b.String()
}

// Unwrap returns the context's error, and its cause when that differs, so
// that errors.Is finds both.
func (e *ShutdownError) Unwrap() []error {
	switch {
	case e.Err == nil && e.Cause == nil:
		return nil
	case e.Cause == nil || e.Cause == e.Err:
		return []error{e.Err}
	case e.Err == nil:
		return []error{e.Cause}
	}
	return []error{e.Err, e.Cause}
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Shutdown stops the runtime: tokio's shutdown_timeout, with the context as
// the timeout. At once it refuses new tasks ([ErrClosed]) but for the
// sub-tasks of running async tasks (Spawn, SpawnBlocking or BlockOn with
// the task's context), which it takes until ctx ends: a task that needs a
// sub-task to finish (a SpawnBlocking for its file I/O, say) finishes. A
// blocking task's context carries no slot: its sub-tasks are refused. It
// also lets idle blocking goroutines exit. It then waits for
// every task, queued blocking work included, to end, and returns nil. A runtime with no task left
// returns nil whatever ctx, even one already done: its idle blocking
// goroutines exit at once.
//
// If ctx ends first, Shutdown cancels the context of every task left, with
// [ErrShutdown] as its cause (tasks that have not taken their first slot,
// or still in the blocking queue, then end without running, with an error
// matching ErrShutdown and task.ErrNotStarted, counted as Cancelled in
// Metrics), lifts the bound on worker slots so that cancelled tasks
// never wait behind one that does not return, waits up to the grace period
// ([ShutdownGrace]) for them to return and for the detector to stop, and
// returns a *[ShutdownError] that wraps ctx's error, says how many tasks'
// contexts it cancelled and how many of those ended without starting, and
// lists those still running. Go cannot abort a goroutine: a
// task that ignores its context, and any blocking task, may outlive
// Shutdown. Their goroutines stay the runtime's: they end when their
// functions return, and calling Shutdown again waits for them. If ctx ends
// and the detector's goroutine is still in an [OnBlocking] callback at the
// end of the grace period, Shutdown returns an error wrapping ctx's error,
// even if every task ended.
//
// Waiting is an await point. Do not call Shutdown from a task of the same
// runtime: it would wait for that task, which waits for it, until ctx
// ends. Given the context of a live async task of r, or one derived from
// it, as when a task calls Shutdown with its own ctx, Shutdown returns
// [ErrShutdownFromTask] at once and changes nothing; start a goroutine
// that calls it with a context of its own (the task can then return). A
// blocking task's context carries no slot, so Shutdown cannot tell one
// apart, nor an async task that passes a context not its own. Shutdown of
// a nil or zero Runtime returns [ErrNilRuntime], so that a deferred
// Shutdown written before New's error is checked does not panic. A nil
// ctx panics ("rt: Runtime.Shutdown: nil context"), whatever r is.
func (r *Runtime) Shutdown(ctx context.Context) error {
	if ctx == nil {
		panic("rt: Runtime.Shutdown: nil context")
	}
	if r.zero() {
		return ErrNilRuntime
	}
	if r.insider(ctx) {
		return ErrShutdownFromTask
	}
	r.mu.Lock()
	r.isClosed = true
	r.closed.Store(true)
	if r.drained == nil {
		r.drained = make(chan struct{})
	}
	r.bp.closeLocked()
	r.checkDrainedLocked()
	drained := r.drained
	r.mu.Unlock()

	var (
		err error
		end time.Time // the end of the grace period, once ctx has ended
	)
	p := task.Park(ctx) // an await point, when called from another runtime's task
	defer p.Resume()
	select {
	case <-drained: // first: with nothing left, Shutdown returns nil whatever ctx
	default:
		select {
		case <-drained:
		case <-ctx.Done():
			if r.idle() {
				// Every task has ended: their goroutines, and the idle
				// blocking goroutines that closeLocked told to exit, are
				// leaving, and Shutdown has nothing to abort.
				<-drained
				break
			}
			end, err = r.abortAll(ctx, drained)
		}
	}
	if !r.stopDetector(ctx, end) && err == nil {
		why := ctx.Err()
		if cause := context.Cause(ctx); cause != nil && cause != why {
			why = fmt.Errorf("%w (%w)", why, cause)
		}
		err = fmt.Errorf("rt: shutdown: %w: the blocking detector did not stop within the grace period (%v): is an OnBlocking callback blocked?", why, r.cfg.grace)
	}
	return err
}

// abortAll is Shutdown's part once ctx has ended with tasks left: it
// cancels them, lifts the bound on slots, waits up to the grace period for
// drained, and returns the end of the grace period and Shutdown's error.
func (r *Runtime) abortAll(ctx context.Context, drained <-chan struct{}) (time.Time, error) {
	r.mu.Lock()
	r.aborted = true // before cancelAll reads the registry: what it misses is refused
	r.mu.Unlock()
	n, before := r.cancelAll()
	r.sem.open()
	r.capacity.Add(unbounded) // after: a racing Metrics sees 0 busy, not 2^40
	grace := r.cfg.grace
	end := time.Now().Add(grace)
	se := &ShutdownError{Err: ctx.Err(), Cause: context.Cause(ctx), Cancelled: n, Grace: grace}
	if !wait.Closed(drained, grace) {
		se.Running = r.Tasks()
	}
	// The runtime is closed: every task counted Cancelled since cancelAll
	// read the count was one of those it cancelled.
	r.mu.Lock()
	se.NotStarted = int(r.cancelled - before)
	r.mu.Unlock()
	return end, se
}

// cancelAll cancels every live task and returns how many there were, and
// the count of tasks that never ran as it found them.
func (r *Runtime) cancelAll() (n int, cancelled uint64) {
	var ts []task.Job
	r.mu.Lock()
	for e := r.head; e != nil; e = e.next {
		ts = append(ts, e.job)
	}
	cancelled = r.cancelled
	r.mu.Unlock()
	for _, t := range ts {
		task.CancelCause(t, ErrShutdown) // may run AfterFuncs that take r.mu
	}
	return len(ts), cancelled
}

// stopDetector stops the detector goroutine and waits for it; once ctx is
// done, only until end, the end of the grace period that Shutdown gave
// the tasks (or a grace period from now, if ctx ended after they did), so
// that an OnBlocking callback that blocks cannot hold Shutdown. It reports
// whether the detector stopped.
func (r *Runtime) stopDetector(ctx context.Context, end time.Time) (stopped bool) {
	if r.detStop == nil {
		return true
	}
	r.stopOnce.Do(func() { close(r.detStop) })
	select {
	case <-r.detDone:
		return true
	case <-ctx.Done():
		if end.IsZero() { // ctx ended after the tasks did: the grace starts now
			end = time.Now().Add(r.cfg.grace)
		}
		if wait.Closed(r.detDone, time.Until(end)) {
			return true
		}
		if !r.inReport.Load() { // not in a callback: it stops at its next look
			<-r.detDone
			return true
		}
		return false
	}
}
