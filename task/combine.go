package task

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// ErrNoTasks is returned by Race and Any when they are given no tasks, and
// wrapped by Select when it is given no cases.
var ErrNoTasks = errors.New("task: no tasks")

// member is the untyped view of a task that the combinators need.
type member interface {
	whenDone(func()) uint64
	dropWaiter(uint64)
	failure() error
	Cancel()
}

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
// returns true the others are cancelled, and settle goes on waiting (and
// calling decide) until every member has ended. It returns early, with a
// wrapped ctx error, only if ctx is done; members that had ended before
// are passed to decide first, so tasks that ended before a call with a
// done ctx still decide it, as they do Await's.
func settle(ctx context.Context, op string, ms []member, decide func(i int) bool) error {
	for i, m := range ms {
		if m == nil || reflect.ValueOf(m).IsNil() {
			return fmt.Errorf("%w: argument %d", ErrNilTask, i)
		}
	}
	// Every member sends at most once, so a buffer of len(ms) never blocks
	// the finishing goroutine, even after settle has returned.
	ended := make(chan int, len(ms))
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		ids[i] = m.whenDone(func() { ended <- i })
	}
	p := Park(ctx)
	defer p.Resume()
	decided := false
	for range ms {
		var i int
		select {
		case i = <-ended: // an end in hand comes before ctx's
		default:
			select {
			case i = <-ended:
			case <-ctx.Done():
				// Leave nothing on the members that go on.
				for k, m := range ms {
					m.dropWaiter(ids[k])
				}
				return ctxError(op, ctx)
			}
		}
		if decide(i) && !decided {
			decided = true
			for j, m := range ms {
				if j != i {
					m.Cancel()
				}
			}
		}
	}
	return nil
}

// orFailed is the error of All and Join when ctx ended (err) before every
// task did: err alone, or, once a task had failed (errs, which decided the
// result), the failures joined with err, so that none of them, nor a panic
// among them, is lost.
func orFailed(errs []error, err error) error {
	if len(errs) == 0 {
		return err
	}
	return errors.Join(append(errs, err)...)
}

// All waits for every task and returns their values in the order given.
// The first task to fail cancels the others; All still waits for them all,
// then returns every error, first the one that failed first, joined with
// errors.Join. The values of failed tasks are zero.
//
// If ctx is done first, All returns a wrapped ctx error at once and the
// tasks go on, as with [Task.Await]; if a task had failed before ctx
// ended, the error joins the failures so far and ctx's error.
func All[T any](ctx context.Context, tasks ...*Task[T]) ([]T, error) {
	ms := make([]member, len(tasks))
	for i, t := range tasks {
		if t != nil {
			ms[i] = t
		}
	}
	var errs []error
	err := settle(ctx, "all", ms, func(i int) bool {
		if e := tasks[i].failure(); e != nil {
			errs = append(errs, e)
			return true
		}
		return false
	})
	if err != nil {
		return nil, orFailed(errs, err)
	}
	vals := make([]T, len(tasks))
	for i, t := range tasks {
		vals[i] = t.value()
	}
	return vals, errors.Join(errs...)
}

// Join2 waits for two tasks of different types, as tokio's join! does; the
// first failure cancels the other. Errors are joined, failed values are
// zero and a ctx that ends first is handled as in [All].
func Join2[A, B any](ctx context.Context, a *Task[A], b *Task[B]) (A, B, error) {
	var (
		va   A
		vb   B
		errs []error
	)
	err := settle(ctx, "join", nilSafe(a, b), func(i int) bool {
		var e error // only the task that ended: the other may still run
		if i == 0 {
			e = a.failure()
		} else {
			e = b.failure()
		}
		if e != nil {
			errs = append(errs, e)
		}
		return e != nil
	})
	if err != nil {
		return va, vb, orFailed(errs, err)
	}
	return a.value(), b.value(), errors.Join(errs...)
}

// Join3 is [Join2] for three tasks.
func Join3[A, B, C any](ctx context.Context, a *Task[A], b *Task[B], c *Task[C]) (A, B, C, error) {
	var (
		va   A
		vb   B
		vc   C
		errs []error
	)
	err := settle(ctx, "join", nilSafe(a, b, c), func(i int) bool {
		var e error
		switch i {
		case 0:
			e = a.failure()
		case 1:
			e = b.failure()
		default:
			e = c.failure()
		}
		if e != nil {
			errs = append(errs, e)
		}
		return e != nil
	})
	if err != nil {
		return va, vb, vc, orFailed(errs, err)
	}
	return a.value(), b.value(), c.value(), errors.Join(errs...)
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
	return first(ctx, "race", tasks, func(*Task[T]) bool { return true })
}

// Any returns the value of the first task to succeed and cancels the others,
// waiting for them as [Race] does, and treating ctx as Race does. If every
// task fails, Any returns all their errors joined, in completion order.
func Any[T any](ctx context.Context, tasks ...*Task[T]) (T, error) {
	return first(ctx, "any", tasks, func(t *Task[T]) bool { return t.ctx.res == nil })
}

func first[T any](ctx context.Context, op string, tasks []*Task[T], wins func(*Task[T]) bool) (T, error) {
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
	err := settle(ctx, op, ms, func(i int) bool {
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
	switch {
	case winner >= 0:
		// The winner is decided even if ctx ended while losers were winding down.
		return tasks[winner].val, tasks[winner].failure()
	case err != nil:
		return zero, err
	}
	errs := make([]error, len(failed))
	for k, i := range failed {
		errs[k] = tasks[i].failure()
	}
	return zero, errors.Join(errs...)
}

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
// nil case, -1 and an error wrapping [ErrNilTask].
func Select(ctx context.Context, cases ...Case) (int, error) {
	if len(cases) == 0 {
		return -1, fmt.Errorf("%w (Select)", ErrNoTasks)
	}
	for i, c := range cases {
		if c == nil || reflect.ValueOf(c).Kind() == reflect.Pointer && reflect.ValueOf(c).IsNil() {
			return -1, fmt.Errorf("%w (Select case %d)", ErrNilTask, i)
		}
	}
	for i, c := range cases { // ready already: lowest index wins
		select {
		case <-c.Done():
			return i, nil
		default:
		}
	}
	p := Park(ctx)
	defer p.Resume()
	switch len(cases) {
	case 1:
		select {
		case <-cases[0].Done():
			return 0, nil
		case <-ctx.Done():
		}
	case 2:
		select {
		case <-cases[0].Done():
			return 0, nil
		case <-cases[1].Done():
			return 1, nil
		case <-ctx.Done():
		}
	case 3:
		select {
		case <-cases[0].Done():
			return 0, nil
		case <-cases[1].Done():
			return 1, nil
		case <-cases[2].Done():
			return 2, nil
		case <-ctx.Done():
		}
	default:
		sc := make([]reflect.SelectCase, len(cases)+1)
		for i, c := range cases {
			sc[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.Done())}
		}
		sc[len(cases)] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}
		if i, _, _ := reflect.Select(sc); i < len(cases) {
			return i, nil
		}
	}
	return -1, ctxError("select", ctx)
}

// Timer is a [Case] that is done once its duration has passed.
type Timer struct {
	t    *time.Timer
	done chan struct{}
}

// After returns a Timer that is done after d. Stop it when it is no longer
// needed, as with time.AfterFunc.
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
// ended already). It is an await point: on a runtime, the slot is given
// back while sleeping (unlike time.Sleep, which holds it).
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return ctxError("sleep", ctx)
	}
	if d <= 0 {
		return nil
	}
	p := Park(ctx)
	defer p.Resume()
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctxError("sleep", ctx)
	}
}

// TimeoutError is returned by [Timeout] when fn fails after its time limit
// passed. It matches context.DeadlineExceeded with errors.Is, and unwraps to
// fn's own error too.
type TimeoutError struct {
	Limit time.Duration // the time limit given to Timeout
	Err   error         // what fn returned
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("task: timed out after %v: %v", e.Limit, e.Err)
}

func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Err} }

var errTimeout = errors.New("task: time limit passed")

// Timeout runs fn on the calling goroutine with a context that ends after d:
// the chapter's with_timeout. If fn fails once the limit has passed, the
// error is a *TimeoutError wrapping context.DeadlineExceeded and fn's error;
// if fn succeeds, its result stands, late or not. A nil fn fails with
// [ErrNilFunc], and a d that is not positive with an error, without
// calling fn.
//
// Go cannot abort fn: it must return when its context is done. A fn that
// ignores its context overruns the limit, as a never-yielding future does
// under tokio::time::timeout. To stop waiting on time regardless, start fn
// with [Go] and Await it with a context that has a deadline.
func Timeout[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	switch {
	case fn == nil:
		return zero, ErrNilFunc
	case d <= 0:
		return zero, fmt.Errorf("task: timeout %v: must be positive", d)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, d, errTimeout)
	defer cancel()
	v, err := fn(tctx)
	if err != nil && context.Cause(tctx) == errTimeout {
		return v, &TimeoutError{Limit: d, Err: err}
	}
	return v, err
}
