package retry

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Schedule is a back-off: the delays between attempts. It is a plain
// value, built by [Exponential], [Linear] or [Constant] and refined with its
// methods, each of which returns a changed copy. A Schedule holds no
// per-call state, so one value can serve any number of concurrent calls;
// the state of a schedule (how far it has grown, the last jittered delay)
// lives in each call to [Do].
//
// Bad arguments do not panic: they are kept in the value and reported by
// [New] (or [Do]) as an error matching [ErrInvalid], as in "retry:
// Exponential(0s, 10s): base must be positive". The zero Schedule is
// invalid.
type Schedule struct {
	kind   kind
	base   time.Duration // first delay (Exponential base, Linear step, Constant delay)
	cap    time.Duration // no delay of the schedule exceeds it (Constant: the delay)
	factor float64       // Exponential growth per retry
	jitter Jitter
	spread float64 // SpreadJitter fraction
	err    error   // first bad argument
}

type kind uint8

const (
	kindNone kind = iota
	kindConstant
	kindLinear
	kindExponential
)

// Exponential returns the schedule base, base*2, base*4, ... capped at cap:
// the delay before retry n is min(cap, base*factor^(n-1)), with factor 2
// unless [Schedule.Factor] sets another. base must be positive and cap at
// least base.
func Exponential(base, cap time.Duration) Schedule {
	b := Schedule{kind: kindExponential, base: base, cap: cap, factor: 2}
	switch {
	case base <= 0:
		b.err = invalid("Exponential(%v, %v): base must be positive", base, cap)
	case cap < base:
		b.err = invalid("Exponential(%v, %v): cap must not be below base", base, cap)
	}
	return b
}

// Linear returns the schedule step, 2*step, 3*step, ... capped at cap. step
// must be positive and cap at least step.
func Linear(step, cap time.Duration) Schedule {
	b := Schedule{kind: kindLinear, base: step, cap: cap}
	switch {
	case step <= 0:
		b.err = invalid("Linear(%v, %v): step must be positive", step, cap)
	case cap < step:
		b.err = invalid("Linear(%v, %v): cap must not be below step", step, cap)
	}
	return b
}

// Constant returns the schedule d, d, d, ... d may be zero (retry at once)
// but not negative.
func Constant(d time.Duration) Schedule {
	b := Schedule{kind: kindConstant, base: d, cap: d}
	if d < 0 {
		b.err = invalid("Constant(%v): must not be negative", d)
	}
	return b
}

// Factor sets how much an [Exponential] schedule grows per retry (2 by
// default). f must be a finite number of at least 1; the other schedules
// take no factor.
func (b Schedule) Factor(f float64) Schedule {
	switch {
	case b.kind != kindExponential:
		b.fail(invalid("Factor(%v): only an Exponential schedule takes a factor", f))
	case math.IsNaN(f) || math.IsInf(f, 0) || f < 1:
		b.fail(invalid("Factor(%v): must be a finite number >= 1", f))
	default:
		b.factor = f
	}
	return b
}

// Jitter sets how each delay is randomized; see [Jitter]. It replaces any
// earlier Jitter or Spread. [DecorrelatedJitter] needs a schedule whose cap
// is above its base (an Exponential or a Linear one): on a [Constant]
// schedule, or another whose cap is its base, it could never jitter, and
// [New] rejects it with an error matching [ErrInvalid]; use FullJitter,
// EqualJitter or Spread there.
func (b Schedule) Jitter(j Jitter) Schedule {
	if j < NoJitter || j > DecorrelatedJitter {
		b.fail(invalid("Jitter(%d): unknown jitter mode", int(j)))
		return b
	}
	if j == DecorrelatedJitter && b.kind != kindNone && b.cap <= b.base {
		b.fail(invalid("Jitter(DecorrelatedJitter) on %v: decorrelated jitter draws from [base, min(cap, 3*previous)], which needs a cap above the base; use FullJitter, EqualJitter or Spread", b))
		return b
	}
	b.jitter, b.spread = j, 0
	return b
}

// Spread randomizes each delay d to a uniform value in [d*(1-f), d*(1+f)],
// as cenkalti/backoff's RandomizationFactor and failsafe-go's jitter factor
// do. f must be in [0, 1]. A spread delay may exceed the schedule's cap by
// the fraction f. It replaces any earlier Jitter.
func (b Schedule) Spread(f float64) Schedule {
	if math.IsNaN(f) || f < 0 || f > 1 {
		b.fail(invalid("Spread(%v): must be in [0, 1]", f))
		return b
	}
	b.jitter, b.spread = spreadJitter, f
	return b
}

// String describes the schedule, as in "exponential(100ms, cap 10s, x2)".
func (b Schedule) String() string {
	var s string
	switch b.kind {
	case kindConstant:
		s = fmt.Sprintf("constant(%v)", b.base)
	case kindLinear:
		s = fmt.Sprintf("linear(%v, cap %v)", b.base, b.cap)
	case kindExponential:
		s = fmt.Sprintf("exponential(%v, cap %v, x%v)", b.base, b.cap, b.factor)
	default:
		return "invalid"
	}
	switch b.jitter {
	case NoJitter:
	case spreadJitter:
		s += fmt.Sprintf(" spread %v", b.spread)
	default:
		s += " " + b.jitter.String()
	}
	return s
}

// jittered reports whether the schedule randomizes its delays.
func (b *Schedule) jittered() bool {
	return b.jitter != NoJitter && (b.jitter != spreadJitter || b.spread > 0)
}

func (b *Schedule) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b Schedule) check() error {
	if b.kind == kindNone {
		return invalid("zero Schedule: use Exponential, Linear or Constant")
	}
	return b.err
}

// Jitter is a way to randomize delays, so that clients that failed together
// do not retry together. The modes follow the AWS Architecture Blog post
// "Exponential Backoff And Jitter" (Marc Brooker, 2015); d is the delay the
// schedule gives for this retry, base its first delay and cap its cap.
type Jitter int

const (
	// NoJitter uses the schedule's delays as they are (the default).
	NoJitter Jitter = iota
	// FullJitter sleeps a uniform random duration in [0, d]. It spreads
	// clients most and is the blog post's recommendation.
	FullJitter
	// EqualJitter sleeps half of d plus a uniform random duration in
	// [0, d/2]: never less than half the schedule.
	EqualJitter
	// DecorrelatedJitter sleeps min(cap, uniform in [base, 3*previous]),
	// where previous is the last delay slept (base at first). It keeps only
	// the schedule's base and cap: the growth comes from the 3x. It needs
	// a cap above the base: [Schedule.Jitter] rejects it on a [Constant]
	// schedule, which it could never jitter.
	DecorrelatedJitter

	spreadJitter // set by Schedule.Spread
)

// String returns the mode's name, as in "full jitter".
func (j Jitter) String() string {
	switch j {
	case NoJitter:
		return "no jitter"
	case FullJitter:
		return "full jitter"
	case EqualJitter:
		return "equal jitter"
	case DecorrelatedJitter:
		return "decorrelated jitter"
	case spreadJitter:
		return "spread"
	}
	return fmt.Sprintf("Jitter(%d)", int(j))
}

// delays is the per-call state of a Schedule.
type delays struct {
	b    *Schedule
	cur  time.Duration // the schedule's next un-jittered delay
	curf float64       // cur unrounded (Exponential): base·factor^n without compounding truncation
	prev time.Duration // the last delay (decorrelated jitter)
	rng  *rand.Rand    // seeded source, or nil for the global one
}

func (s *delays) init(b *Schedule, seed uint64, seeded bool) {
	s.b = b
	s.cur = b.base
	s.curf = float64(b.base)
	s.prev = b.base
	if seeded && b.jitter != NoJitter {
		s.rng = rand.New(rand.NewPCG(seed, 0))
	}
}

// next returns the delay before the next retry and advances the schedule.
func (s *delays) next() time.Duration {
	b := s.b
	d := s.cur
	switch b.kind {
	case kindLinear:
		if s.cur > b.cap-b.base {
			s.cur = b.cap
		} else {
			s.cur += b.base
		}
	case kindExponential:
		if s.curf *= b.factor; s.curf >= float64(b.cap) {
			s.cur, s.curf = b.cap, float64(b.cap)
		} else {
			s.cur = time.Duration(s.curf)
		}
	}
	switch b.jitter {
	case FullJitter:
		d = s.between(0, d)
	case EqualJitter:
		half := d / 2
		d = half + s.between(0, d-half)
	case DecorrelatedJitter:
		hi := time.Duration(math.MaxInt64)
		if s.prev <= hi/3 {
			hi = 3 * s.prev
		}
		d = min(b.cap, s.between(b.base, max(hi, b.base)))
		s.prev = d
	case spreadJitter:
		f := float64(d) * (1 - b.spread + 2*b.spread*s.float64())
		if f >= math.MaxInt64 {
			d = math.MaxInt64
		} else {
			d = time.Duration(f)
		}
	}
	return d
}

// afterSpread is the largest share of a delay asked for with After that
// a jittered back-off adds to it: a tenth.
const afterSpread = 10

// after returns the wait before a retry whose attempt asked for a with
// After, under the cap max (MaxAfter, positive): a, or max if a is longer;
// with a jittered schedule, a plus a uniform random part of up to a tenth
// of a, so that clients told the same delay at the same moment do not come
// back together, but never more than max. A delay at the cap or above it
// (one cut to it, as httpretry.Check cuts it, say) is spread below max, by
// up to a tenth of max, instead: never earlier than the server asked, but
// when the caller's cap overrules it. a + a/10 cannot overflow here: it
// is at most max.
func (s *delays) after(a, max time.Duration) time.Duration {
	switch {
	case a >= max:
		if !s.b.jittered() {
			return max
		}
		return max - s.between(0, max/afterSpread)
	case !s.b.jittered():
		return a
	}
	return a + s.between(0, min(a/afterSpread, max-a))
}

// between returns a uniform random duration in [lo, hi]; lo <= hi.
func (s *delays) between(lo, hi time.Duration) time.Duration {
	n := uint64(hi-lo) + 1
	if s.rng != nil {
		return lo + time.Duration(s.rng.Uint64N(n))
	}
	return lo + time.Duration(rand.Uint64N(n))
}

func (s *delays) float64() float64 {
	if s.rng != nil {
		return s.rng.Float64()
	}
	return rand.Float64()
}
