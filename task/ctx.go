package task

import (
	"context"
	"fmt"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// closedchan is a reusable closed channel, as in package context.
var closedchan = make(chan struct{})

func init() { close(closedchan) }

// taskCtx is the context a task's function receives. It is embedded in the
// Task so that starting a task costs one allocation, not three
// (context.WithCancel allocates the context and its cancel func). It behaves
// as a context.WithCancel child of its parent: it is done when the parent is
// done, when the task is cancelled, and when the task's function returns.
//
// Children made with context.WithCancel and friends attach through the
// AfterFunc method, which package context looks for on custom contexts, so
// no goroutine watches a task's context itself. Two differences from a
// context.WithCancel child remain. A child made from a value child of a
// task context (context.WithValue(taskCtx, k, v), then WithTimeout: the
// usual middleware shape) is watched by a goroutine of package context's
// until either ends, as for any custom parent: the value child hides the
// AfterFunc method. And the end of a parent of package context reaches a
// task context through context.AfterFunc, whose callback runs on a
// goroutine of its own: a task context's Err reports that end at once (it
// asks the parent), but a package-context child of it hears of it a
// moment later, not before the parent's cancel returns.
type taskCtx struct {
	parent context.Context
	slot   Slot // the runtime slot the task holds, or nil

	mu   sync.Mutex
	done atomic.Pointer[chan struct{}] // created lazily, closed on cancel
	err  error                         // set once, under mu
	x    *coldCtx                      // rarely needed state, made on demand (mu)

	// Task contexts started under a task context link into their parent's
	// list of kids, so nesting and groups cost no allocation. The links are
	// guarded by the parent's mu; the parent is c.parent.(*taskCtx).
	prev, next *taskCtx
	kids       *taskCtx
	linked     bool

	// attached says the context is registered with its parent; see attach
	// (mu). It shares linked's word, and so does the task's state, which
	// belongs to the Task but fills the word here: a Task[int] is then 160
	// bytes (it was 184), the 160-byte size class, and a Task with a
	// runtime's entry fits the 256-byte class.
	attached bool
	byParent bool   // it ended because its parent did (mu): see Value
	isGroup  bool   // it is a Group's context: see Value's groupKey
	state    uint32 // the Task's: stateNew, stateRunning, stateDone...; atomic, but queue writes it plainly before the task is shared (a Group's context leaves it 0)

	// The Task's Done channel (made lazily) and error. They live here, not
	// in the Task, so that a cancel can resolve a Queued task without
	// knowing its result type.
	fin atomic.Pointer[chan struct{}]
	res error
}

// coldCtx is the part of a taskCtx that most tasks never need; keeping it
// out of line keeps a Task small, and allocation is most of its cost.
type coldCtx struct {
	cause   error             // when it differs from err
	shown   bool              // cause was given to CancelCause: context.Cause reports it
	afters  map[uint64]func() // callbacks from AfterFunc, run on cancel
	nextID  uint64            // ids of afters and waiters
	stop    func() bool       // detaches from a foreign parent that can be cancelled
	carrier context.Context   // a Group's cause, for context.Cause (see causeCarrier)
	waiters []waiter          // run once the task's result is published (Task.whenDone)

	unobserved *unobserved // the task's panic, until somebody reads it
}

// cold returns c.x, making it. c.mu must be held.
func (c *taskCtx) cold() *coldCtx {
	if c.x == nil {
		c.x = new(coldCtx)
	}
	return c.x
}

// init makes parent c's parent. It must be called before c is shared.
//
// c attaches to its parent (registers to hear of the parent's end) lazily:
// only when somebody asks for c's Done channel, directly or through a
// child context or a child task that does. A task whose function never
// waits on its context costs no registration; until it attaches, Err
// consults the parent instead.
func (c *taskCtx) init(parent context.Context, s Slot) {
	c.parent = parent
	c.slot = s
}

// attach registers c with its parent, once. It is called under no lock.
func (c *taskCtx) attach() {
	c.mu.Lock()
	if c.attached || c.err != nil {
		c.mu.Unlock()
		return
	}
	c.attached = true
	c.mu.Unlock()
	parent := c.parent
	if parent.Done() == nil {
		return // Background, TODO and their value children never end
	}
	if p, ok := parent.(*taskCtx); ok {
		p.attach()
		if !p.link(c) {
			c.parentEnded(p.Err(), p.causeErr())
			return
		}
		// c may have ended since it marked itself attached: its end then
		// found nothing to unlink, and c must not stay in p's kids (it
		// would keep c's task alive as long as p).
		c.mu.Lock()
		ended := c.err != nil
		c.mu.Unlock()
		if ended {
			c.unlink()
		}
		return
	}
	if err := parent.Err(); err != nil {
		c.parentEnded(err, context.Cause(parent))
		return
	}
	stop := context.AfterFunc(parent, func() { c.parentEnded(parent.Err(), context.Cause(parent)) })
	c.mu.Lock()
	if c.err == nil {
		c.cold().stop = stop
		stop = nil
	}
	c.mu.Unlock()
	if stop != nil { // c ended while attaching
		stop()
	}
}

// parentErr latches the end of c's nearest ended ancestor into c, if an
// ancestor has ended and nobody has told c yet (see Err), and into every
// task context between c and that ancestor, as package context's tree
// would have: each of them then reports that end, and a later cancel of
// one of them changes nothing (Cause of c would otherwise change after
// its Err had reported the ancestor's end). It walks up the chain of task
// contexts without locking them (one that has ended has a closed done
// channel) and without recursion, to the first one that has ended or to
// the first context that is not a task's, which it asks. A chain of
// 10,000 nested tasks each asking its context's Err took 27 s when each
// level asked its parent's Err in turn (a lock pair and a stack frame a
// level, on every goroutine of the chain); a level now costs a few ns.
func (c *taskCtx) parentErr() {
	var (
		err, cause error
		at         *taskCtx // the ended ancestor, nil for a foreign one
		a          = c.parent
	)
	for {
		p, ok := a.(*taskCtx)
		if !ok {
			break
		}
		if p.ended() {
			at, err, cause = p, p.Err(), p.causeErr()
			break
		}
		a = p.parent
	}
	if at == nil {
		if a.Done() == nil {
			return // Background, TODO and their value children never end
		}
		if err = a.Err(); err == nil {
			return
		}
		cause = context.Cause(a)
	}
	for x := c; ; {
		x.parentEnded(err, cause)
		p, ok := x.parent.(*taskCtx)
		if !ok || p == at {
			return
		}
		x = p
	}
}

func (c *taskCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }

func (c *taskCtx) Done() <-chan struct{} {
	if d := c.done.Load(); d != nil {
		return *d
	}
	c.mu.Lock()
	d := c.done.Load()
	if d == nil {
		ch := make(chan struct{})
		d = &ch
		c.done.Store(d)
	}
	c.mu.Unlock()
	c.attach()
	return *d
}

// Err reports c's end, asking the parent when c has not ended itself: c
// may not have attached, and a foreign parent (one of package context)
// tells its AfterFunc callbacks on a goroutine of their own, so it may be
// done before c hears of it. Asking keeps the promise of package context
// that once a parent's cancel returns, its descendants' Err is not nil.
// A context that has not ended takes no lock: its done channel, closed
// under mu as err is set, says so.
func (c *taskCtx) Err() error {
	if !c.ended() {
		c.parentErr()
		if !c.ended() {
			return nil
		}
	}
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	return err
}

// ended reports whether c has ended: its done channel is there, made by
// Done or by the end itself, and closed.
func (c *taskCtx) ended() bool { return closedChan(&c.done) }

// closedChan reports whether the channel p points to is there and closed.
func closedChan(p *atomic.Pointer[chan struct{}]) bool {
	d := p.Load()
	if d == nil {
		return false
	}
	select {
	case <-*d:
		return true
	default:
		return false
	}
}

func (c *taskCtx) causeErr() error {
	if c.Err() == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.x != nil && c.x.cause != nil {
		return c.x.cause
	}
	return c.err
}

// Value answers slotKey itself, so that a task never inherits the runtime
// slot of the task that started it, and hides the parent's *cancelCtx
// until c has ended because its parent did: package context then treats c
// as the custom context it is rather than as its parent, and once the
// parent's end has reached c, context.Cause of c (and of contexts derived
// from it) finds the cause given to the parent's cancel. (Package
// context's cancel-propagation compares Done channels, so the parent's
// *cancelCtx is never mistaken for c's.)
//
// When c's slot is a [labeler] (a task of package rt), Value answers
// runtime/pprof's key for a context's label set from the slot, not from
// the parent: c then carries the labels its goroutine runs under, so
// pprof.Do with c adds to them and gives them back, rather than dropping
// them, and pprof.Label with c finds them. The parent's labels are not
// the goroutine's: those of the context it was spawned with, or of a
// runtime's task found up the parent chain, another goroutine's. Every
// other key, and every context whose slot is not a labeler (task.Go, a
// Group, a pool, a runtime's blocking task), is looked up as before, so
// a task started with task.Go in a runtime's task finds that task's
// labels, which its goroutine inherited. The price, for a lookup that
// gets that far, is a look at c's slot and, if it has one, a comparison
// of key: under 1 ns (BenchmarkValue, BenchmarkTaskValue in package rt).
func (c *taskCtx) Value(key any) any {
	if key == (slotKey{}) {
		if c.slot == nil {
			return nil
		}
		return c.slot
	}
	if key == (groupKey{}) && c.isGroup {
		return c // the nearest Group context: see Group.owns
	}
	if c.slot != nil && key == labelsKey { // slot first: most tasks have none
		if l, ok := c.slot.(labeler); ok {
			if lc := l.PprofLabels(); lc != nil {
				return lc.Value(key)
			}
		}
	}
	v := c.parent.Value(key)
	if isCancelCtxKey(key) {
		if c.Err() != nil { // Err latches a parent's end that has not reached c
			c.mu.Lock()
			byParent := c.byParent
			var cause error
			if !byParent && c.x != nil && (c.isGroup || c.x.shown) {
				cause = c.x.cause // a Group's, or one given to CancelCause
			}
			c.mu.Unlock()
			switch {
			case byParent:
				return v
			case cause != nil:
				return c.causeCarrier(cause).Value(key)
			}
		}
		return nil
	}
	return v
}

// causeCarrier returns a context of package context's, cancelled with
// cause, that Value hands to context.Cause for a Group's context that its
// own cancel ended with a cause (a FailFast failure, Close's ErrClosed),
// and so to the contexts of its tasks, which its end ended: errgroup's
// context reports its first error so; and for a task's context cancelled
// with [CancelCause] (rt's Shutdown). Made on the first such question.
func (c *taskCtx) causeCarrier(cause error) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.cold()
	if x.carrier == nil {
		cc, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		x.carrier = cc
	}
	return x.carrier
}

func (c *taskCtx) String() string { return "task.Context" }

// cancelCtxKey is the unexported key under which package context finds a
// context's *cancelCtx, learnt once by asking context.Cause about a
// context that notes the key it is asked for. Comparing with it, rather
// than with any *int, keeps a user's own *int keys visible.
var cancelCtxKey = func() any {
	p := &keyProbe{Context: context.Background()}
	_ = context.Cause(p)
	return p.key
}()

type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Err() error { return context.Canceled } // Cause asks Value only then

func (p *keyProbe) Value(key any) any {
	if _, ok := key.(*int); ok && p.key == nil {
		p.key = key
	}
	return nil
}

// labeler is implemented by a [Slot] whose task's goroutine runs under
// pprof labels of its own, as package rt's tasks do: PprofLabels returns
// a context that carries them (made with pprof.WithLabels), and the
// task's context answers runtime/pprof's label key from it (see
// taskCtx.Value). It is asked only when somebody looks the labels up
// (pprof.Do, WithLabels, Label, ForLabels, SetGoroutineLabels): a slot
// whose label context exists already, as rt's does, costs a task nothing
// for it.
type labeler interface {
	PprofLabels() context.Context
}

// labelsKey is runtime/pprof's unexported key for a context's label set,
// learnt once by asking pprof.Label about a context that notes the key it
// is asked for, and checked on a context made by pprof.WithLabels. Should
// that ever fail, it is a key of this package's that nobody asks for, and
// tasks' contexts carry no labels of their own, as before.
var labelsKey = func() any {
	p := &firstKey{Context: context.Background()}
	_, _ = pprof.Label(p, "")
	if p.key == nil || pprof.WithLabels(context.Background(), pprof.Labels("k", "v")).Value(p.key) == nil {
		return noLabelsKey{}
	}
	return p.key
}()

type noLabelsKey struct{}

// firstKey is a context that notes the first key it is asked for.
type firstKey struct {
	context.Context
	key any
}

func (p *firstKey) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

// isCancelCtxKey reports whether key is package context's key for its
// *cancelCtx. Should context.Cause ever stop asking for it, any *int key
// counts, as before the key was learnt.
func isCancelCtxKey(key any) bool {
	if cancelCtxKey != nil {
		return key == cancelCtxKey
	}
	_, isPtr := key.(*int)
	return isPtr
}

// link adds kid to c's kids. It reports false if c is already done.
func (c *taskCtx) link(kid *taskCtx) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	kid.next = c.kids
	if c.kids != nil {
		c.kids.prev = kid
	}
	c.kids = kid
	kid.linked = true
	return true
}

// unlink removes c from its parent's kids, if it is still there.
func (c *taskCtx) unlink() {
	p, ok := c.parent.(*taskCtx)
	if !ok {
		return
	}
	p.mu.Lock()
	if c.linked {
		if c.prev != nil {
			c.prev.next = c.next
		} else {
			p.kids = c.next
		}
		if c.next != nil {
			c.next.prev = c.prev
		}
		c.prev, c.next, c.linked = nil, nil, false
	}
	p.mu.Unlock()
}

// AfterFunc registers f to run, on the cancelling goroutine, when c is done.
// Package context calls it to attach children of c without a goroutine
// (not children of a value child of c: see taskCtx).
func (c *taskCtx) AfterFunc(f func()) func() bool {
	c.attach()
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	x := c.cold()
	if x.afters == nil {
		x.afters = make(map[uint64]func())
	}
	id := x.nextID
	x.nextID++
	x.afters[id] = f
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := x.afters[id]
		delete(x.afters, id)
		return ok
	}
}

// cancel ends the context with err and cause. Only the first call counts.
// A Queued task that has not started resolves then, with ErrNotStarted.
func (c *taskCtx) cancel(err, cause error) { c.end(err, cause, false) }

// parentEnded ends the context because its parent ended with err and
// cause.
func (c *taskCtx) parentEnded(err, cause error) { c.end(err, cause, true) }

func (c *taskCtx) end(err, cause error, byParent bool) { c.endWith(err, cause, byParent, false) }

// endWith is end; shown says cause was given to CancelCause: context.Cause
// then reports it, and the error of a Queued task not started matches it.
// The causes package task gives its own cancels (Task.Cancel's, a sibling's
// failure in All) stay hidden: context.Cause reports context.Canceled.
func (c *taskCtx) endWith(err, cause error, byParent, shown bool) {
	if !byParent {
		c.lateParentEnd()
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	e := c.cancelLocked(err, cause)
	c.byParent = byParent
	shown = shown && cause != nil && cause != err
	if shown {
		c.cold().shown = true
	}
	c.mu.Unlock()
	e.run(c)
	if atomic.LoadUint32(&c.state) == stateQueued && atomic.CompareAndSwapUint32(&c.state, stateQueued, stateAborted) {
		if shown {
			c.publish(fmt.Errorf("%w: %w: %w", ErrNotStarted, err, cause))
		} else {
			c.publish(fmt.Errorf("%w: %w", ErrNotStarted, err))
		}
	}
}

// lateParentEnd ends c with its parent's end if its parent, of package
// context, has ended and c has not heard of it yet: the parent tells c
// through context.AfterFunc, whose callback runs on a goroutine of its
// own. An own end of c (a cancel, the function's return) calls it first,
// so that the parent's end and cause come first, as they would for a
// context.WithCancel child whose own cancel came after the parent's. A
// task context under another hears of its end synchronously, and is not
// asked: so a task nested in one under a parent of package context may
// still end with its own cause in that moment. (Walking up to the first
// context of package context at every task's end made the goroutine of
// each task spawned in a runtime's task grow its stack: rt.Spawn+Await
// in a task went from 0.6 to 2.3 µs.)
func (c *taskCtx) lateParentEnd() {
	if _, underTask := c.parent.(*taskCtx); underTask || c.ended() {
		return // (ended: asking an ended parent takes its lock, for nothing)
	}
	if err := c.parent.Err(); err != nil {
		c.parentEnded(err, context.Cause(c.parent))
	}
}

// queue marks a prepared task Queued (see [Queued]) and registers it with
// its parent, so that the parent's end reaches it while it waits.
func (c *taskCtx) queue() {
	c.state = stateQueued // not shared yet: a plain write saves an atomic one (BenchmarkSubmitAwait)
	if c.parent.Done() != nil {
		c.attach()
	}
}

// claim moves a task that has not started to state to (stateRunning or
// stateDone) for the executor. It reports false if a cancel aborted the
// task while it was queued, and panics if the task was claimed before.
func (c *taskCtx) claim(to uint32) bool {
	if c.tryClaim(to) {
		return true
	}
	if atomic.LoadUint32(&c.state) == stateAborted {
		return false
	}
	panic("task: Job used twice")
}

// tryClaim moves a task that has not started (stateNew or stateQueued) to
// state to, and reports whether it did: whoever claims a task first wins.
func (c *taskCtx) tryClaim(to uint32) bool {
	s := atomic.LoadUint32(&c.state)
	return (s == stateNew || s == stateQueued) && atomic.CompareAndSwapUint32(&c.state, s, to)
}

// publish records the task's error, ends its context if it has not ended,
// closes its Done channel and runs its waiters. The caller has set the
// task's state to stateDone or stateAborted, and its value.
func (c *taskCtx) publish(err error) {
	c.res = err
	c.lateParentEnd()
	c.mu.Lock()
	var e ending
	if c.err == nil {
		e = c.cancelLocked(context.Canceled, nil)
	}
	// The Done channel orders the writes above before the waiters' reads.
	if d := c.fin.Load(); d != nil {
		close(*d)
	} else {
		c.fin.Store(&closedchan)
	}
	var waiters []waiter
	if c.x != nil {
		waiters, c.x.waiters = c.x.waiters, nil
	}
	c.mu.Unlock()
	e.run(c)
	for _, w := range waiters {
		w.f()
	}
}

// waiter is a callback of whenDone, with the id that dropWaiter takes.
type waiter struct {
	id uint64
	f  func()
}

// whenDone calls f once the task has ended: at once if it has. It returns
// an id for dropWaiter, or 0 if it called f already.
func (c *taskCtx) whenDone(f func()) uint64 {
	c.mu.Lock()
	if !c.finished() {
		x := c.cold()
		x.nextID++ // ids from 1: 0 says f has run
		id := x.nextID
		x.waiters = append(x.waiters, waiter{id, f})
		c.mu.Unlock()
		return id
	}
	c.mu.Unlock()
	f()
	return 0
}

// dropWaiter removes the callback whenDone registered under id, if the
// task has not run it yet, so that a waiter that gives up leaves nothing
// on a task that goes on.
func (c *taskCtx) dropWaiter(id uint64) {
	if id == 0 {
		return
	}
	c.mu.Lock()
	if x := c.x; x != nil {
		for k, w := range x.waiters {
			if w.id == id {
				x.waiters = slices.Delete(x.waiters, k, k+1) // zeroes the tail: f can go
				break
			}
		}
	}
	c.mu.Unlock()
}

// finChan returns the task's Done channel, making it.
func (c *taskCtx) finChan() <-chan struct{} {
	if d := c.fin.Load(); d != nil {
		return *d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.fin.Load(); d != nil {
		return *d
	}
	ch := make(chan struct{})
	c.fin.Store(&ch)
	return ch
}

// finished reports whether the task's result is published. A true result
// orders the result's writes before the caller's reads.
func (c *taskCtx) finished() bool { return closedChan(&c.fin) }

// ending is what is left to do, outside c.mu, once c is cancelled.
type ending struct {
	err, cause error
	kids       []*taskCtx
	afters     map[uint64]func()
	stop       func() bool
	unlink     bool
}

// cancelLocked marks c done, under c.mu, and returns the rest of the work.
// c.err must be nil.
func (c *taskCtx) cancelLocked(err, cause error) ending {
	if cause == nil {
		cause = err
	}
	c.err = err
	if d := c.done.Load(); d != nil {
		close(*d)
	} else {
		c.done.Store(&closedchan)
	}
	_, underTask := c.parent.(*taskCtx)
	e := ending{err: err, cause: cause, unlink: c.attached && underTask} // attached: it may have linked
	if x := c.x; x != nil {
		e.afters, e.stop = x.afters, x.stop
		x.afters, x.stop = nil, nil
	}
	if cause != err {
		c.cold().cause = cause
	}
	for k := c.kids; k != nil; {
		next := k.next
		k.prev, k.next, k.linked = nil, nil, false
		e.kids = append(e.kids, k)
		k = next
	}
	c.kids = nil
	return e
}

func (e *ending) run(c *taskCtx) {
	for _, k := range e.kids {
		k.parentEnded(e.err, e.cause)
	}
	for _, f := range e.afters {
		f()
	}
	if e.stop != nil {
		e.stop()
	}
	if e.unlink {
		c.unlink()
	}
}
