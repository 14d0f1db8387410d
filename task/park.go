package task

import (
	"context"
	"sync/atomic"
)

// Slot is an execution slot that a task holds while it runs, such as one of
// a runtime's worker slots (package rt). Release gives it back; Acquire
// blocks until it is held again. A task calls them in pairs, Release first,
// at each await point. Release reports whether it counted the await point:
// if it did not (the slot has nothing to give back, as for a task that has
// not started), the await point's Resume does not call Acquire, so an
// uncounted Park never takes a slot.
type Slot interface {
	Release() bool
	Acquire()
}

type slotKey struct{}

// groupKey finds the nearest Group context above a context.
type groupKey struct{}

// Parked is a slot given back at an await point; see [Park].
type Parked struct{ s Slot }

// Park marks the start of an await point: if ctx belongs to a task that
// holds a runtime slot, Park gives the slot back so another task can run,
// and the returned Parked takes it again on Resume. Outside a runtime, Park
// costs one context lookup and Resume nothing.
//
// spool's own waits park (Task.Await, Sleep, Select, Group waits, pool
// submission, channel helpers, retry back-off, guard locks and
// semaphores). Call it yourself around a wait spool cannot see:
//
//	p := task.Park(ctx)
//	v := <-ch
//	p.Resume()
//
// The slot belongs to the task's own goroutine: a goroutine you start with
// the go statement must not park with the task's context (one started with
// [Go] gets a context without the slot; see also [WithoutSlot]).
//
// Park, ContextSlot and WithoutSlot panic if ctx is nil.
func Park(ctx context.Context) Parked {
	if ctx == nil {
		panic("task: Park: nil context")
	}
	s, _ := ctx.Value(slotKey{}).(Slot)
	if s != nil && s.Release() {
		return Parked{s}
	}
	return Parked{}
}

// Resume takes back the slot that Park gave back, blocking until one is
// free. It does nothing outside a runtime. Call it exactly once.
func (p Parked) Resume() {
	if p.s != nil {
		p.s.Acquire()
	}
}

// ContextSlot returns the slot held by the task that owns ctx, or nil.
func ContextSlot(ctx context.Context) Slot {
	if ctx == nil {
		panic("task: ContextSlot: nil context")
	}
	s, _ := ctx.Value(slotKey{}).(Slot)
	return s
}

// WithoutSlot returns a child of ctx that holds no runtime slot: await
// points under it park nothing. Give it to goroutines you start yourself
// (with the go statement) from inside a runtime task, so they cannot give
// back the slot that belongs to the task's own goroutine. Contexts of tasks
// started with [Go] hold no slot already.
func WithoutSlot(ctx context.Context) context.Context {
	if ctx == nil {
		panic("task: WithoutSlot: nil context")
	}
	if ContextSlot(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, slotKey{}, nil)
}

// Helper is a [Slot] whose executor can run a queued task on a waiting
// goroutine. An executor whose workers keep their slot while they wait
// (package pool: a thread waits on its thread) implements it, so that a
// worker waiting for a task queued behind it does not wait forever.
//
// When a task waits with ctx ([Task.Await], [All], the Joins, [Race],
// [Any], [Select]) for a task t that has not started, whose slot is a
// Helper, and ctx holds that same slot (the waiter is a task of the same
// executor), the wait calls Help(ctx, job, lastResort) with t's job before
// it blocks. Help may run the job on the calling goroutine with [TryRun],
// if that goroutine is one of the executor's workers and no other worker
// would run it soon; the wait then finds t ended. Because the queue still
// holds the job, the executor's worker that later takes it uses TryRun
// too, and skips it.
//
// All, the Joins, Race and Any offer their queued members one at a time,
// in order, and stop offering once decided (a failure, a winner), so that
// the members they then cancel are not run; they decide at each member's
// end, on the goroutine that ends it, so a member that another member's
// end cancels returns even while its waiter runs it. Select, which
// cancels nothing, offers its task cases one at a time, in order, until a
// case is ready, with lastResort set: run one only if no worker is left
// to run anything, since it runs that case to its end, even if another
// one ends sooner elsewhere; and it offers none while a case that is not
// a task (a Timer, a context other than its ctx) could end the wait.
//
// If Help returns a channel, the wait also waits for it, and calls Help
// again (with the slot taken back) once it is closed and t has still not
// ended: the executor closes it when no worker is left to run t. A nil
// channel asks for no second look.
type Helper interface {
	Slot
	Help(ctx context.Context, j Job, lastResort bool) (again <-chan struct{})
}

// queued reports whether t waits in an executor's queue (see Queue).
func (t *Task[T]) queued() bool { return atomic.LoadUint32(&t.ctx.state) == stateQueued }

// help lets the executor of t, if it is a Helper, run t on the calling
// goroutine while t waits in its queue; see Helper. It costs a task that
// is not queued one atomic load.
func (t *Task[T]) help(ctx context.Context, lastResort bool) <-chan struct{} {
	if !t.queued() || t.ctx.slot == nil {
		return nil
	}
	h, ok := t.ctx.slot.(Helper)
	if !ok || ContextSlot(ctx) != t.ctx.slot {
		return nil
	}
	return h.Help(ctx, (*job[T])(t), lastResort)
}
