package task

import "context"

// Executor runs the tasks of a [Group] made with [On] on the group's
// goroutines, under the executor's rules: package rt's *Runtime is one,
// so that task.NewGroup[T](ctx, task.On(r)) is tokio's JoinSet spawning
// on a runtime, each of its tasks holding one of the runtime's worker
// slots while it runs and giving it back at its await points.
//
// For every submission that passes the group's own checks (a ctx not
// done, FailFast, the wait for a place under the limit), but those it
// runs on the submitter's goroutine (see below), it calls, in this order:
//   - TaskSlot, before it makes the task's context, with the task's
//     function (for the executor's reports: it must not call it). The
//     slot it returns (nil for none) is the one the task's context
//     carries: the one [Park] gives back. The group may still refuse the
//     task (a nil fn, a closed group, Accept's error) and call nothing
//     more for it, so TaskSlot must reserve nothing.
//   - Accept, with the context the group was made with and the task's
//     job, under the group's lock, once the group has checked that it is
//     open, just before it queues the task: Accept must not call the
//     group, nor block for long. An error refuses the task: the group
//     fails it with that error, and never runs it (a closed runtime
//     refuses so). An executor that must wait for a task it took (a
//     runtime's Shutdown) counts it from here.
//   - RunTask, exactly once for every job Accept took, on the group's
//     goroutine that takes the task from the queue. RunTask must end the
//     job (Job.Run or Job.Abort) before it returns, and run it on the
//     calling goroutine: [Group.Close] called by a task finds its group
//     on the calling goroutine's stack, so a task run elsewhere that
//     closes its own group waits for itself. If the function calls
//     runtime.Goexit, RunTask does not return. A RunTask that waits
//     before it runs the job (for a place under a limit of its own) should
//     also wait for the job's context (j.Context().Done()) and end the job
//     with Job.Abort and an error matching [ErrNotStarted] when it is
//     done: the group's Close cancels it, and then waits for it. The
//     group fails a task
//     that RunTask returned without starting with an error matching
//     [ErrNotStarted], so that Wait does not wait for it for good; a later
//     Run of it does nothing.
//
// A task that a full group runs on its submitter's goroutine (the
// caller-runs rule of [Group.Go]) is the submitter's work: the group
// calls none of these for it, and its context carries no slot of its own.
type Executor interface {
	TaskSlot(fn any) Slot
	Accept(ctx context.Context, j Job) error
	RunTask(j Job)
}

// On makes the group's tasks run through e (see [Executor]): with a
// runtime of package rt, task.On(r) puts them under r's worker slots, its
// blocking detector, metrics and Shutdown, as rt.Spawn does. The group's
// own rules stay: its limit, FailFast, and results in Next and Wait. So do
// the executor's: whether a task starts is its call too (a runtime does
// not start a task whose context ended while it waited for a slot, where
// a group without On starts fn all the same: see [Group.Go]). An
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
