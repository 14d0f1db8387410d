package rt

import "context"

// PprofLabels returns a context that carries the pprof labels e's task
// runs under. Package task asks a task's slot for it (an optional method
// of task.Slot) when somebody looks up the labels of the task's context,
// so that pprof.Do with that context keeps the task's labels on the
// goroutine, and pprof.Label with it finds them. It costs Spawn nothing:
// the context is the task's label set, made or taken from the free list
// when the task was registered.
//
// A task refused before it was registered (a nil fn, a runtime closing)
// has no label set and never runs: its context carries the runtime's
// label alone. Once a task has ended, its pooled label set may be another
// task's, as it may be for the goroutines it started.
func (e *entry) PprofLabels() context.Context {
	if e.lab == nil { // blocking entries are never a task's slot: not asked
		return e.r.base
	}
	return e.labelCtx()
}

var _ interface{ PprofLabels() context.Context } = (*entry)(nil)
