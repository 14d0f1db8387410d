package rt

import (
	"context"
	"reflect"
	"runtime/trace"

	"github.com/spool-go/spool/task"
)

// errForeignJob is RunTask's error for a job whose context does not carry
// a slot that r's TaskSlot made.
var errForeignJob error = invalidError("rt: Runtime.RunTask: the job's context carries no slot of this runtime's TaskSlot")

var _ task.Executor = (*Runtime)(nil)

// TaskSlot makes r a [task.Executor], for task.On(r): a [task.Group] made
// with it runs each of its tasks on r, as [Spawn] does, on the group's own
// goroutines. Such a task takes one of r's worker slots before fn runs
// (waiting in FIFO order with r's other tasks) and gives it back at its
// await points; it counts in [Metrics] and [Runtime.Tasks], runs under
// r's pprof labels (named after fn, whose name the blocking detector's
// reports give), is reported by the detector when it holds its slot too
// long, and is cancelled by Shutdown as any other task of r. A task that
// a group takes after r has closed fails with [ErrClosed], without
// running, unless the group was made with the context of a running task
// of r (or one derived from it): as with Spawn, a closed runtime still
// takes the sub-tasks of its running tasks until Shutdown's context ends.
// A task the group runs on its submitter's goroutine (its caller-runs
// rule, when the group is full) is the submitter's work: it takes no slot
// of its own.
//
//	g := task.NewGroup[int](ctx, task.On(r), task.Limit(100))
//	defer g.Close()
//	g.Go(ctx, fetch)
//
// The group calls TaskSlot, once for every task it accepts, and RunTask:
// programs call neither. TaskSlot returns the slot for the task's
// context; fn, the task's function, is only looked at for its name. On a
// nil or zero r it returns nil, and RunTask fails the task with
// [ErrNilRuntime].
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

// RunTask runs j, a task of a group made with task.On(r), on the calling
// goroutine, one of the group's, and returns once it has ended: see
// [Runtime.TaskSlot]. ctx is the context the group was made with. A job
// whose context's slot is not one that r's TaskSlot made is failed at
// once with an error matching [ErrInvalid]. RunTask panics if ctx is nil
// ("rt: Runtime.RunTask: nil context") and, as task.Job's Run does, if
// the job has been run before ("rt: Runtime.RunTask: job run twice").
func (r *Runtime) RunTask(ctx context.Context, j task.Job) {
	if ctx == nil {
		panic("rt: Runtime.RunTask: nil context")
	}
	if r.zero() {
		j.Abort(ErrNilRuntime)
		return
	}
	e, ok := task.ContextSlot(j.Context()).(*entry)
	if !ok || e.r != r || e.blocking {
		j.Abort(errForeignJob)
		return
	}
	r.mu.Lock()
	ran := e.job != nil
	e.job = j
	r.mu.Unlock()
	if ran {
		panic("rt: Runtime.RunTask: job run twice") // as task's Job.Run does
	}
	if trace.IsEnabled() {
		x := new(extra)
		x.tctx, x.tt = trace.NewTask(j.Context(), "spool.task")
		e.lab = r.ownLabels(x, false)
	}
	if !r.register(e, ctx) {
		j.Abort(ErrClosed)
		e.endTrace()
		return
	}
	e.run()
}
