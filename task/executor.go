package task

import "context"

// Executor runs the tasks of a [Group] made with [On] on the group's
// goroutines, under the executor's rules: package rt's *Runtime is one,
// so that task.NewGroup[T](ctx, task.On(r)) is tokio's JoinSet spawning
// on a runtime, each of its tasks holding one of the runtime's worker
// slots while it runs and giving it back at its await points.
//
// A group calls TaskSlot once for every task it accepts, before it makes
// the task's context, with the task's function (for the executor's
// reports; it must not call it). The slot it returns (nil for none) is
// the one the task's context carries: the one [Park] gives back. When one
// of the group's goroutines takes the task, the group calls RunTask on
// that goroutine with the context the group was made with (an executor
// may treat a group that one of its own tasks made as that task's work)
// and the task's job. RunTask must end the job, with Job.Run or
// Job.Abort, before it returns (the group fails a task that RunTask
// returned without starting with an error matching [ErrNotStarted], so
// that Wait does not wait for it for good); if the function calls
// runtime.Goexit, RunTask does not return. A task that a full group runs on its
// submitter's goroutine (the caller-runs rule of [Group.Go]) runs there
// as part of the submitter's work: not through RunTask, and its slot,
// which it never takes, gives nothing back.
type Executor interface {
	TaskSlot(fn any) Slot
	RunTask(ctx context.Context, j Job)
}

// On makes the group's tasks run through e (see [Executor]): with a
// runtime of package rt, task.On(r) puts them under r's worker slots, its
// blocking detector, metrics and Shutdown, as rt.Spawn does. The group's
// own rules stay: its limit, FailFast, and results in Next and Wait. An
// Executor of your own can, say, share one limit between groups (one per
// host, for a crawler: see the example). A nil e makes [NewGroup] panic.
func On(e Executor) GroupOption {
	return func(c *groupConfig) {
		if e == nil {
			if c.bad == "" {
				c.bad = "On: nil Executor"
			}
			return
		}
		c.exec = e
	}
}
