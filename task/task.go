package task

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// Errors returned by tasks that did not end normally.
var (
	// ErrGoexit is the error of a task whose function called runtime.Goexit
	// (for example through t.FailNow in a test) instead of returning.
	ErrGoexit = errors.New("task: function called runtime.Goexit")
	// ErrNilFunc is the error of a task started with a nil function, and
	// of Timeout given one. It matches [ErrInvalid].
	ErrNilFunc error = invalidError("task: nil function")
	// ErrNilTask is wrapped by the error of a combinator given a nil *Task,
	// and of Select given a nil case. It matches [ErrInvalid].
	ErrNilTask error = invalidError("task: nil task")
	// ErrNotStarted is the error, together with its context's error, of a
	// queued task (see [Queued]) whose context ended before an executor
	// started it: it resolved at once, without running. [Group.Go] gives
	// it too, with the error of the ctx it was passed, to a task it did
	// not start because that ctx had ended.
	ErrNotStarted = errors.New("task: cancelled before it started")
)

// PanicError is the error of a task whose function panicked. It carries the
// value passed to panic and the stack of the panicking goroutine, and it
// unwraps to the value when the value is an error.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic, as debug.Stack prints it
}

// Error reads "task: panic: ", the value, a blank line and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("task: panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Task is a typed future: the result of a function running concurrently.
// Every spawning API in spool returns a *Task, so one way to await, cancel
// and combine work serves the task, rt and pool packages alike.
//
// A Task is safe for concurrent use; any number of goroutines may Await it.
// Its function receives a context that is cancelled by [Task.Cancel], when
// the parent context is done, and when the function returns.
type Task[T any] struct {
	ctx taskCtx // also holds the Done channel and the error (fin, res)
	fn  func(context.Context) (T, error)
	val T

	// group, when set, is told of the result (package-internal: Group).
	group *Group[T]
	slot  *outcome[T]
}

const (
	stateNew uint32 = iota
	stateRunning
	stateDone
	stateQueued  // prepared with Queued and not started: a cancel aborts it
	stateAborted // a cancel aborted it while queued: Run and Abort do nothing
	stateBroke   // its function panicked or called runtime.Goexit: ended, as stateDone
)

// Go starts fn on a new goroutine and returns its task. fn receives a child
// of ctx that the task owns. Go panics with "task: Go: nil context" if ctx
// is nil; a nil fn gives a task that fails with [ErrNilFunc].
//
// Go and an Await of a trivial fn cost about 350-380 ns and 2 allocations
// (185 B: the 160 B Task[int] and the goroutine's closure) on the
// project's 2-core machine, against about 375-400 ns and 2 allocations
// (176 B: the channel and the goroutine's closure) for a bare goroutine
// that sends its result on a 1-buffered channel, measured in the same run
// (BenchmarkGo); the same under a cancellable ctx.
func Go[T any](ctx context.Context, fn func(context.Context) (T, error)) *Task[T] {
	if ctx == nil {
		panic("task: Go: nil context")
	}
	t, j := prepare(ctx, fn, nil)
	if j != nil {
		go j.Run()
	}
	return t
}

// Prepare makes a task without starting it, for executors (a runtime, a
// pool) that run tasks on goroutines they own. The executor must call
// exactly one of the Job's Run and Abort, once; it may call the other
// methods at any time. Prepare returns a nil Job when the task is already
// resolved (fn was nil).
//
// opts may attach a [Slot] ([WithSlot]), which the task gives back at
// await points, or mark the task [Queued]. Prepare panics if ctx is nil.
func Prepare[T any](ctx context.Context, fn func(context.Context) (T, error), opts ...PrepareOption) (*Task[T], Job) {
	if ctx == nil {
		panic("task: Prepare: nil context")
	}
	return prepare(ctx, fn, opts)
}

// prepare is Prepare for a ctx known not to be nil.
func prepare[T any](ctx context.Context, fn func(context.Context) (T, error), opts []PrepareOption) (*Task[T], Job) {
	t := new(Task[T])
	var (
		s      Slot
		queued bool
	)
	for _, o := range opts {
		if o.slot != nil {
			s = o.slot
		}
		queued = queued || o.queued
	}
	t.ctx.init(ctx, s)
	if fn == nil {
		var zero T
		t.resolve(zero, ErrNilFunc)
		return t, nil
	}
	t.fn = fn
	if queued {
		t.ctx.queue()
	}
	return t, (*job[T])(t)
}

// PrepareWith is [Prepare] for an executor that keeps a record of type E
// for each task: it allocates the task and a zero E together, in one
// allocation, and returns both. slot, if not nil, gives the task's slot
// from the record (see [WithSlot]). The record lives as long as the task
// does. Package rt keeps its registry entries this way, which saves one
// allocation of its Spawn's three. PrepareWith panics if ctx is nil.
func PrepareWith[T, E any](ctx context.Context, fn func(context.Context) (T, error), slot func(*E) Slot) (*Task[T], *E, Job) {
	if ctx == nil {
		panic("task: PrepareWith: nil context")
	}
	w := new(taskWith[T, E])
	t := &w.t
	var s Slot
	if slot != nil {
		s = slot(&w.e)
	}
	t.ctx.init(ctx, s)
	if fn == nil {
		var zero T
		t.resolve(zero, ErrNilFunc)
		return t, &w.e, nil
	}
	t.fn = fn
	return t, &w.e, (*job[T])(t)
}

// taskWith is a task and an executor's record, allocated together.
type taskWith[T, E any] struct {
	t Task[T]
	e E
}

// PrepareOption configures [Prepare].
type PrepareOption struct {
	slot   Slot
	queued bool
}

// WithSlot makes the task hold s while it runs: its await points give s back
// and take it again. Runtimes use it; see package rt.
func WithSlot(s Slot) PrepareOption { return PrepareOption{slot: s} }

// Queued is for an executor that may keep the task waiting in a queue: if
// the task's context ends before the executor starts it (the task is
// cancelled, or its parent context ends), the task resolves at once with
// an error that matches both [ErrNotStarted] and the context's error, so
// its awaiters, and combinators such as [Race] that wait for their
// cancelled losers, never wait for a worker to come free. The executor's
// later Run or Abort then does nothing, and Err reports that error. The
// task registers with a parent context that can end (context.AfterFunc)
// when it is prepared, rather than when it first needs to; a parent made
// by package task or one that cannot end costs no allocation. Package pool
// prepares its tasks so.
func Queued() PrepareOption { return PrepareOption{queued: true} }

// Job is the executor's side of a prepared task.
type Job interface {
	// Run runs the task's function on the calling goroutine and resolves
	// the task. A panic in the function is recovered and becomes a
	// *PanicError. If the function calls runtime.Goexit, the task resolves
	// with ErrGoexit and the calling goroutine exits: an executor that reuses
	// goroutines must notice (Run did not return) and replace it. A
	// [Queued] task that a cancel already resolved is not run: Run returns
	// at once, and Err matches [ErrNotStarted].
	Run()
	// Abort resolves the task with err without running its function (a
	// [Queued] task that a cancel already resolved keeps its error).
	Abort(err error)
	// Context returns the context the function would receive.
	Context() context.Context
	// Err returns the task's error once it has ended, and nil before: an
	// executor reads it after Run to count the outcome.
	Err() error
	// Cancel cancels the task's context, as [Task.Cancel] does.
	Cancel()
}

type job[T any] Task[T]

// NotStarted reports whether j is a [Queued] task that a cancel resolved
// before its executor started it, or a task that [AbortUnstarted]
// resolved: its Run did nothing, and its error matches [ErrNotStarted].
// An executor calls it after Run to count such a task as cancelled rather
// than failed.
func NotStarted(j Job) bool {
	a, ok := j.(interface{ aborted() bool })
	return ok && a.aborted()
}

func (j *job[T]) aborted() bool { return atomic.LoadUint32(&j.ctx.state) == stateAborted }

// Panicked reports whether j's function panicked or called
// runtime.Goexit, as opposed to returning: j's error is then the
// *PanicError or ErrGoexit of that end. An executor calls it after Run to
// count a panic once, where it happened: a task that returns the
// *PanicError of another task it awaited did not panic, and counts as
// failed. A job not made by [Prepare] reports false.
func Panicked(j Job) bool {
	b, ok := j.(interface{ broke() bool })
	return ok && b.broke()
}

func (j *job[T]) broke() bool { return atomic.LoadUint32(&j.ctx.state) == stateBroke }

// Ended reports whether j has ended: its Done channel is closed, and its
// waiters may have its result, though the executor running it may still
// be returning from Run. A job not made by [Prepare] reports false.
func Ended(j Job) bool {
	e, ok := j.(interface{ resolved() bool })
	return ok && e.resolved()
}

func (j *job[T]) resolved() bool { return (*Task[T])(j).finished() }

func (j *job[T]) Context() context.Context { return &j.ctx }

// Err reads the task's error for the executor's counts: unlike Result,
// it does not count as reading a panic (see OnUnobservedPanic).
func (j *job[T]) Err() error {
	t := (*Task[T])(j)
	if !t.finished() {
		return nil
	}
	return t.ctx.res
}

func (j *job[T]) Cancel() { (*Task[T])(j).Cancel() }

func (j *job[T]) Abort(err error) {
	t := (*Task[T])(j)
	if !t.ctx.claim(stateDone) {
		t.fn = nil
		return // aborted by a cancel while queued
	}
	var zero T
	t.finish(zero, err)
}

func (j *job[T]) Run() {
	t := (*Task[T])(j)
	if !t.ctx.claim(stateRunning) {
		t.fn = nil
		return // aborted by a cancel while queued
	}
	t.run()
}

// TryRun is Run for a [Queued] task that someone else may run first: one
// its waiter may run itself (see [Helper]). It runs j as Run does and
// reports true if it was the first to claim j. If j has been claimed
// already (started or ended by another TryRun or a Run, aborted, or
// resolved by a cancel while queued), it does nothing and reports false;
// [NotStarted] then tells a cancel apart. Unlike Run, it never panics for a
// job claimed twice. A job not made by [Prepare] reports false.
func TryRun(j Job) bool {
	r, ok := j.(interface{ tryRun() bool })
	return ok && r.tryRun()
}

func (j *job[T]) tryRun() bool {
	t := (*Task[T])(j)
	if !t.ctx.tryClaim(stateRunning) {
		return false
	}
	t.run()
	return true
}

// run runs the task's function, once the caller has claimed it, and
// resolves the task.
func (t *Task[T]) run() {
	var (
		v      T
		err    error
		normal bool
	)
	defer func() {
		end := stateDone
		if !normal {
			end, err = stateBroke, t.brokeErr(recover())
		}
		atomic.StoreUint32(&t.ctx.state, end)
		t.finish(v, err)
	}()
	v, err = t.fn(&t.ctx)
	normal = true
}

// brokeErr returns the error of a task whose function did not return (its
// state is then stateBroke): it panicked with r (a *PanicError with the
// stack, watched in case nobody reads it), or called runtime.Goexit (r is
// nil). It runs in the deferred function that recovered r, on the
// function's goroutine.
func (t *Task[T]) brokeErr(r any) error {
	if r == nil {
		return ErrGoexit
	}
	pe := &PanicError{Value: r, Stack: debug.Stack()}
	watchPanic(t, pe)
	return pe
}

// resolve ends a task that never ran.
func (t *Task[T]) resolve(v T, err error) {
	atomic.StoreUint32(&t.ctx.state, stateDone)
	t.finish(v, err)
}

// finish publishes the result and wakes waiters. state is already stateDone
// (or stateBroke).
// One critical section ends the task's context and publishes the result.
func (t *Task[T]) finish(v T, err error) {
	t.val = v
	t.fn = nil
	if g := t.group; g != nil {
		// The group gives back the task's place, records the result and
		// (FailFast) cancels itself before the task shows it, and counts
		// the task out after, so that Wait and Next return only tasks that
		// show their results.
		t.ctx.res = err
		g.taskDone(t)
		t.ctx.publish(err)
		g.taskEnded(t)
		return
	}
	t.ctx.publish(err)
}

// whenDone calls f once the task has ended: at once if it has. It returns
// an id for dropWaiter, or 0 if it called f already.
func (t *Task[T]) whenDone(f func()) uint64 { return t.ctx.whenDone(f) }

// dropWaiter removes a callback of whenDone that has not run.
func (t *Task[T]) dropWaiter(id uint64) { t.ctx.dropWaiter(id) }

// Done returns a channel that is closed when the task has ended. It does not
// give a runtime slot back while it is waited on; [Task.Await] and [Select] do.
// A nil or zero Task's channel is closed (see [Task.Await]).
func (t *Task[T]) Done() <-chan struct{} {
	if t.none() {
		return closedchan
	}
	return t.ctx.finChan()
}

// none reports whether t is nil or a zero Task, which no function of
// spool made: such a task behaves as one that failed with errNoTask.
func (t *Task[T]) none() bool { return t == nil || t.ctx.parent == nil }

// errNoTask is the error of a nil or zero Task.
var errNoTask = fmt.Errorf("%w: a nil or zero *Task (tasks come from task.Go, a Group, a pool or a runtime)", ErrNilTask)

// finished reports whether the result is published. A true result orders
// the result's writes before the caller's reads.
func (t *Task[T]) finished() bool { return t.ctx.finished() }

// Await waits for the task to end and returns its result. If ctx is done
// first, Await returns an error wrapping ctx's error and the task goes on:
// Await never cancels the task (call [Task.Cancel] for that).
//
// Await is an await point: on a runtime it gives the caller's slot back
// while it waits, if ctx is the caller's task context or derived from it.
// The slot travels in the context: given another context
// (context.Background(), or a context.WithTimeout of it), Await waits
// holding the caller's slot, so on a runtime whose slots are all held so
// (two tasks of a two-slot runtime awaiting their children, say) the
// awaited task may never get one. Use context.WithTimeout(ctx, d) of the
// task's ctx for a timeout.
//
// If the task has not started yet, Await first yields the processor once
// (runtime.Gosched): a task just spawned then usually runs and ends before
// Await would park, which saves the park and the wake-up (about a fifth of
// task.Go+Await, BenchmarkGo). A task still queued on a pool, awaited by
// a task of the same pool on one of its workers, may be run by the caller
// itself when no other worker would run it soon (see [Helper]); Await then
// returns once it has run, even if ctx is cancelled meanwhile.
//
// Await panics if ctx is nil, even for a task that has ended. A nil Task
// (a refused Group.TryGo's, say) or a zero one, which no function of
// spool made, never ends: Await returns an error matching [ErrNilTask] at
// once, as [Task.Result] does, and its Done channel is closed.
func (t *Task[T]) Await(ctx context.Context) (T, error) {
	if ctx == nil {
		panic("task: Task.Await: nil context")
	}
	if t.none() {
		var zero T
		return zero, errNoTask
	}
	if t.finished() {
		t.ctx.observe()
		return t.val, t.ctx.res
	}
	var again <-chan struct{}
	if s := atomic.LoadUint32(&t.ctx.state); s == stateNew || s == stateQueued {
		// Not started: most often it was just spawned and its goroutine
		// waits for this processor. Yield once, so that it can run and end
		// before we park: a short task then costs no park and no wake-up.
		runtime.Gosched()
		if t.finished() {
			t.ctx.observe()
			return t.val, t.ctx.res
		}
		if s == stateQueued { // on an executor's queue: see Helper
			again = t.help(ctx, false)
			if t.finished() {
				t.ctx.observe()
				return t.val, t.ctx.res
			}
		}
	}
	if again != nil {
		return t.awaitHelped(ctx, again)
	}
	p := Park(ctx)
	if done := ctx.Done(); done == nil {
		<-t.Done()
	} else {
		select {
		case <-t.Done():
		case <-done:
			p.Resume()
			var zero T
			return zero, ctxError("await", ctx)
		}
	}
	p.Resume()
	t.ctx.observe()
	return t.val, t.ctx.res
}

// awaitHelped is Await's wait for a task queued on a Helper that asked
// for another look (again): it waits for the task, ctx or again, and on
// again lets the executor look again, until the task has ended.
func (t *Task[T]) awaitHelped(ctx context.Context, again <-chan struct{}) (T, error) {
	p := Park(ctx)
	for !t.finished() {
		select {
		case <-t.Done():
		case <-ctx.Done():
			p.Resume()
			var zero T
			return zero, ctxError("await", ctx)
		case <-again: // nil after a look that asks for no other: never ready
			p.Resume()
			again = t.help(ctx, false)
			p = Park(ctx)
		}
	}
	p.Resume()
	t.ctx.observe()
	return t.val, t.ctx.res
}

// Result returns the task's result without blocking. ok is false while the
// task is still running. A nil or zero Task's result is an error matching
// [ErrNilTask], with ok true.
func (t *Task[T]) Result() (v T, err error, ok bool) {
	if t.none() {
		return v, errNoTask, true
	}
	if !t.finished() {
		return v, nil, false
	}
	t.ctx.observe()
	return t.val, t.ctx.res, true
}

// Cancel cancels the task's context. It does not wait: Go cannot stop a
// goroutine, so the function ends when it notices its context is done.
// Cancelling a task that has ended, or a nil or zero Task, does nothing.
func (t *Task[T]) Cancel() {
	if t.none() {
		return
	}
	t.ctx.cancel(context.Canceled, errCancelled)
}

var errCancelled = errors.New("task: cancelled")

// Context returns the context the task's function receives. It is done
// once the task is cancelled or has ended. It panics for a nil or zero
// Task, which has none: "task: Task.Context: nil or zero Task".
func (t *Task[T]) Context() context.Context {
	if t.none() {
		panic("task: Task.Context: nil or zero Task")
	}
	return &t.ctx
}

// Failed returns a task that has already ended with err. Executors use it
// for work they refuse (a closed pool, a full queue).
func Failed[T any](err error) *Task[T] {
	t := new(Task[T])
	t.ctx.init(context.Background(), nil)
	var zero T
	t.resolve(zero, err)
	return t
}

// ctxError wraps ctx's error (and its cause, when it differs) for an await
// that gave up because ctx was done.
func ctxError(op string, ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("task: %s: %w: %w", op, err, cause)
	}
	return fmt.Errorf("task: %s: %w", op, err)
}
