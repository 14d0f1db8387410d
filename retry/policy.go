package retry

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrInvalid is matched (errors.Is) by the error [New] (and [Do]) return
// for a bad option or argument: zero or negative attempts, a negative
// duration, a cap below the base, a factor below 1, a NaN or out-of-range
// jitter, a nil func or option. The error's text names the first bad
// option and its value, as in "retry: MaxAttempts(0): must be at least
// 1" (where rt, pool and parallel join every bad option's). Options never
// panic: a bad value is recorded and reported by New or Do. A nil context
// makes Do panic.
var ErrInvalid = errors.New("retry: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// invalid makes an invalidError of "retry: " and the formatted text.
func invalid(format string, args ...any) error {
	return invalidError("retry: " + fmt.Sprintf(format, args...))
}

// Defaults of a [Policy] built with no options (and of [Do] without
// options). They match the chapter's retry_operation: three attempts, 100 ms
// then 200 ms between them, no jitter, no time budget.
const (
	DefaultMaxAttempts = 3                      // attempts, the first included
	DefaultBase        = 100 * time.Millisecond // first delay of the default Exponential
	DefaultCap         = 10 * time.Second       // cap of the default Exponential
	DefaultMaxAfter    = time.Minute            // cap on delays asked for with After
)

// An Option configures a [Policy], or one call of [Do]. A *Policy is itself
// an Option, so a policy built once can be passed to Do as it is:
//
//	p, err := retry.New(retry.MaxAttempts(5), retry.MaxElapsed(30*time.Second))
//	...
//	v, err := retry.Do(ctx, fetch, p)
//
// Options apply in order, later ones winning. A *Policy gives the settings
// its own options gave, and only those: retry.Do(ctx, fn,
// retry.MaxAttempts(7), p) makes 7 attempts if p was built without
// MaxAttempts, and p's number if it was built with it; a setting p left at
// its default does not undo an earlier option.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what a Policy fixes. It is copied by value and never mutated
// once its Policy is built.
type config struct {
	maxAttempts    int
	maxElapsed     time.Duration
	attemptTimeout time.Duration
	maxAfter       time.Duration
	backoff        Schedule
	retryIf        func(error) bool
	onRetry        func(attempt int, err error, delay time.Duration)
	onGiveUp       func(*Error)
	seed           uint64
	seeded         bool
	err            error // the first bad option
}

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// fast reports whether the first attempt can run before any per-call state
// exists: no time budget to start and no attempt context to make.
func (c *config) fast() bool { return c.maxElapsed == 0 && c.attemptTimeout == 0 }

var defaults = Policy{c: config{
	maxAttempts: DefaultMaxAttempts,
	maxAfter:    DefaultMaxAfter,
	backoff:     Exponential(DefaultBase, DefaultCap),
}}

// Policy is a validated, immutable set of options: build it once with
// [New] and share it freely; every call to [Do] keeps its own state (the
// attempt count, the back-off's progress, the random source), so a Policy
// is safe for concurrent use by any number of goroutines.
//
// A *Policy is an [Option]. Passing it alone to Do is the fast path: no
// option is re-applied and nothing is allocated before the first attempt.
type Policy struct {
	c    config
	opts []Option // New's, for apply: a copy, all valid and not nil
}

func (p *Policy) apply(c *config) {
	if p == nil {
		c.fail(invalid("option is a nil *Policy"))
		return
	}
	if p.c.maxAttempts < 1 { // a Policy{} not built by New
		c.fail(invalid("a *Policy not built with retry.New"))
		return
	}
	// Its own options again: it gives the settings it was built with, and
	// leaves the others as the options before it set them.
	for _, o := range p.opts {
		o.apply(c)
	}
}

// New applies opts to the defaults and validates the result. Its error
// matches [ErrInvalid] and names the first bad option.
//
// The defaults: [DefaultMaxAttempts] attempts, Exponential(DefaultBase,
// DefaultCap) with factor 2 and no jitter, no time budget
// ([MaxElapsed]), no per-attempt timeout, every error retried except those
// marked [Permanent] or matching [ErrPermanent] (a nested Do that gave up
// on a permanent error), and requests made with [After] capped at
// [DefaultMaxAfter]. In the worst case a default Do waits 300 ms in all
// between its three attempts.
func New(opts ...Option) (*Policy, error) {
	p, err := build("New", opts)
	if err == nil {
		p.opts = slices.Clone(opts) // the caller's slice may change
	}
	return p, err
}

// build is New, for fn (New or Do): a nil option's error names fn.
func build(fn string, opts []Option) (*Policy, error) {
	p := &Policy{c: defaults.c}
	for i, o := range opts {
		if o == nil {
			p.c.fail(invalid("%s: option must not be nil (got nil at index %d)", fn, i))
			continue
		}
		o.apply(&p.c)
	}
	if p.c.err == nil {
		p.c.err = p.c.backoff.check()
	}
	if p.c.err != nil {
		return nil, p.c.err
	}
	return p, nil
}

// String describes the policy, as in
// "retry: 3 attempts, exponential(100ms, cap 10s, x2)".
func (p *Policy) String() string {
	s := fmt.Sprintf("retry: %d attempts, %v", p.c.maxAttempts, p.c.backoff)
	if p.c.maxElapsed > 0 {
		s += fmt.Sprintf(", budget %v", p.c.maxElapsed)
	}
	if p.c.attemptTimeout > 0 {
		s += fmt.Sprintf(", %v per attempt", p.c.attemptTimeout)
	}
	return s
}

// MaxAttempts sets how many times fn may be called in all, the first call
// included: MaxAttempts(3) means one attempt and at most two retries. n
// must be at least 1; MaxAttempts(1) disables retrying. For no practical
// limit, pass math.MaxInt and bound the call with [MaxElapsed] or ctx.
func MaxAttempts(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.fail(invalid("MaxAttempts(%d): must be at least 1", n))
			return
		}
		c.maxAttempts = n
	})
}

// MaxElapsed sets a time budget for the whole call, measured from the
// start of [Do]. It is a budget for starting attempts, not a deadline:
// before each wait, Do gives up (with [ErrElapsed]) if the next attempt
// would start after the budget, without sleeping for nothing, and it never
// cuts a running attempt short. For a hard deadline, give Do a ctx with
// one: Do gives up as early for it ([ErrDeadline]), and a running attempt
// gets the deadline with its ctx. Both ways end in an [*Error] that keeps
// the last attempt's error.
// 0, the default, means no budget; d must not be negative.
func MaxElapsed(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail(invalid("MaxElapsed(%v): must not be negative", d))
			return
		}
		c.maxElapsed = d
	})
}

// AttemptTimeout bounds each attempt: fn gets a context that is cancelled
// d after the attempt starts (and as soon as fn returns, so that nothing
// leaks). An attempt that fails after its time is up fails with a
// [*task.TimeoutError], which matches context.DeadlineExceeded and is
// retried like any other error. 0, the default, means no per-attempt
// timeout; d must not be negative.
//
// As the context ends when fn returns, fn must finish with everything the
// context governs, such as reading an HTTP response body, before it
// returns.
func AttemptTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail(invalid("AttemptTimeout(%v): must not be negative", d))
			return
		}
		c.attemptTimeout = d
	})
}

// Backoff sets the schedule of delays between attempts; see [Schedule].
func Backoff(b Schedule) Option {
	return optionFunc(func(c *config) {
		if err := b.check(); err != nil {
			c.fail(err)
			return
		}
		c.backoff = b
	})
}

// MaxAfter caps the delays that fn asks for with [After]: a longer request
// is cut to d ([DefaultMaxAfter] by default), and Do never waits more than
// d after such a request, the spread a jittered back-off adds included
// (see After). MaxAfter(0) makes Do ignore such requests and follow its
// back-off. d must not be negative.
func MaxAfter(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail(invalid("MaxAfter(%v): must not be negative", d))
			return
		}
		c.maxAfter = d
	})
}

// If sets which errors are worth retrying. It replaces the default,
// which retries every error except one matching [ErrPermanent] (see
// [Permanent] for nested calls); an error marked with [Permanent] stops the
// call whatever f says. f sees the error without retry's own wrappers (the
// one that becomes [Error.Last]); when it returns false, Do stops with
// [ErrPermanent] as the cause.
func If(f func(error) bool) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.fail(invalid("If(nil): must not be nil"))
			return
		}
		c.retryIf = f
	})
}

// OnRetry sets a hook called after each failed attempt that will be
// retried, just before the wait: with the attempt's number (from 1), its
// error (as [If] sees it) and the delay about to be slept. It is not
// called for the attempt that ends the call. It runs on the goroutine that
// called [Do] and delays the next attempt by its own run time. The chapter's
// "Attempt N failed: ..., retrying..." line is an OnRetry hook.
func OnRetry(f func(attempt int, err error, delay time.Duration)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.fail(invalid("OnRetry(nil): must not be nil"))
			return
		}
		c.onRetry = f
	})
}

// OnGiveUp sets a hook called once when [Do] gives up, with the [*Error]
// it is about to return (the same pointer, so the hook sees exactly what
// the caller will; it must not modify it): after the attempts are used up,
// the time budget is spent, an error is permanent or rejected by
// [If], or ctx is done (before the first attempt too, with Attempts
// 0). It is never called when an attempt succeeds, nor when Do fails
// without giving up (a bad option, a nil fn: no *Error). Where [OnRetry]
// says "retrying", OnGiveUp is the place for the final log line or a
// give-up counter, instead of wrapping every call of Do.
//
// It runs on the goroutine that called Do, before Do returns, and delays
// that return by its own run time; its panics are not recovered. Setting
// it costs nothing measurable (BenchmarkDo, medians of 6 runs): a first
// attempt that succeeds still takes about 4 ns over fn and allocates
// nothing, and three failing attempts still allocate only the *Error
// (TestAllocs pins both).
func OnGiveUp(f func(*Error)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.fail(invalid("OnGiveUp(nil): must not be nil"))
			return
		}
		c.onGiveUp = f
	})
}

// Seed makes jitter deterministic, for tests: each call to [Do] draws its
// random numbers from its own math/rand/v2 PCG seeded with (seed, 0), so
// every call with the same policy sleeps the same sequence of delays. Leave
// it unset in production, where calls should not retry in lockstep; without
// it, jitter draws from math/rand/v2's global generator, which is safe for
// concurrent use. A seeded call with jitter allocates its source (2 objects).
func Seed(seed uint64) Option {
	return optionFunc(func(c *config) {
		c.seed, c.seeded = seed, true
	})
}
