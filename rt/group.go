package rt

import (
	"context"
	"reflect"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spool-go/spool/task"
)

// errForeignJob is Accept's and RunTask's error for a job whose context
// does not carry a slot that r's TaskSlot made, or carries one that
// another job has already.
var errForeignJob error = invalidError("rt: a group's job must carry a slot of its runtime's TaskSlot, one slot a job")

var _ task.Executor = (*Runtime)(nil)

// The states of an entry that TaskSlot made (entry.gstate).
const (
	gNone     uint8 = iota // not yet accepted (and the state of every Spawned entry)
	gAccepted              // registered by Accept: RunTask runs it
	gRun                   // RunTask has taken it
	gRefused               // Accept refused it: r was closed
)

// TaskSlot, Accept and RunTask make r a [task.Executor], for task.On(r): a
// [task.Group] made with it runs each of its tasks on r, as [Spawn] does,
// on the group's own goroutines. Such a task is r's from the moment the
// group accepts it (its Go returns): it counts in [Metrics] and
// [Runtime.Tasks] (waiting, until a goroutine of the group takes it and it
// has a slot), and Shutdown waits for it, or cancels it once its context
// ends. It takes one of r's worker slots before fn runs (in FIFO order with
// r's other tasks) and gives it back at its await points; it runs under
// r's pprof labels, named after fn, whose name the blocking detector's
// reports give. As for Spawn, a task whose context ends while it waits for
// its first slot does not run: it fails with an error matching
// task.ErrNotStarted. Once r has closed, a group refuses new tasks with
// [ErrClosed] (fn never runs), unless the group was made with the context
// of a running task of r (or one derived from it): as with Spawn, a closed
// runtime still takes the sub-tasks of its running tasks until Shutdown's
// context ends. A task the group runs on its submitter's goroutine (its
// caller-runs rule, when it is full) is the submitter's work: it takes no
// slot of its own. With runtime/trace on, each task is a "spool.run"
// region in the trace task of the context the group was made with, not a
// trace task of its own.
//
//	g := task.NewGroup[int](ctx, task.On(r), task.Limit(100))
//	defer g.Close()
//	g.Go(ctx, fetch)
//
// A task of such a group costs about 1.25 µs and 2 allocations (the task,
// 160 B for an int, and its registry entry, 96 B; about 290 B a task with
// the group's bookkeeping) from Go to Wait, against 0.56 µs
// and 1 allocation for a group without On, and 1.84 µs and 4 allocations
// for rt.Spawn and task.All (BenchmarkGroupOn: 100 trivial tasks at a time
// from a task of a 2-slot runtime; medians of 8 runs on the project's
// 2-core machine): the group's goroutines carry task after task, where
// each Spawn starts one.
//
// The group calls them; programs call none. TaskSlot returns the slot for
// a task's context; fn, the task's function, is only looked at for its
// name. A nil or zero r returns nil, and its Accept refuses every task
// with [ErrNilRuntime].
func (r *Runtime) TaskSlot(fn any) task.Slot {
	if r.zero() {
		return nil
	}
	e := &entry{r: r}
	if fn != nil {
		if v := reflect.ValueOf(fn); v.Kind() == reflect.Func {
			e.pc = v.Pointer()
		}
	}
	return e
}

// Accept makes j, a task a group made with task.On(r) has accepted, one of
// r's tasks, waiting to run; see [Runtime.TaskSlot]. ctx is the context
// the group was made with. It refuses j with [ErrClosed] if r has closed
// (but for a group made by one of r's running tasks), with
// [ErrNilRuntime] for a nil or zero r, and with an error matching
// [ErrInvalid] if j's context does not carry a slot of r's TaskSlot, or
// carries one that another job has. It panics if ctx is nil
// ("rt: Runtime.Accept: nil context").
func (r *Runtime) Accept(ctx context.Context, j task.Job) error {
	if ctx == nil {
		panic("rt: Runtime.Accept: nil context")
	}
	if r.zero() {
		return ErrNilRuntime
	}
	e, ok := task.ContextSlot(j.Context()).(*entry)
	if !ok || e.r != r || e.blocking {
		return errForeignJob
	}
	var lab *labels
	if trace.IsEnabled() {
		// Its run is a region of its context's trace task (see run).
		lab = r.ownLabels(&extra{tctx: j.Context()}, false)
	}
	spawned := r.clock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.gstate != gNone {
		return errForeignJob // the slot is another job's
	}
	e.job, e.lab, e.spawned = j, lab, spawned
	if !r.registerLocked(e, ctx) {
		e.gstate = gRefused
		return ErrClosed
	}
	e.gstate = gAccepted
	return nil
}

// RunTask runs j, which [Runtime.Accept] took, on the calling goroutine (one
// of the group's) and returns once it has ended; see [Runtime.TaskSlot]. If
// j has ended already, RunTask only counts it out, as a task that never
// ran. The goroutine wears no pprof labels when RunTask returns. A job
// Accept did not take is failed with an
// error matching [ErrInvalid] (or, if it has ended, left as it is), and
// one it has run already makes it panic, as task.Job's Run does
// ("rt: Runtime.RunTask: job run twice").
func (r *Runtime) RunTask(j task.Job) {
	e, ok := task.ContextSlot(j.Context()).(*entry)
	if r.zero() || !ok || e.r != r || e.blocking {
		r.refuseRun(j)
		return
	}
	r.mu.Lock()
	st, mine := e.gstate, e.job == j
	if st == gAccepted && mine {
		e.gstate = gRun
	}
	r.mu.Unlock()
	switch {
	case st == gRun && mine:
		panic("rt: Runtime.RunTask: job run twice") // as task's Job.Run does
	case st != gAccepted || !mine:
		r.refuseRun(j)
		return
	}
	if task.Ended(j) {
		e.slot.Store(slotWord(parksEnded, 0)) // a stray Park after the end does nothing
		r.exit(e, j.Err(), false)
		return
	}
	e.run()
	pprof.SetGoroutineLabels(context.Background())
}

// refuseRun fails j, given to RunTask but not taken by Accept, unless it
// has ended.
func (r *Runtime) refuseRun(j task.Job) {
	if !task.Ended(j) {
		j.Abort(errForeignJob)
	}
}
