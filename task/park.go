package task

import "context"

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
