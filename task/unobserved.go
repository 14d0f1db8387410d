package task

import (
	"log/slog"
	"runtime"
	"sync/atomic"
)

// unobserved records a task's panic until somebody reads the task's error
// or the task is garbage-collected, whichever comes first.
type unobserved struct {
	err  *PanicError
	seen atomic.Bool
}

// unobservedHook is OnUnobservedPanic's function; nil means log it.
var unobservedHook atomic.Pointer[func(*PanicError)]

// OnUnobservedPanic sets the function told of a panic in a task whose
// error nobody read before the task was garbage-collected: nobody Awaited
// it, called Result on it, passed it to a combinator that returned its
// error, or got its error from a Group's Wait or Next. That holds whoever
// ran the task ([Go], a pool, a runtime, a [Group]): an executor reading
// the outcome for its own counts (Job.Err), or a Group recording it, does
// not count as reading it. A panic becomes the task's error so that its
// owner sees it; this is the last resort for one whose owner dropped the
// task, as .NET's UnobservedTaskException is. For a dropped task, f runs
// on a goroutine of the runtime's, some time after a garbage collection;
// [ReportPanic] calls it at once on its caller's goroutine (so does
// parallel.MapOrdered, for a call in flight when its loop is broken out
// of, before the loop statement ends). Either way it must not block. A
// nil f restores the default, which logs the value and the stack at error
// level with slog.Default. Tasks that did not panic cost nothing.
func OnUnobservedPanic(f func(*PanicError)) {
	if f == nil {
		unobservedHook.Store(nil)
		return
	}
	unobservedHook.Store(&f)
}

// watchPanic arranges for e, t's panic, to be reported if t is collected
// before anyone reads its error. t has not ended yet.
func watchPanic[T any](t *Task[T], e *PanicError) {
	u := &unobserved{err: e}
	t.ctx.mu.Lock()
	t.ctx.cold().unobserved = u
	t.ctx.mu.Unlock()
	runtime.AddCleanup(t, reportUnobserved, u)
}

func reportUnobserved(u *unobserved) {
	if u.seen.Load() {
		return
	}
	ReportPanic(u.err)
}

// ReportPanic hands e to the function set with [OnUnobservedPanic] or, by
// default, logs its value and stack at error level with slog.Default, at
// once, on the calling goroutine. It is for code that runs functions
// outside tasks and must drop the error of one that panicked, so that the
// panic is not lost: parallel.MapOrdered calls it for a call still in
// flight when its loop is broken out of. A nil e is ignored.
func ReportPanic(e *PanicError) {
	if e == nil {
		return
	}
	if f := unobservedHook.Load(); f != nil {
		(*f)(e)
		return
	}
	slog.Error("task: a task panicked and nobody read its error",
		"panic", e.Value, "stack", string(e.Stack))
}

// observe marks the task's panic, if it ended in one, as read. The task
// has ended. It is small enough to inline into Await and Result.
func (c *taskCtx) observe() {
	if _, ok := c.res.(*PanicError); ok {
		c.observePanic()
	}
}

func (c *taskCtx) observePanic() {
	c.mu.Lock()
	if c.x != nil && c.x.unobserved != nil {
		c.x.unobserved.seen.Store(true)
	}
	c.mu.Unlock()
}

// Repanic panics with e: for a caller that wants the crash a panic in a
// plain goroutine causes, once it has the task's error. The value
// recovered from it is e, which keeps the original value and stack.
func (e *PanicError) Repanic() { panic(e) }
