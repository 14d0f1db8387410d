package retry

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// [RetryIf] rejected it, or (without RetryIf) it matched ErrPermanent
	// itself: the *Error of an inner Do that stopped for this cause.
	ErrPermanent = errors.New("retry: permanent error")
)

var errNilFunc = fmt.Errorf("retry: %w", task.ErrNilFunc)

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
	// [ErrPermanent], or ctx's error (wrapped together with
	// context.Cause(ctx) when that differs).
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("retry: ")
	if e.Cause != nil {
		b.WriteString(strings.TrimPrefix(e.Cause.Error(), "retry: "))
	} else {
		b.WriteString("gave up")
	}
	switch e.Attempts {
	case 0:
		b.WriteString(" before the first attempt")
	case 1:
		b.WriteString(" after 1 attempt")
	default:
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Last != nil {
		b.WriteString(": ")
		b.WriteString(e.Last.Error())
	}
	return b.String()
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
// Permanent error or on one its RetryIf rejected. The outer Do then
// returns an *Error whose Last is the inner *Error and whose Cause is
// ErrPermanent. An inner Do that gave up for another cause (attempts, time
// budget, ctx) is retried like any other error. A [RetryIf] replaces this
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
// back-off says, as an HTTP Retry-After header does; d is capped by
// [MaxAfter] and counts against [MaxElapsed]. If the back-off jitters (a
// [Jitter] mode or a [Schedule.Spread] above 0), Do waits d plus the
// back-off's jittered delay for this retry, so that clients told the same
// Retry-After at the same moment do not all come back at the same instant;
// without jitter it waits d exactly. The back-off's own schedule goes on
// as if this retry had followed it. After(d, nil) is nil; a negative d
// counts as 0. Like [Permanent], the wrapper is removed from [Error.Last].
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
// [RetryIf], or, without RetryIf, matches ErrPermanent (Cause
// [ErrPermanent]; see Permanent for nested calls); the attempts are used up
// ([ErrAttempts]); the next attempt would start after the [MaxElapsed]
// budget ([ErrElapsed]); or ctx is done, checked before every attempt and
// during every wait (Cause is ctx's error: a wait is cut short at once).
// Do never calls fn with a ctx that is already done. Whichever way it
// gives up, it calls the [OnGiveUp] hook, if set, once with that *Error
// just before returning it.
//
// A bad option makes Do return an error wrapping [ErrInvalid] without
// calling fn; a nil fn, one matching [task.ErrNilFunc].
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
	var zero T
	c := &defaults.c
	if len(opts) > 0 {
		p, ok := opts[0].(*Policy)
		if !ok || p == nil || len(opts) > 1 {
			var err error
			if p, err = New(opts...); err != nil {
				return zero, err
			}
		} else if p.c.maxAttempts < 1 { // a Policy{} not built by New
			return zero, fmt.Errorf("%w: a *Policy not built with retry.New", ErrInvalid)
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
				d = afterDelay(min(m.after, c.maxAfter), d, &c.backoff)
			}
			if c.maxElapsed > 0 && time.Since(start) > c.maxElapsed-d {
				return zero, c.giveUp(&Error{attempt, last, ErrElapsed})
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

// afterDelay is the wait before a retry that asked for a (already capped)
// with After, where the back-off gave d: a itself, or, when the back-off
// jitters, a plus d, so that clients told the same Retry-After at the same
// moment spread out after it instead of coming back together.
func afterDelay(a, d time.Duration, b *Schedule) time.Duration {
	switch {
	case !b.jittered():
		return a
	case d > math.MaxInt64-a:
		return math.MaxInt64
	}
	return a + d
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

// ctxCause returns ctx's error, wrapped with its cause when that differs.
func ctxCause(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}
