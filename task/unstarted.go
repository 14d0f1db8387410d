package task

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
