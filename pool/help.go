package pool

import (
	"context"
	"reflect"
	"runtime"
	"sync"

	"github.com/spool-go/spool/task"
)

// help runs j, a task of p that has not started, on the calling goroutine
// when a task of p waits for it with ctx (Task.Await, task.All, the Joins,
// Race, Any, Select: see task.Helper) and no other worker would run it
// soon: p is at its limit with no idle worker (saturated) and ctx has no
// deadline, or every worker waits in an await point too (stuck), deadline
// or not. A wait that is a last resort (Select's, which cancels nothing:
// the case it runs is the one it returns) helps only when stuck. A
// pool task keeps its worker while it waits, so without help a recursive
// fan-out that awaits its children, on any pool, ended with every worker
// waiting for a child queued behind it; and with help only when stuck, a
// tree ran one leaf at a time (1,024 leaves of 10 µs: 14-16 ms on 2
// workers against 8 ms now). A waiter with a deadline keeps it: it leaves
// the task to a busy worker unless none is left.
//
// Only one of p's workers helps: a goroutine that a task started and gave
// its context to does not, so j never runs beyond the limit or off a
// LockOSThread worker's thread. The worker runs j as a caller-runs item
// (runInline: counted, cancellable by Shutdown); j stays in the queue, and
// the worker that takes it there finds it taken and skips it (exec). So
// help runs the task waited for and nothing else, and a chain of waits
// that help nests as deep as the chain, not as the queue is long.
//
// A worker that leaves j to another worker waits, but that worker may
// then wait in turn (for the very task the first one runs, say), or exit.
// So help returns a channel that the last of p's workers to wait closes
// (parked), as does a worker's exit (unstick), and the waiter looks again
// (task.Helper). It returns nil, for no second look, when it ran j, when
// the caller is no worker, or when ctx is done.
func (p *Pool) help(ctx context.Context, j task.Job, lastResort bool) <-chan struct{} {
	if ctx.Err() != nil {
		return nil
	}
	if !p.stuck(1) && (lastResort || !p.saturated() || !noDeadline(ctx)) {
		again := p.armHelp()
		if !p.stuck(1) { // a worker that waited meanwhile saw again armed
			return again
		}
	}
	if !p.worker() {
		return nil
	}
	p.runInline(&item{job: j}, true)
	return nil
}

// armHelp returns the channel that parked closes when p gets stuck.
func (p *Pool) armHelp() <-chan struct{} {
	p.helpMu.Lock()
	defer p.helpMu.Unlock()
	if p.helpCh == nil {
		p.helpCh = make(chan struct{})
		p.helpArmed.Store(true)
	}
	return p.helpCh
}

// parked counts a task of p into an await point (the Release of its
// slot), and wakes the waiters of armHelp if that leaves p stuck.
func (p *Pool) parked() {
	p.awaiting.Add(1)
	p.unstick()
}

// unstick wakes the waiters of armHelp to look again if p is stuck: after
// a task of p came to wait (parked), or a worker exited (Resize, keep-alive),
// which leaves fewer workers to wait for.
func (p *Pool) unstick() {
	if !p.helpArmed.Load() || !p.stuck(0) {
		return
	}
	p.helpMu.Lock()
	if p.helpCh != nil {
		close(p.helpCh)
		p.helpCh = nil
		p.helpArmed.Store(false)
	}
	p.helpMu.Unlock()
}

// stuck reports whether no worker of p would take a queued item for now:
// p is at its limit, no worker is idle or parked as a spare, and every
// worker is in an await point, the caller counted as one if it is not yet
// (self 1). Goroutines that tasks of p start with their contexts count as
// awaiting when they wait, so stuck may say yes a little early; it never
// says yes while a worker is idle.
func (p *Pool) stuck(self int64) bool {
	return p.saturated() && p.awaiting.Load()+self >= p.workers.Load()&^closedBit
}

// worker reports whether the calling goroutine is one of p's workers, as
// self does, but cheaply for a goroutine that runs a pool task: it looks
// for exec's frame among the 16 callers nearest to it (about 600 ns,
// BenchmarkSelf/worker()), then among the next 48, and reads the whole
// stack with self (3-6 µs on a shallow stack, far more on a deep one)
// only if it finds none there: a Go job, a goroutine that is not a
// worker, or a task deep in calls of its own. exec runs every task a
// worker runs, and only workers call it. An exec frame may be another
// pool's: a worker of another pool that uses the context of one of p's
// tasks is taken for one of p's.
func (p *Pool) worker() bool {
	return nearExec() || p.self() != nil // a Go job, a goroutine of a task, or a deep stack
}

// nearExec reports whether exec's frame is among the 64 callers nearest
// to its caller's caller: the cheap half of worker.
func nearExec() bool {
	at := execPCs()
	var pcs [48]uintptr
	skip := 3 // runtime.Callers, nearExec and worker
	for _, window := range [...]int{16, 48} {
		n := runtime.Callers(skip, pcs[:window])
		for _, pc := range pcs[:n] {
			if pc == at[0] || pc == at[1] {
				return true
			}
		}
		if n < window {
			break // the bottom of the stack
		}
		skip += n
	}
	return false
}

// execPCs returns the program counters that runtime.Callers gives for
// exec's frame on the path by which it runs a task's function (two when
// the call into package task is inlined, which then has a frame of its
// own with exec's entry). It learns them once, by running a probe task
// through exec.
var execPCs = sync.OnceValue(func() (at [2]uintptr) {
	entry := runtime.FuncForPC(reflect.ValueOf((*Pool).exec).Pointer()).Entry()
	_, job := task.Prepare(context.Background(), func(context.Context) (struct{}, error) {
		var pcs [16]uintptr
		n := runtime.Callers(1, pcs[:])
		k := 0
		for _, pc := range pcs[:n] {
			if f := runtime.FuncForPC(pc - 1); f != nil && f.Entry() == entry && k < len(at) {
				at[k] = pc
				k++
			}
		}
		return struct{}{}, nil
	}, task.Queued())
	(*Pool)(nil).exec(job, false, false)
	return at
})

// saturated reports whether p is at its limit with no idle worker or
// spare: a queued task waits for a busy worker to finish.
func (p *Pool) saturated() bool {
	return !p.short() && p.spareN.Load() == 0 && p.idle.Load() == 0
}

// noDeadline reports whether ctx has no deadline.
func noDeadline(ctx context.Context) bool {
	_, ok := ctx.Deadline()
	return !ok
}
