package task

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrNoTasks is returned by Race and Any when they are given no tasks, and
// wrapped by Select when it is given no cases. It matches [ErrInvalid].
var ErrNoTasks error = invalidError("task: no tasks")

// member is the untyped view of a task that the combinators need.
type member interface {
	whenDone(func()) uint64
	dropWaiter(uint64)
	failure() error
	cancelFor(cause error)
	help(ctx context.Context, lastResort bool) <-chan struct{}
	queued() bool
	succeeded() bool // the member ended without error
	none() bool      // a nil or zero Task
}

// cancelFor cancels the task as Cancel does, with cause as its context's
// cause, so that a combinator can tell the cancel it made (see
// cancelledBy).
func (t *Task[T]) cancelFor(cause error) { t.ctx.cancel(context.Canceled, cause) }

// errSiblingFailed is the cause with which All and the Joins cancel the
// other tasks once one has failed.
var errSiblingFailed = errors.New("task: cancelled: another task of the same All or Join failed")

// consequence reports whether err, the error of task t that ended after
// a failure among its siblings had cancelled it (All, Join2, Join3), is
// only that cancel's result rather than a failure of its own: it is not
// a panic, it matches context.Canceled, and t's context ended with the
// cancel's cause (errSiblingFailed), not by a cancel of the task's own or
// of its parent; and the caller's ctx is live, so that a cancelled caller
// still sees context.Canceled.
func consequence(ctx context.Context, t interface{ cancelCause() error }, err error) bool {
	if ctx.Err() != nil || !errors.Is(err, context.Canceled) || t.cancelCause() != errSiblingFailed {
		return false
	}
	_, panicked := errors.AsType[*PanicError](err)
	return !panicked
}

// cancelCause is the cause the task's context ended with; nil while live.
func (t *Task[T]) cancelCause() error { return t.ctx.causeErr() }

// cancelledAfter stands, in the error of All and the Joins, for the n
// tasks that the first failure cancelled and that failed only because of
// that: one line rather than one "context canceled" per task, which made
// the error match context.Canceled though the caller's ctx was live.
type cancelledAfter struct {
	op string
	n  int
}

func (e *cancelledAfter) Error() string {
	if e.n == 1 {
		return fmt.Sprintf("task: %s: 1 more task cancelled after the failure", e.op)
	}
	return fmt.Sprintf("task: %s: %s more tasks cancelled after the failure", e.op, thousands(e.n))
}

// failures collects the errors of All and the Joins: every failure, but
// one error standing for the failures that are only the result of the
// cancel the first one made (see consequence).
type failures struct {
	errs   []error
	caused int
}

// add records err, the error of task t, and reports whether it is the
// first failure, which cancels the others.
func (f *failures) add(ctx context.Context, t interface{ cancelCause() error }, err error) bool {
	if len(f.errs) > 0 && consequence(ctx, t, err) {
		f.caused++
		return false
	}
	f.errs = append(f.errs, err)
	return true
}

// list returns the errors to join, the summary of the others last.
func (f *failures) list(op string) []error {
	if f.caused > 0 {
		return append(f.errs, &cancelledAfter{op, f.caused})
	}
	return f.errs
}

func (t *Task[T]) succeeded() bool { return t.ctx.res == nil }

// failure returns the task's error, which the caller returns: a panic in
// it counts as read (see OnUnobservedPanic). The task must have ended.
func (t *Task[T]) failure() error {
	t.ctx.observe()
	return t.ctx.res
}

// value is the task's value, or zero if it failed. The task must have ended.
func (t *Task[T]) value() T {
	if t.ctx.res != nil {
		var zero T
		return zero
	}
	return t.val
}

// settle waits for the members of a combinator. It calls decide with each
// member's index as it ends, in completion order; the first time decide
// returns true the others are cancelled, with cause as their context's
// cause, and settle goes on waiting (and
// calling decide) until every member has ended. It returns early, with a
// wrapped ctx error, only if ctx is done; members that had ended before
// are passed to decide first, so tasks that ended before a call with a
// done ctx still decide it, as they do Await's.
//
// decide runs on the waiting goroutine, which may run a member itself
// (see Helper). An end that comes meanwhile cannot wait for it: if
// decides says that the end decides the combinator (as decide will once
// it sees it: a failure for All and the Joins, any end for Race, a
// success for Any), the others are cancelled at once, on the goroutine
// that ends it, so that the cancel reaches the member being run. Deciding
// only on the waiting goroutine left a Race, or an All with a failure,
// waiting forever for a member that runs until it is cancelled, run
// there.
func settle(ctx context.Context, op string, ms []member, cause error, decides func(member) bool, decide func(i int) bool) error {
	for i, m := range ms {
		if m == nil || m.none() {
			return fmt.Errorf("%w: argument %d", ErrNilTask, i)
		}
	}
	// Every member sends at most once, so a buffer of len(ms) never blocks
	// the finishing goroutine, even after settle has returned.
	ended := make(chan int, len(ms))
	s := newSettler(ms, cause, decides, ended)
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		if s != nil {
			ids[i] = m.whenDone(func() { s.onEnd(i) })
		} else {
			ids[i] = m.whenDone(func() { ended <- i })
		}
	}
	// Members queued on an executor that is a Helper are offered to it
	// one at a time (next), each once the ends in hand are decided, so
	// that a Race or a failing All stops helping once it is decided: the
	// losers are cancelled, not run. The wait parks only once every
	// member has been offered; a look an executor asks for (again) offers
	// them all again.
	var (
		p       Parked
		parked  bool
		decided bool
		next    int
		again   <-chan struct{}
	)
	defer func() {
		if parked {
			p.Resume()
		}
	}()
	for n := 0; n < len(ms); {
		var i int
		select {
		case i = <-ended: // an end in hand comes before ctx's
		default:
			if s != nil && !decided && next < len(ms) {
				switch ch, r := s.offer(ctx, next); r {
				case offered:
					if ch != nil && again == nil {
						again = ch
					}
					next++
				case decidedEarly:
					next = len(ms)
				}
				continue // the next member, or an end in hand
			}
			if !parked {
				p, parked = Park(ctx), true
			}
			select {
			case i = <-ended:
			case <-ctx.Done():
				// Leave nothing on the members that go on.
				for k, m := range ms {
					m.dropWaiter(ids[k])
				}
				return ctxError(op, ctx)
			case <-again: // an executor asks for another look: see Helper
				parked = false
				p.Resume()
				again, next = nil, 0
				continue
			}
		}
		n++
		if decide(i) && !decided {
			decided = true
			for j, m := range ms {
				if j != i {
					m.cancelFor(cause)
				}
			}
		}
	}
	return nil
}

// decidesOnFailure, decidesOnAny and decidesOnSuccess say whether a
// member's end decides All and the Joins, Race, and Any, before any has:
// settle cancels the others at such an end while the waiter runs a member.
func decidesOnFailure(m member) bool { return !m.succeeded() }
func decidesOnAny(member) bool       { return true }
func decidesOnSuccess(m member) bool { return m.succeeded() }

// newSettler returns the settler of a settle whose members may be run by
// the waiter: those of which one is queued as settle begins (one that is
// not never will be). It returns nil for the others, whose settle needs
// no more than ended. It copies ms, which the caller may keep on its
// stack.
func newSettler(ms []member, cause error, decides func(member) bool, ended chan int) *settler {
	for _, m := range ms {
		if m.queued() {
			return &settler{ms: slices.Clone(ms), cause: cause, decides: decides, ended: ended}
		}
	}
	return nil
}

// settler is what settle shares with its members' end callbacks when the
// waiter may run a member itself (offer).
type settler struct {
	ms      []member
	cause   error
	decides func(member) bool
	ended   chan int

	mu      sync.Mutex
	helping bool // the waiter runs a member (offer)
	early   bool // an end while helping decided the combinator
}

// onEnd is the end callback of member i. It sends i under mu, so that the
// waiter, which looks at ended under mu before it helps, either finds it
// in hand or is helping by then.
func (s *settler) onEnd(i int) {
	s.mu.Lock()
	s.ended <- i
	win := s.helping && !s.early && s.decides(s.ms[i])
	if win {
		s.early = true
	}
	s.mu.Unlock()
	if win { // after the send: the waiter sees i's end before its effects
		for j, m := range s.ms {
			if j != i {
				m.cancelFor(s.cause)
			}
		}
	}
}

// offerResult is what became of an offer.
type offerResult uint8

const (
	offered      offerResult = iota
	endInHand                // not offered: the waiter must decide an end first
	decidedEarly             // not offered: an end while it helped decided
)

// offer offers member k to its executor (see Helper), which may run it on
// the calling goroutine, unless an end is in hand or an end while the
// waiter helped decided the combinator.
func (s *settler) offer(ctx context.Context, k int) (again <-chan struct{}, r offerResult) {
	s.mu.Lock()
	switch {
	case s.early:
		s.mu.Unlock()
		return nil, decidedEarly
	case len(s.ended) > 0:
		s.mu.Unlock()
		return nil, endInHand
	}
	s.helping = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.helping = false
		s.mu.Unlock()
	}()
	return s.ms[k].help(ctx, false), offered
}

// orFailed is the error of All, the Joins and Any when ctx ended (err)
// before every task did: err alone, or, once a task had failed (errs), the
// failures joined with err, so that none of them, nor a panic among them,
// is lost.
func orFailed(errs []error, err error) error {
	if len(errs) == 0 {
		return err
	}
	return errors.Join(append(errs, err)...)
}

// All waits for every task and returns their values in the order given.
// The first task to fail cancels the others; All still waits for them all,
// then returns their errors, first the one that failed first, joined with
// errors.Join. The values of failed tasks are zero.
//
// A task that failed only because that cancel reached it (its error
// matches context.Canceled, is not a panic, and its context was cancelled
// by All, not by anything else) is not listed: one error, "task: all: 2
// more tasks cancelled after the failure", stands for all such tasks, so
// that All's error matches context.Canceled only if a task failed that
// way for a reason of its own, and `if errors.Is(err, context.Canceled)`
// does not mistake a real failure for the caller's cancellation. Panics
// and other errors of the cancelled tasks are listed as they are.
//
// If ctx is done first, All returns a wrapped ctx error at once and the
// tasks go on, as with [Task.Await]; if a task had failed before ctx
// ended, the error joins the failures so far and ctx's error.
//
// All, like every combinator, panics if ctx is nil.
func All[T any](ctx context.Context, tasks ...*Task[T]) ([]T, error) {
	if ctx == nil {
		panic("task: All: nil context")
	}
	ms := make([]member, len(tasks))
	for i, t := range tasks {
		if t != nil {
			ms[i] = t
		}
	}
	var f failures
	err := settle(ctx, "all", ms, errSiblingFailed, decidesOnFailure, func(i int) bool {
		if e := tasks[i].failure(); e != nil {
			return f.add(ctx, tasks[i], e)
		}
		return false
	})
	if err != nil {
		return nil, orFailed(f.list("all"), err)
	}
	vals := make([]T, len(tasks))
	for i, t := range tasks {
		vals[i] = t.value()
	}
	return vals, errors.Join(f.list("all")...)
}

// Join2 waits for two tasks of different types, as tokio's join! does; the
// first failure cancels the other. Errors are joined (leaving out an error
// that is only the result of that cancel, as [All] does), failed values
// are zero and a ctx that ends first is handled as in All.
func Join2[A, B any](ctx context.Context, a *Task[A], b *Task[B]) (A, B, error) {
	if ctx == nil {
		panic("task: Join2: nil context")
	}
	var (
		va A
		vb B
		f  failures
	)
	err := settle(ctx, "join", nilSafe(a, b), errSiblingFailed, decidesOnFailure, func(i int) bool {
		// only the task that ended: the other may still run
		if i == 0 {
			if e := a.failure(); e != nil {
				return f.add(ctx, a, e)
			}
		} else if e := b.failure(); e != nil {
			return f.add(ctx, b, e)
		}
		return false
	})
	if err != nil {
		return va, vb, orFailed(f.list("join"), err)
	}
	return a.value(), b.value(), errors.Join(f.list("join")...)
}

// Join3 is [Join2] for three tasks.
func Join3[A, B, C any](ctx context.Context, a *Task[A], b *Task[B], c *Task[C]) (A, B, C, error) {
	if ctx == nil {
		panic("task: Join3: nil context")
	}
	var (
		va A
		vb B
		vc C
		f  failures
	)
	err := settle(ctx, "join", nilSafe(a, b, c), errSiblingFailed, decidesOnFailure, func(i int) bool {
		switch i {
		case 0:
			if e := a.failure(); e != nil {
				return f.add(ctx, a, e)
			}
		case 1:
			if e := b.failure(); e != nil {
				return f.add(ctx, b, e)
			}
		default:
			if e := c.failure(); e != nil {
				return f.add(ctx, c, e)
			}
		}
		return false
	})
	if err != nil {
		return va, vb, vc, orFailed(f.list("join"), err)
	}
	return a.value(), b.value(), c.value(), errors.Join(f.list("join")...)
}

// nilSafe turns typed task pointers into members, keeping nil as nil.
func nilSafe(ts ...member) []member { return ts }

// Race returns the result of the first task to end, success or failure,
// and cancels the others. Like tokio's select! dropping the losers, Race
// waits for the losers to return before it does, so nothing outlives it;
// a loser that ignores its context delays Race.
//
// If ctx is done before a task has ended, Race returns a wrapped ctx error
// at once and the tasks go on, as with [Task.Await]; a task that had ended
// already wins even over a done ctx. Once a winner is known, Race returns
// its result even if ctx ends while the losers wind down (they then go on).
func Race[T any](ctx context.Context, tasks ...*Task[T]) (T, error) {
	if ctx == nil {
		panic("task: Race: nil context")
	}
	return first(ctx, "race", tasks, decidesOnAny, func(*Task[T]) bool { return true })
}

// Any returns the value of the first task to succeed and cancels the others,
// waiting for them as [Race] does, and treating ctx as Race does. If every
// task fails, Any returns all their errors, in completion order, under a
// line that says so ("task: any: all 3 tasks failed:", then one a line;
// errors.Is and errors.As see each).
// If ctx is done before a task succeeded, the error joins the failures so
// far (panics included) with the wrapped ctx error, as [All]'s does, so
// that a fallback that outlived ctx does not hide why the primary failed.
func Any[T any](ctx context.Context, tasks ...*Task[T]) (T, error) {
	if ctx == nil {
		panic("task: Any: nil context")
	}
	return first(ctx, "any", tasks, decidesOnSuccess, (*Task[T]).succeeded)
}

func first[T any](ctx context.Context, op string, tasks []*Task[T], decides func(member) bool, wins func(*Task[T]) bool) (T, error) {
	var zero T
	if len(tasks) == 0 {
		return zero, ErrNoTasks
	}
	ms := make([]member, len(tasks))
	for i, t := range tasks {
		if t != nil {
			ms[i] = t
		}
	}
	winner := -1
	var failed []int // read only if their errors are returned: see OnUnobservedPanic
	err := settle(ctx, op, ms, errCancelled, decides, func(i int) bool {
		switch {
		case winner >= 0: // a loser winding down
		case wins(tasks[i]):
			winner = i
			return true
		default:
			failed = append(failed, i)
		}
		return false
	})
	if winner >= 0 {
		// The winner is decided even if ctx ended while losers were winding down.
		return tasks[winner].val, tasks[winner].failure()
	}
	var errs []error
	if len(failed) > 0 {
		errs = make([]error, len(failed))
		for k, i := range failed {
			errs[k] = tasks[i].failure()
		}
	}
	if err != nil {
		return zero, orFailed(errs, err) // Race: no task had ended, failed is empty
	}
	return zero, &allFailed{errs}
}

// allFailed is Any's error when every task failed: their errors, in
// completion order, under a line that says so ("task: any: all 3 tasks
// failed:" and one error a line, as errors.Join writes them). errors.Is
// and errors.As look through it at each. A pointer, as errors.Join's is,
// so that it can be compared and be a map key.
type allFailed struct{ errs []error }

func (e *allFailed) Error() string {
	lead := fmt.Sprintf("task: any: all %d tasks failed:\n", len(e.errs))
	if len(e.errs) == 1 {
		lead = "task: any: its one task failed: "
	}
	return lead + errors.Join(e.errs...).Error()
}

func (e *allFailed) Unwrap() []error { return e.errs }

// Case is anything [Select] can wait on: a *Task, a context.Context (such
// as one from signal.NotifyContext), or a [Timer].
type Case interface {
	Done() <-chan struct{}
}

// Select waits until one of cases is done and returns its index: the Go
// answer to tokio's select!. When several are ready it returns the lowest
// index (select! with biased;). If ctx is done first, Select returns -1 and
// a wrapped ctx error. Select does not cancel the cases that lost; in a loop,
// re-selecting on the same task is how the chapter's select_example waits
// for an operation across timer ticks. With no cases, Select returns -1
// and an error wrapping [ErrNoTasks] at once, as Race and Any do; with a
// nil case, -1 and an error wrapping [ErrNilTask]. It panics if ctx is
// nil.
//
// A task of a pool selecting on tasks of the same pool still queued, when
// every other worker of the pool waits too (none is left to start them)
// and no case but a task can be done (no Timer, no context but ctx),
// runs them itself, one at a time in order, until a case is done (see
// [Helper]), and returns the lowest case then done: a case it runs, it
// runs to its end, past ctx's deadline if need be, though another might
// have been done sooner elsewhere.
func Select(ctx context.Context, cases ...Case) (int, error) {
	if ctx == nil {
		panic("task: Select: nil context")
	}
	if len(cases) == 0 {
		return -1, fmt.Errorf("%w (Select)", ErrNoTasks)
	}
	for i, c := range cases {
		if n, ok := c.(interface{ none() bool }); c == nil || ok && n.none() || reflect.ValueOf(c).Kind() == reflect.Pointer && reflect.ValueOf(c).IsNil() {
			return -1, fmt.Errorf("%w (Select case %d)", ErrNilTask, i)
		}
	}
	if i := lowestReady(cases, len(cases)); i >= 0 { // ready already: lowest index wins
		return i, nil
	}
	for {
		// Task cases queued on an executor that is a Helper (a pool task
		// selecting on tasks of its own pool) are offered to it first, as
		// Await offers its task: see Helper.
		i, again := offerCases(ctx, cases)
		if i >= 0 {
			return i, nil
		}
		p := Park(ctx)
		i, looked := selectWait(ctx, cases, again)
		p.Resume()
		if i >= 0 {
			// Go's select picks at random among the ready: a lower case
			// that became ready with i wins (it won about half the time).
			if j := lowestReady(cases, i); j >= 0 {
				return j, nil
			}
			return i, nil
		}
		if !looked {
			// A case ready with ctx's end wins over it, as it does when
			// both are found ready before Select waits.
			if j := lowestReady(cases, len(cases)); j >= 0 {
				return j, nil
			}
			return -1, ctxError("select", ctx)
		}
	}
}

// lowestReady returns the index of the first of cases[:n] that is done,
// or -1 if none is.
func lowestReady(cases []Case, n int) int {
	for i, c := range cases[:n] {
		select {
		case <-c.Done():
			return i
		default:
		}
	}
	return -1
}

// offerCases offers Select's task cases that are queued on a Helper to
// it, one at a time, in order, until one of the cases is ready. It returns
// the lowest ready index (-1 if none is), and the first channel on which
// an executor asked for another look. It offers nothing if a case that is
// not a task (a Timer, a context other than ctx) can be done: Select runs
// a case only so as not to wait forever, and a case it runs, it runs to
// its end (a timer case of 10 ms waited an hour for a case run so). A
// deadline on ctx does not keep it from helping, as it does not Await's
// when every worker waits: the tasks of a pool inherit the deadline of
// the request they serve, and a tree of them would wait until it passed.
func offerCases(ctx context.Context, cases []Case) (ready int, again <-chan struct{}) {
	ctxDone := ctx.Done()
	for _, c := range cases {
		if _, isTask := c.(member); !isTask {
			if d := c.Done(); d != nil && d != ctxDone {
				return -1, nil
			}
		}
	}
	for _, c := range cases {
		m, ok := c.(member)
		if !ok || !m.queued() {
			continue
		}
		if ch := m.help(ctx, true); ch != nil && again == nil {
			again = ch
		}
		select {
		case <-c.Done(): // ran here: a lower case may be ready too
			for i, c := range cases {
				select {
				case <-c.Done():
					return i, again
				default:
				}
			}
		default:
		}
	}
	return -1, again
}

// selectWait waits until a case is ready and returns its index, or -1
// with looked set if an executor asked for another look (again), or -1
// alone if ctx is done.
func selectWait(ctx context.Context, cases []Case, again <-chan struct{}) (i int, looked bool) {
	switch len(cases) {
	case 1:
		select {
		case <-cases[0].Done():
			return 0, false
		case <-again:
			return -1, true
		case <-ctx.Done():
		}
	case 2:
		select {
		case <-cases[0].Done():
			return 0, false
		case <-cases[1].Done():
			return 1, false
		case <-again:
			return -1, true
		case <-ctx.Done():
		}
	case 3:
		select {
		case <-cases[0].Done():
			return 0, false
		case <-cases[1].Done():
			return 1, false
		case <-cases[2].Done():
			return 2, false
		case <-again:
			return -1, true
		case <-ctx.Done():
		}
	default:
		sc := make([]reflect.SelectCase, len(cases)+2)
		for i, c := range cases {
			sc[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.Done())}
		}
		sc[len(cases)] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(again)}
		sc[len(cases)+1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}
		switch i, _, _ := reflect.Select(sc); {
		case i < len(cases):
			return i, false
		case i == len(cases):
			return -1, true
		}
	}
	return -1, false
}

// Timer is a [Case] that is done once its duration has passed.
type Timer struct {
	t    *time.Timer
	done chan struct{}
}

// After returns a Timer that is done after d (at once for d <= 0, as
// time.After). Stop it when it is no longer needed, as with
// time.AfterFunc.
func After(d time.Duration) *Timer {
	tm := &Timer{done: make(chan struct{})}
	tm.t = time.AfterFunc(d, func() { close(tm.done) })
	return tm
}

// Done returns a channel closed when the timer fires.
func (tm *Timer) Done() <-chan struct{} { return tm.done }

// Stop stops the timer. It reports whether it stopped the timer before it fired.
func (tm *Timer) Stop() bool { return tm.t.Stop() }

// Sleep pauses for d, or until ctx is done, whichever comes first. It
// returns nil after d, and a wrapped ctx error if ctx ended first (or had
// ended already). A deadline of ctx that comes before d is up counts as
// ctx ending first even when the goroutine wakes late, after both (a
// loaded machine), before ctx's own timer has ended it: Sleep then returns
// an error matching context.DeadlineExceeded (ctx's cause only if ctx has
// ended by then), so a Timeout never sees a sleep that outlived its limit
// return nil. (A ctx whose Done is nil can never end: its deadline does
// not count.) It is an await point: on a runtime, the slot is given
// back while sleeping (unlike time.Sleep, which holds it). A d <= 0
// returns at once, as time.Sleep does: nil, or ctx's error if it had
// ended. Sleep panics if ctx is nil.
func Sleep(ctx context.Context, d time.Duration) error {
	if ctx == nil {
		panic("task: Sleep: nil context")
	}
	if err := ctx.Err(); err != nil {
		return ctxError("sleep", ctx)
	}
	if d <= 0 {
		return nil
	}
	p := Park(ctx)
	defer p.Resume()
	end := time.Now().Add(d)
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		dl, ok := ctx.Deadline()
		if !ok || !dl.Before(end) || ctx.Done() == nil {
			return nil
		}
		// Woken after ctx's deadline too: ctx's timer may not have ended
		// it yet, and waiting for it would wait forever on a context that
		// reports a deadline it never keeps.
		select {
		case <-ctx.Done():
		default:
			return fmt.Errorf("task: sleep: %w", context.DeadlineExceeded)
		}
	case <-ctx.Done():
	}
	return ctxError("sleep", ctx)
}

// TimeoutError is returned by [Timeout] when fn fails after its time limit
// passed. It matches context.DeadlineExceeded with errors.Is, and unwraps to
// fn's own error too.
type TimeoutError struct {
	Limit time.Duration // the time limit given to Timeout
	Err   error         // what fn returned
}

// Error reads "task: timed out after 10ms: " and fn's error, without
// what says again that the time was up: the cause Timeout gives fn's
// context, which ctx errors (as Sleep's and net/http's) end with, and the
// "task: " that would double the prefix. "task: sleep: context deadline
// exceeded: task: time limit passed" reads "task: timed out after 10ms:
// sleep: context deadline exceeded".
func (e *TimeoutError) Error() string {
	msg := ""
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == errTimeout.Error() {
		msg = ""
	}
	msg = strings.TrimPrefix(strings.TrimSuffix(msg, ": "+errTimeout.Error()), "task: ")
	if msg == "" {
		return fmt.Sprintf("task: timed out after %v", e.Limit)
	}
	return fmt.Sprintf("task: timed out after %v: %s", e.Limit, msg)
}

// Unwrap returns context.DeadlineExceeded and fn's error, so errors.Is
// matches either.
func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Err} }

var errTimeout = errors.New("task: time limit passed")

// Timeout runs fn on the calling goroutine with a context that ends after d:
// the chapter's with_timeout. If fn fails once the limit has passed, the
// error is a *TimeoutError wrapping context.DeadlineExceeded and fn's error;
// if fn succeeds, its result stands, late or not. A nil fn fails with
// [ErrNilFunc], and a d that is not positive with an error, both matching
// [ErrInvalid], without calling fn. Timeout panics if ctx is nil.
//
// Go cannot abort fn: it must return when its context is done. A fn that
// ignores its context overruns the limit, as a never-yielding future does
// under tokio::time::timeout. To stop waiting on time regardless, start fn
// with [Go] and Await it with a context that has a deadline.
func Timeout[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	if ctx == nil {
		panic("task: Timeout: nil context")
	}
	var zero T
	switch {
	case fn == nil:
		return zero, ErrNilFunc
	case d <= 0:
		return zero, invalidError(fmt.Sprintf("task: Timeout: d must be positive (got %v)", d))
	}
	// A cause of this call's own, with errTimeout's text: a Timeout inside
	// another sees the outer one's cause when that one fires first, and
	// must not take it for its own limit (it reported its 2 s limit passed
	// when an outer 20 ms one had).
	limit := errors.New(errTimeout.Error())
	tctx, cancel := context.WithTimeoutCause(ctx, d, limit)
	defer cancel()
	v, err := fn(tctx)
	if err != nil && context.Cause(tctx) == limit {
		return v, &TimeoutError{Limit: d, Err: err}
	}
	return v, err
}
