package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spool-go/spool/task"
)

// Causes of giving up, found in [Error.Cause] (besides a ctx error).
var (
	// ErrAttempts means every attempt [MaxAttempts] allows has failed.
	ErrAttempts = errors.New("retry: attempts exhausted")
	// ErrElapsed means the next attempt would start after the
	// [MaxElapsed] budget.
	ErrElapsed = errors.New("retry: time budget spent")
	// ErrPermanent means the last error was marked with [Permanent], or
	// the [If] predicate rejected it, or (without one) it matched ErrPermanent
	// itself: the *Error of an inner Do that stopped for this cause.
	ErrPermanent = errors.New("retry: permanent error")
	// ErrDeadline means the next attempt could not start before ctx's
	// deadline: the wait before it would have reached the deadline, so Do
	// gave up at once instead of sleeping for nothing. It matches
	// context.DeadlineExceeded with errors.Is, as the give-up of a ctx
	// that ended during a wait does.
	ErrDeadline error = deadlineError{}
)

// deadlineError is the type of [ErrDeadline].
type deadlineError struct{}

func (deadlineError) Error() string {
	return "retry: the next attempt could not start before the context's deadline"
}

func (deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// errNilFunc is Do's error for a nil fn: bad input (ErrInvalid), and a
// nil function as task's (task.ErrNilFunc).
var errNilFunc error = nilFuncError{}

type nilFuncError struct{}

func (nilFuncError) Error() string   { return "retry: Do: fn must not be nil (got nil)" }
func (nilFuncError) Unwrap() []error { return []error{ErrInvalid, task.ErrNilFunc} }

// Error is the error of a call to [Do] that gave up. It unwraps to both
// the last attempt's error and the cause of stopping, so errors.Is(err,
// lastErr), errors.As(err, &myErr) and errors.Is(err,
// context.DeadlineExceeded) all work on it.
type Error struct {
	// Attempts is how many times fn was called (0 if ctx was done before the
	// first attempt).
	Attempts int
	// Last is the last attempt's error with retry's own wrappers ([Permanent],
	// [After]) removed; nil when fn never ran.
	Last error
	// Cause says why Do stopped: [ErrAttempts], [ErrElapsed],
	// [ErrPermanent], [ErrDeadline], or ctx's error (together with
	// context.Cause(ctx) when that differs: errors.Is matches both).
	Cause error
}

// Error reads "retry: CAUSE after N attempts: LAST", as in "retry:
// attempts exhausted after 3 attempts: EOF". ctx's cause, when it has
// one, follows ctx's error in parentheses ("retry: context canceled
// (shutting down) after 2 attempts: EOF"); a give-up for [ErrDeadline]
// reads "retry: gave up after 2 attempts, as the next could not start
// before the context's deadline: EOF". When Last is itself the *Error of
// an inner Do, that Do is summed up in parentheses rather than repeated:
// "retry: permanent error after 1 attempt (inner retry: 2 attempts):
// EOF", naming the inner cause only when it differs from the outer one.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("retry: ")
	e.head(&b)
	last := e.Last
	for outer, sep := e, " (inner retry: "; ; sep = "; its inner retry: " {
		in, ok := last.(*Error)
		if !ok {
			if outer != e {
				b.WriteByte(')')
			}
			break
		}
		b.WriteString(sep)
		if sameCause(in.Cause, outer.Cause) {
			switch in.Attempts {
			case 0:
				b.WriteString("no attempt")
			case 1:
				b.WriteString("1 attempt")
			default:
				fmt.Fprintf(&b, "%d attempts", in.Attempts)
			}
		} else {
			in.head(&b)
		}
		outer, last = in, in.Last
	}
	if last != nil {
		b.WriteString(": ")
		b.WriteString(last.Error())
	}
	return b.String()
}

// head writes why e gave up and after how many attempts.
func (e *Error) head(b *strings.Builder) {
	switch c := e.Cause.(type) {
	case nil:
		b.WriteString("gave up ")
	case deadlineError:
		b.WriteString("gave up ")
		writeAttempts(b, e.Attempts)
		b.WriteString(", as the next could not start before the context's deadline")
		return
	case *causeError:
		b.WriteString(c.err.Error())
		b.WriteString(" (")
		b.WriteString(c.cause.Error())
		b.WriteString(") ")
	default:
		b.WriteString(strings.TrimPrefix(c.Error(), "retry: "))
		b.WriteByte(' ')
	}
	writeAttempts(b, e.Attempts)
}

// writeAttempts writes "after 2 attempts", "after 1 attempt" or "before
// the first attempt".
func writeAttempts(b *strings.Builder, n int) {
	switch n {
	case 0:
		b.WriteString("before the first attempt")
	case 1:
		b.WriteString("after 1 attempt")
	default:
		fmt.Fprintf(b, "after %d attempts", n)
	}
}

// sameCause reports whether two causes of giving up are the same: one of
// retry's own, or ctx's error (and cause).
func sameCause(a, b error) bool {
	switch a {
	case nil, ErrAttempts, ErrElapsed, ErrPermanent, ErrDeadline, context.Canceled, context.DeadlineExceeded:
		return a == b
	}
	x, ok := a.(*causeError)
	y, ok2 := b.(*causeError)
	return ok && ok2 && sameCause(x.err, y.err) && x.cause.Error() == y.cause.Error()
}

// Unwrap returns the last error and the cause, leaving out a nil one.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	for _, err := range [...]error{e.Last, e.Cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Permanent marks err as not worth retrying: [Do] stops at once and
// returns an [*Error] whose Last is err itself (the mark is removed, so
// err == e.Last) and whose Cause is [ErrPermanent]. Permanent(nil) is nil.
//
// A give-up marked permanent stays permanent through nested calls: by
// default Do also stops on an error that matches [ErrPermanent]
// (errors.Is), as the *Error of an inner Do does when that Do stopped on a
// Permanent error or on one its [If] predicate rejected. The outer Do then
// returns an *Error whose Last is the inner *Error and whose Cause is
// ErrPermanent. An inner Do that gave up for another cause (attempts, time
// budget, ctx) is retried like any other error. An [If] predicate replaces this
// rule: it sees the inner *Error and decides alone. A mark buried inside
// another error (fmt.Errorf("...: %w", retry.Permanent(err))) still stops
// Do, but Do leaves the enclosing error as it is.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// After asks [Do] to wait d before the next attempt instead of what the
// back-off says, as an HTTP Retry-After header does. Do waits d, never
// more than [MaxAfter] (a longer d is cut to it), and the wait counts
// against [MaxElapsed] and ctx's deadline. If the back-off jitters (a
// [Jitter] mode or a [Schedule.Spread] above 0), Do adds a uniform random
// part of up to a tenth of d, so that clients told the same Retry-After
// at the same moment do not all come back at the same instant, but still
// waits no more than MaxAfter (a d at MaxAfter or above, cut to it, is
// spread below it by up to a tenth of it instead, so that Do never waits
// less than d unless MaxAfter overrules it); without jitter it waits d
// exactly. The back-off's
// own delay is not added: its schedule goes on as if this retry had
// followed it. After(d, nil) is nil; a negative d counts as 0. Like
// [Permanent], the wrapper is removed from [Error.Last].
func After(d time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &afterError{max(d, 0), err}
}

type afterError struct {
	d   time.Duration
	err error
}

func (e *afterError) Error() string { return e.err.Error() }
func (e *afterError) Unwrap() error { return e.err }

// mark is what marks finds in an attempt's error.
type mark struct {
	permanent bool          // wrapped by Permanent
	inner     bool          // a nested Do gave up for good (its *Error's Cause is ErrPermanent)
	after     time.Duration // from After, if hasAfter
	hasAfter  bool
}

// marks strips retry's wrappers from the top of err and looks for them
// deeper in its tree, without descending into a nested Do's *Error, whose
// own give-up it notes (m.inner) instead.
func marks(err error) (m mark, last error) {
	for {
		switch e := err.(type) {
		case *permanentError:
			m.permanent = true
			err = e.err
			continue
		case *afterError:
			if !m.hasAfter {
				m.after, m.hasAfter = e.d, true
			}
			err = e.err
			continue
		}
		break
	}
	find(err, &m)
	return m, err
}

func find(err error, m *mark) {
	for err != nil {
		switch e := err.(type) {
		case *Error:
			m.inner = m.inner || e.Cause == ErrPermanent
			return
		case *permanentError:
			m.permanent = true
		case *afterError:
			if !m.hasAfter {
				m.after, m.hasAfter = e.d, true
			}
		}
		if err == ErrPermanent {
			m.inner = true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				find(e, m)
			}
			return
		default:
			return
		}
	}
}

// Do calls fn until it succeeds, and returns its value; attempt counts the
// calls from 1. Between failed attempts it waits as the back-off says
// (a spool await point: [task.Sleep], which gives a runtime slot back).
// Without options it follows the defaults documented at [New]; opts may
// be a *[Policy] built once, inline options, or both (applied in order).
//
// Do stops, returning T's zero value and an [*Error] that keeps the last
// attempt's error, when: an error is marked [Permanent], rejected by
// the [If] predicate, or, without one, matches ErrPermanent (Cause
// [ErrPermanent]; see Permanent for nested calls); the attempts are used up
// ([ErrAttempts]); the next attempt would start after the [MaxElapsed]
// budget ([ErrElapsed]); the next attempt would start at or after ctx's
// deadline ([ErrDeadline], which matches context.DeadlineExceeded: Do
// gives up at once, before [OnRetry], rather than sleep until the
// deadline); or ctx is done, checked before every attempt and during every
// wait (Cause is ctx's error: a wait is cut short at once).
// Do never calls fn with a ctx that is already done. Whichever way it
// gives up, it calls the [OnGiveUp] hook, if set, once with that *Error
// just before returning it.
//
// A bad option makes Do return an error matching [ErrInvalid] without
// calling fn; a nil fn, one matching both ErrInvalid and
// [task.ErrNilFunc]. A nil ctx makes Do panic ("retry: Do: nil context").
//
// fn runs on the calling goroutine; its panics are not recovered. fn must
// release what a failed attempt made (an HTTP body, say): Do drops the
// value of every failed attempt.
//
// Cost (go test -run '^$' -bench BenchmarkDo -benchmem -count 6 ./retry/,
// medians on a quiet 2-core machine): with no options or a single
// *Policy, a first attempt that succeeds costs 3.9-4.4 ns over calling fn
// directly and allocates nothing; three failing attempts with Constant(0)
// cost 53 ns and one allocation, the *Error (48 B). Retrying allocates
// nothing in itself (unless [Seed] is set): only giving up does. Inline
// options cost about 55 ns: one allocation per option plus the policy they
// build (176 B and 2 allocations for one option). Build a Policy once for
// hot paths.
func Do[T any](ctx context.Context, fn func(ctx context.Context, attempt int) (T, error), opts ...Option) (T, error) {
	if ctx == nil {
		panic("retry: Do: nil context")
	}
	var zero T
	c := &defaults.c
	if len(opts) > 0 {
		p, ok := opts[0].(*Policy)
		if !ok || p == nil || len(opts) > 1 {
			var err error
			if p, err = build("Do", opts); err != nil {
				return zero, err
			}
		} else if p.c.maxAttempts < 1 { // a Policy{} not built by New
			return zero, invalid("Do: a *Policy not built with retry.New")
		}
		c = &p.c
	}
	if fn == nil {
		return zero, errNilFunc
	}
	if c.fast() && ctx.Err() == nil {
		v, err := fn(ctx, 1)
		if err == nil {
			return v, nil
		}
		return loop(ctx, fn, c, time.Time{}, err)
	}
	var start time.Time
	if c.maxElapsed > 0 {
		start = time.Now()
	}
	return loop(ctx, fn, c, start, nil)
}

// loop runs the attempts after the first (or all of them when first is
// nil, meaning no attempt has run yet).
func loop[T any](ctx context.Context, fn func(context.Context, int) (T, error), c *config, start time.Time, first error) (T, error) {
	var (
		zero    T
		sched   delays
		started bool
		attempt int
		last    error
		err     = first
	)
	if first != nil {
		attempt = 1
	}
	for {
		if attempt > 0 {
			var m mark
			m, last = marks(err)
			switch {
			case m.permanent,
				c.retryIf == nil && m.inner, // an inner Do gave up for good
				c.retryIf != nil && !c.retryIf(last):
				return zero, c.giveUp(&Error{attempt, last, ErrPermanent})
			case ctx.Err() != nil:
				return zero, c.giveUp(&Error{attempt, last, ctxCause(ctx)})
			case attempt >= c.maxAttempts:
				return zero, c.giveUp(&Error{attempt, last, ErrAttempts})
			}
			if !started {
				sched.init(&c.backoff, c.seed, c.seeded)
				started = true
			}
			d := sched.next()
			if m.hasAfter && c.maxAfter > 0 {
				d = sched.after(m.after, c.maxAfter)
			}
			if c.maxElapsed > 0 && time.Since(start) > c.maxElapsed-d {
				return zero, c.giveUp(&Error{attempt, last, ErrElapsed})
			}
			if d > 0 {
				if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
					return zero, c.giveUp(&Error{attempt, last, ErrDeadline})
				}
			}
			if c.onRetry != nil {
				c.onRetry(attempt, last, d)
			}
			if d > 0 && task.Sleep(ctx, d) != nil {
				return zero, c.giveUp(&Error{attempt, last, ctxCause(ctx)})
			}
		}
		if ctx.Err() != nil {
			return zero, c.giveUp(&Error{attempt, last, ctxCause(ctx)})
		}
		attempt++
		var v T
		v, err = run(ctx, fn, attempt, c.attemptTimeout)
		if err == nil {
			return v, nil
		}
	}
}

// giveUp calls the OnGiveUp hook, if any, with e and returns e.
func (c *config) giveUp(e *Error) *Error {
	if c.onGiveUp != nil {
		c.onGiveUp(e)
	}
	return e
}

func run[T any](ctx context.Context, fn func(context.Context, int) (T, error), attempt int, timeout time.Duration) (T, error) {
	if timeout <= 0 {
		return fn(ctx, attempt)
	}
	return task.Timeout(ctx, timeout, func(ctx context.Context) (T, error) { return fn(ctx, attempt) })
}

// ctxCause returns ctx's error, together with its cause when that
// differs.
func ctxCause(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return &causeError{err, cause}
	}
	return err
}

// causeError is ctx's error err and its cause, in [Error.Cause].
type causeError struct{ err, cause error }

func (e *causeError) Error() string   { return e.err.Error() + ": " + e.cause.Error() }
func (e *causeError) Unwrap() []error { return []error{e.err, e.cause} }
