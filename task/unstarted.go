package task

import "context"

// AbortUnstarted resolves j with err without running it, if j has not
// started (a [Queued] task or not), and reports whether it did. Unlike
// Abort, it may be called while another goroutine is about to Run j, or
// runs it: whichever claims j first wins. If Run came first,
// AbortUnstarted does nothing and reports false; if AbortUnstarted came
// first, Run and Abort do nothing, and [NotStarted] reports true, as for a
// task a cancel resolved while it was queued. The task's context is
// cancelled.
//
// It is for an executor that gives up on work a worker may have taken but
// not started: package pool's Shutdown resolves such a task with its own
// error, and cancels the task instead if AbortUnstarted reports false (a
// plain Cancel would resolve a task not yet started with ErrNotStarted
// and the context's error alone). err should match [ErrNotStarted].
func AbortUnstarted(j Job, err error) bool {
	a, ok := j.(interface{ abortUnstarted(error) bool })
	return ok && a.abortUnstarted(err)
}

func (j *job[T]) abortUnstarted(err error) bool {
	c := &j.ctx
	if !c.tryClaim(stateAborted) {
		return false
	}
	c.publish(err) // as a cancel of a queued task does (see taskCtx.end)
	return true
}

// abortUnclaimed resolves j with err, as not started, if nobody has
// claimed it yet; unlike abortUnstarted, through finish, so that a group
// it belongs to hears of its end. A Run or Abort that comes later does
// nothing, as for a task a cancel resolved while it was queued.
func (j *job[T]) abortUnclaimed(err error) {
	t := (*Task[T])(j)
	if t.ctx.tryClaim(stateAborted) {
		var zero T
		t.finish(zero, err)
	}
}

// CancelCause cancels j's context, as [Job.Cancel] does, with cause as
// the context's cause (context.Cause), so that the function, and the
// error of a task that had not started (which matches cause too), can
// tell why: package rt's Shutdown gives rt.ErrShutdown. A nil cause
// cancels as Job.Cancel does. A Job not made by [Prepare] is cancelled
// with its Cancel.
func CancelCause(j Job, cause error) {
	if c, ok := j.(interface{ cancelCause(error) }); ok && cause != nil {
		c.cancelCause(cause)
		return
	}
	j.Cancel()
}

func (j *job[T]) cancelCause(cause error) {
	if t := (*Task[T])(j); !t.none() {
		t.ctx.endWith(context.Canceled, cause, false, true)
	}
}
