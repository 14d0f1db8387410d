package retry_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/task"
)

var (
	errBoom = errors.New("boom")
	errOops = errors.New("oops")
)

// record runs retry.Do with fn failing every time and returns, per retry,
// the delay OnRetry reported and the fake time that actually passed
// between the attempts. It must run inside a synctest bubble.
func record(t *testing.T, attempts int, opts ...retry.Option) (reported, slept []time.Duration, err error) {
	t.Helper()
	var starts []time.Time
	opts = append(opts, retry.MaxAttempts(attempts), retry.OnRetry(func(_ int, _ error, d time.Duration) {
		reported = append(reported, d)
	}))
	_, err = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
		if attempt != len(starts)+1 {
			t.Errorf("attempt = %d; want %d", attempt, len(starts)+1)
		}
		starts = append(starts, time.Now())
		return 0, errBoom
	}, opts...)
	for i := 1; i < len(starts); i++ {
		slept = append(slept, starts[i].Sub(starts[i-1]))
	}
	return reported, slept, err
}

func ms(v ...int) []time.Duration {
	ds := make([]time.Duration, len(v))
	for i, x := range v {
		ds[i] = time.Duration(x) * time.Millisecond
	}
	return ds
}

func TestChapterRetryOperation(t *testing.T) {
	// retry_operation: three attempts, "Attempt N failed" after the first two,
	// 100 ms then 200 ms between them, the third succeeds.
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var log []string
		var at []time.Duration
		v, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (string, error) {
			at = append(at, time.Since(start))
			if attempt < 3 {
				return "", fmt.Errorf("connection refused (attempt %d)", attempt)
			}
			return "Completed", nil
		}, retry.OnRetry(func(attempt int, err error, d time.Duration) {
			log = append(log, fmt.Sprintf("Attempt %d failed: %v, retrying in %v...", attempt, err, d))
		}))
		if v != "Completed" || err != nil {
			t.Fatalf("Do = %q, %v; want Completed, nil", v, err)
		}
		if want := ms(0, 100, 300); fmt.Sprint(at) != fmt.Sprint(want) {
			t.Errorf("attempts started at %v; want %v", at, want)
		}
		want := []string{
			"Attempt 1 failed: connection refused (attempt 1), retrying in 100ms...",
			"Attempt 2 failed: connection refused (attempt 2), retrying in 200ms...",
		}
		if strings.Join(log, "\n") != strings.Join(want, "\n") {
			t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestSchedules(t *testing.T) {
	tests := []struct {
		name string
		give retry.Schedule
		want []time.Duration
	}{
		{"default", retry.Exponential(100*time.Millisecond, 10*time.Second), ms(100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000)},
		{"exponential capped", retry.Exponential(100*time.Millisecond, time.Second), ms(100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000)},
		{"exponential x1.5", retry.Exponential(100*time.Millisecond, time.Second).Factor(1.5), ms(100, 150, 225, 337, 506, 759, 1000, 1000, 1000)},
		{"exponential x1", retry.Exponential(100*time.Millisecond, time.Second).Factor(1), ms(100, 100, 100, 100, 100, 100, 100, 100, 100)},
		{"exponential x3", retry.Exponential(10*time.Millisecond, 500*time.Millisecond).Factor(3), ms(10, 30, 90, 270, 500, 500, 500, 500, 500)},
		{"linear", retry.Linear(100*time.Millisecond, 450*time.Millisecond), ms(100, 200, 300, 400, 450, 450, 450, 450, 450)},
		{"constant", retry.Constant(70 * time.Millisecond), ms(70, 70, 70, 70, 70, 70, 70, 70, 70)},
		{"constant 0", retry.Constant(0), ms(0, 0, 0, 0, 0, 0, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reported, slept, err := record(t, len(tt.want)+1, retry.Backoff(tt.give))
				checkDelays(t, reported, slept, tt.want)
				if !errors.Is(err, retry.ErrAttempts) || !errors.Is(err, errBoom) {
					t.Errorf("err = %v; want ErrAttempts and errBoom", err)
				}
			})
		})
	}
}

func checkDelays(t *testing.T, reported, slept, want []time.Duration) {
	t.Helper()
	// 337.5 ms and the like truncate to whole nanoseconds; compare in µs.
	round := func(ds []time.Duration) string {
		var b strings.Builder
		for _, d := range ds {
			fmt.Fprintf(&b, "%v ", d.Truncate(time.Millisecond))
		}
		return b.String()
	}
	if round(reported) != round(want) {
		t.Errorf("OnRetry delays = %s; want %s", round(reported), round(want))
	}
	if fmt.Sprint(slept) != fmt.Sprint(reported) {
		t.Errorf("slept %v; OnRetry reported %v", slept, reported)
	}
}

func TestJitter(t *testing.T) {
	const seed = 42
	schedules := []struct {
		name      string
		give      retry.Schedule
		base, cap time.Duration
		plain     []time.Duration // the schedule without jitter
	}{
		{"exponential", retry.Exponential(100*time.Millisecond, 2*time.Second), 100 * time.Millisecond, 2 * time.Second, ms(100, 200, 400, 800, 1600, 2000, 2000, 2000)},
		{"linear", retry.Linear(100*time.Millisecond, 450*time.Millisecond), 100 * time.Millisecond, 450 * time.Millisecond, ms(100, 200, 300, 400, 450, 450, 450, 450)},
		{"constant", retry.Constant(70 * time.Millisecond), 70 * time.Millisecond, 70 * time.Millisecond, ms(70, 70, 70, 70, 70, 70, 70, 70)},
	}
	const spread = 0.25
	// Each mode's formula from the AWS note (and Spread's), drawn from the
	// documented source, with its bounds.
	modes := []struct {
		name   string
		give   func(retry.Schedule) retry.Schedule
		want   func(r *rand.Rand, d, base, cap, prev time.Duration) time.Duration
		lo, hi func(d, base, cap, prev time.Duration) time.Duration
	}{
		{
			name: "full", give: func(s retry.Schedule) retry.Schedule { return s.Jitter(retry.FullJitter) },
			want: func(r *rand.Rand, d, _, _, _ time.Duration) time.Duration {
				return time.Duration(r.Uint64N(uint64(d) + 1))
			},
			lo: func(_, _, _, _ time.Duration) time.Duration { return 0 },
			hi: func(d, _, _, _ time.Duration) time.Duration { return d },
		},
		{
			name: "equal", give: func(s retry.Schedule) retry.Schedule { return s.Jitter(retry.EqualJitter) },
			want: func(r *rand.Rand, d, _, _, _ time.Duration) time.Duration {
				return d/2 + time.Duration(r.Uint64N(uint64(d-d/2)+1))
			},
			lo: func(d, _, _, _ time.Duration) time.Duration { return d / 2 },
			hi: func(d, _, _, _ time.Duration) time.Duration { return d },
		},
		{
			name: "decorrelated", give: func(s retry.Schedule) retry.Schedule { return s.Jitter(retry.DecorrelatedJitter) },
			want: func(r *rand.Rand, _, base, cap, prev time.Duration) time.Duration {
				return min(cap, base+time.Duration(r.Uint64N(uint64(3*prev-base)+1)))
			},
			lo: func(_, base, _, _ time.Duration) time.Duration { return base },
			hi: func(_, _, cap, prev time.Duration) time.Duration { return min(cap, 3*prev) },
		},
		{
			name: "spread", give: func(s retry.Schedule) retry.Schedule { return s.Spread(spread) },
			want: func(r *rand.Rand, d, _, _, _ time.Duration) time.Duration {
				return time.Duration(float64(d) * (1 - spread + 2*spread*r.Float64()))
			},
			lo: func(d, _, _, _ time.Duration) time.Duration { return time.Duration(float64(d) * (1 - spread)) },
			hi: func(d, _, _, _ time.Duration) time.Duration { return time.Duration(float64(d) * (1 + spread)) },
		},
	}
	for _, sc := range schedules {
		for _, m := range modes {
			if sc.name == "constant" && m.name == "decorrelated" {
				continue // rejected: see TestDecorrelatedNeedsRoom
			}
			t.Run(sc.name+"/"+m.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					sched := m.give(sc.give)
					n := len(sc.plain) + 1
					reported, slept, _ := record(t, n, retry.Backoff(sched), retry.Seed(seed))
					r := rand.New(rand.NewPCG(seed, 0))
					var want []time.Duration
					prev := sc.base
					for _, d := range sc.plain {
						w := m.want(r, d, sc.base, sc.cap, prev)
						want = append(want, w)
						prev = w
					}
					if fmt.Sprint(reported) != fmt.Sprint(want) {
						t.Errorf("delays = %v; want %v", reported, want)
					}
					if fmt.Sprint(slept) != fmt.Sprint(reported) {
						t.Errorf("slept %v; OnRetry reported %v", slept, reported)
					}
					prev = sc.base
					for i, d := range reported {
						if lo, hi := m.lo(sc.plain[i], sc.base, sc.cap, prev), m.hi(sc.plain[i], sc.base, sc.cap, prev); d < lo || d > hi {
							t.Errorf("delay %d = %v; want in [%v, %v]", i+1, d, lo, hi)
						}
						prev = d
					}
					// Same seed, same delays: the schedule's state is per call.
					again, _, _ := record(t, n, retry.Backoff(sched), retry.Seed(seed))
					if fmt.Sprint(again) != fmt.Sprint(reported) {
						t.Errorf("second call with seed %d: %v; want %v", seed, again, reported)
					}
					other, _, _ := record(t, n, retry.Backoff(sched), retry.Seed(seed+1))
					if fmt.Sprint(other) == fmt.Sprint(reported) {
						t.Errorf("seeds %d and %d gave the same delays %v", seed, seed+1, other)
					}
				})
			})
		}
	}
	exp := schedules[0].plain
	t.Run("unseeded", func(t *testing.T) {
		// Without Seed, jitter still stays within its bounds.
		synctest.Test(t, func(t *testing.T) {
			for range 20 {
				reported, _, _ := record(t, len(exp)+1, retry.Backoff(schedules[0].give.Jitter(retry.FullJitter)))
				for i, d := range reported {
					if d < 0 || d > exp[i] {
						t.Fatalf("delay %d = %v; want in [0, %v]", i+1, d, exp[i])
					}
				}
			}
		})
	})
	t.Run("no jitter ignores seed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reported, _, _ := record(t, len(exp)+1, retry.Backoff(schedules[0].give), retry.Seed(seed))
			if fmt.Sprint(reported) != fmt.Sprint(exp) {
				t.Errorf("delays = %v; want %v", reported, exp)
			}
		})
	})
}

func TestBudgetEndsMidSleep(t *testing.T) {
	// Attempts take 30 ms and start at 0, 130, 260; the wait after the third
	// would end at 390 ms, past the 350 ms budget, so Do gives up at 290 ms
	// without sleeping, keeping the third attempt's error.
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var at []time.Duration
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			at = append(at, time.Since(start))
			time.Sleep(30 * time.Millisecond)
			return 0, fmt.Errorf("attempt %d: %w", attempt, errBoom)
		}, retry.MaxAttempts(10), retry.MaxElapsed(350*time.Millisecond), retry.Backoff(retry.Constant(100*time.Millisecond)))
		if got, want := time.Since(start), 290*time.Millisecond; got != want {
			t.Errorf("Do returned after %v; want %v", got, want)
		}
		if fmt.Sprint(at) != fmt.Sprint(ms(0, 130, 260)) {
			t.Errorf("attempts at %v; want %v", at, ms(0, 130, 260))
		}
		var re *retry.Error
		if !errors.As(err, &re) {
			t.Fatalf("err = %v; want a *retry.Error", err)
		}
		if re.Attempts != 3 || re.Cause != retry.ErrElapsed || re.Last == nil || re.Last.Error() != "attempt 3: boom" {
			t.Errorf("err = %+v; want 3 attempts, ErrElapsed, last attempt 3: boom", *re)
		}
		if !errors.Is(err, retry.ErrElapsed) || !errors.Is(err, errBoom) {
			t.Errorf("errors.Is(err, ErrElapsed/errBoom) = %v, %v; want true, true", errors.Is(err, retry.ErrElapsed), errors.Is(err, errBoom))
		}
		if got, want := err.Error(), "retry: time budget spent after 3 attempts: attempt 3: boom"; got != want {
			t.Errorf("err.Error() = %q; want %q", got, want)
		}
	})
}

func TestBudgetExactFit(t *testing.T) {
	// An attempt may start exactly when the budget ends.
	synctest.Test(t, func(t *testing.T) {
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return 0, errBoom
		}, retry.MaxAttempts(10), retry.MaxElapsed(300*time.Millisecond), retry.Backoff(retry.Constant(100*time.Millisecond)))
		var re *retry.Error
		if !errors.As(err, &re) || re.Attempts != 4 || re.Cause != retry.ErrElapsed {
			t.Errorf("err = %v; want ErrElapsed after 4 attempts", err)
		}
	})
}

func TestCtxDoneMidSleep(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func(context.Context) (context.Context, context.CancelFunc)
		want   error
		wantAt time.Duration
	}{
		// A deadline known before the wait: Do does not sleep until it
		// (ErrDeadline, which matches context.DeadlineExceeded).
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 150*time.Millisecond)
		}, context.DeadlineExceeded, 0},
		{"cancel", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(120*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled, 120 * time.Millisecond},
		{"cause", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(ctx)
			time.AfterFunc(120*time.Millisecond, func() { cancel(errOops) })
			return ctx, func() { cancel(nil) }
		}, errOops, 120 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := tt.ctx(t.Context())
				defer cancel()
				start := time.Now()
				_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					return 0, errBoom
				}, retry.MaxAttempts(5), retry.Backoff(retry.Constant(time.Hour)))
				if got := time.Since(start); got != tt.wantAt {
					t.Errorf("Do returned after %v; want %v (promptly when ctx ended)", got, tt.wantAt)
				}
				if !errors.Is(err, tt.want) || !errors.Is(err, errBoom) {
					t.Errorf("err = %v; want it to match %v and errBoom", err, tt.want)
				}
				var re *retry.Error
				if !errors.As(err, &re) || re.Attempts != 1 || re.Last != errBoom {
					t.Errorf("err = %#v; want 1 attempt, Last errBoom", err)
				}
			})
		})
	}
}

func TestCtxDoneBeforeFirstAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, opts := range [][]retry.Option{nil, {retry.MaxElapsed(time.Second)}, {retry.AttemptTimeout(time.Second)}} {
		called := false
		_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
			called = true
			return 1, nil
		}, opts...)
		if called {
			t.Errorf("fn called with a done ctx")
		}
		var re *retry.Error
		if !errors.As(err, &re) || re.Attempts != 0 || re.Last != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v; want *Error with 0 attempts and context.Canceled", err)
		}
		if got, want := err.Error(), "retry: context canceled before the first attempt"; got != want {
			t.Errorf("err.Error() = %q; want %q", got, want)
		}
	}
}

func TestCtxDoneDuringAttempt(t *testing.T) {
	// The attempt fails because ctx ended: Do stops with both errors and
	// does not count it as a retryable failure.
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
		calls++
		cancel()
		return 0, ctx.Err()
	})
	var re *retry.Error
	if calls != 1 || !errors.As(err, &re) || re.Cause != context.Canceled || re.Last != context.Canceled {
		t.Errorf("calls = %d, err = %v; want 1 call, Cause and Last context.Canceled", calls, err)
	}
}

func TestPermanent(t *testing.T) {
	if retry.Permanent(nil) != nil {
		t.Errorf("Permanent(nil) != nil")
	}
	if retry.After(time.Second, nil) != nil {
		t.Errorf("After(1s, nil) != nil")
	}
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		calls := 0
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			calls++
			if attempt == 2 {
				return 0, retry.Permanent(errOops)
			}
			return 0, errBoom
		}, retry.MaxAttempts(10))
		if calls != 2 || time.Since(start) != 100*time.Millisecond {
			t.Errorf("calls = %d after %v; want 2 after 100ms", calls, time.Since(start))
		}
		var re *retry.Error
		if !errors.As(err, &re) {
			t.Fatalf("err = %v; want *retry.Error", err)
		}
		if re.Last != errOops {
			t.Errorf("Last = %#v; want errOops itself (no wrapper)", re.Last)
		}
		if re.Attempts != 2 || re.Cause != retry.ErrPermanent || !errors.Is(err, errOops) || errors.Is(err, errBoom) {
			t.Errorf("err = %+v; want 2 attempts, ErrPermanent, errOops", *re)
		}
		if got, want := err.Error(), "retry: permanent error after 2 attempts: oops"; got != want {
			t.Errorf("err.Error() = %q; want %q", got, want)
		}
	})
	t.Run("max attempts 1", func(t *testing.T) {
		// backoff#177: the wrapper leaked when the attempt was also the last.
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return 0, retry.Permanent(retry.After(time.Second, errOops))
		}, retry.MaxAttempts(1))
		var re *retry.Error
		if !errors.As(err, &re) || re.Last != errOops || re.Cause != retry.ErrPermanent {
			t.Errorf("err = %#v; want Last errOops, Cause ErrPermanent", err)
		}
	})
	t.Run("wrapped", func(t *testing.T) {
		// A mark inside the caller's own wrapping still stops Do; the
		// caller's error is kept as it is.
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return 0, fmt.Errorf("get: %w", retry.Permanent(errOops))
		})
		var re *retry.Error
		if !errors.As(err, &re) || re.Attempts != 1 || re.Cause != retry.ErrPermanent || re.Last.Error() != "get: oops" {
			t.Errorf("err = %v; want 1 attempt, ErrPermanent, Last get: oops", err)
		}
		_, err = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return 0, errors.Join(errBoom, retry.Permanent(errOops))
		})
		if !errors.As(err, &re) || re.Attempts != 1 || re.Cause != retry.ErrPermanent {
			t.Errorf("joined: err = %v; want 1 attempt, ErrPermanent", err)
		}
	})
}

// TestNested checks how a Do treats the *Error of a Do inside it. An inner
// give-up on a Permanent error (or one its If rejected) matches
// ErrPermanent and stays permanent: the outer Do stops too, instead of
// sending a request it knows to be hopeless again. An inner give-up for
// another cause is retried, and a If on the outer Do decides alone.
func TestNested(t *testing.T) {
	tests := []struct {
		name      string
		inner     error          // what the inner fn returns every time
		innerOpts []retry.Option // the inner Do's
		outerOpts []retry.Option // the outer Do's
		outer     int            // want: attempts of the outer fn
		cause     error          // want: the outer *Error's Cause
	}{
		{"inner Permanent", fmt.Errorf("inner: %w", retry.Permanent(errOops)), nil, nil, 1, retry.ErrPermanent},
		{"inner If rejects", errOops, []retry.Option{retry.If(func(error) bool { return false })}, nil, 1, retry.ErrPermanent},
		{"inner attempts exhausted", errOops, nil, nil, 3, retry.ErrAttempts},
		{"outer If retries it", retry.Permanent(errOops), nil,
			[]retry.Option{retry.If(func(err error) bool { return true })}, 3, retry.ErrAttempts},
		{"outer If stops on ErrAttempts", errOops, nil,
			[]retry.Option{retry.If(func(err error) bool { return !errors.Is(err, retry.ErrAttempts) })}, 1, retry.ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				outer := 0
				_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
					outer++
					return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
						return 0, tt.inner
					}, tt.innerOpts...)
				}, tt.outerOpts...)
				if outer != tt.outer {
					t.Errorf("outer attempts = %d; want %d", outer, tt.outer)
				}
				var re, inner *retry.Error
				if !errors.As(err, &re) || re.Cause != tt.cause {
					t.Fatalf("err = %v; want an *Error with Cause %v", err, tt.cause)
				}
				if !errors.As(re.Last, &inner) || !errors.Is(err, errOops) {
					t.Errorf("Last = %v; want the inner *Error, matching errOops", re.Last)
				}
			})
		})
	}
}

// TestNestedLooksOneLevelDown: only the nearest nested Do's give-up
// counts. A middle Do that retried its inner permanent failure anyway (its
// If said so) and ran out of attempts gave up on ErrAttempts, so the
// outer Do retries it, although a permanent failure sits deeper down.
func TestNestedLooksOneLevelDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		outer := 0
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			outer++
			return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
				return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					return 0, retry.Permanent(errOops)
				})
			}, retry.If(func(error) bool { return true }))
		})
		var re *retry.Error
		if outer != 3 || !errors.As(err, &re) || re.Cause != retry.ErrAttempts {
			t.Errorf("outer attempts = %d, err = %v; want 3 and an *Error with Cause ErrAttempts", outer, err)
		}
	})
}

func TestIf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen []error
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			if attempt == 1 {
				return 0, retry.After(time.Millisecond, errBoom)
			}
			return 0, errOops
		}, retry.MaxAttempts(5), retry.If(func(err error) bool {
			seen = append(seen, err)
			return err == errBoom
		}))
		if len(seen) != 2 || seen[0] != errBoom || seen[1] != errOops {
			t.Errorf("If's predicate saw %v; want [boom oops] without wrappers", seen)
		}
		var re *retry.Error
		if !errors.As(err, &re) || re.Attempts != 2 || re.Cause != retry.ErrPermanent || re.Last != errOops {
			t.Errorf("err = %v; want 2 attempts, ErrPermanent, Last oops", err)
		}
	})
	// Permanent wins over a predicate that would retry.
	_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
		return 0, retry.Permanent(errBoom)
	}, retry.If(func(error) bool { return true }))
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 1 || re.Cause != retry.ErrPermanent {
		t.Errorf("err = %v; want 1 attempt, ErrPermanent", err)
	}
}

func TestAfter(t *testing.T) {
	tests := []struct {
		name string
		ask  time.Duration
		opts []retry.Option
		want []time.Duration
	}{
		{"overrides", 5 * time.Second, nil, []time.Duration{5 * time.Second, 5 * time.Second}},
		{"shorter", 10 * time.Millisecond, nil, ms(10, 10)},
		{"capped by default", time.Hour, nil, []time.Duration{time.Minute, time.Minute}},
		{"capped", 5 * time.Second, []retry.Option{retry.MaxAfter(2 * time.Second)}, ms(2000, 2000)},
		{"ignored", 5 * time.Second, []retry.Option{retry.MaxAfter(0)}, ms(100, 200)},
		{"negative", -time.Second, nil, ms(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var reported []time.Duration
				start := time.Now()
				_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
					return 0, retry.After(tt.ask, errBoom)
				}, append(tt.opts, retry.OnRetry(func(_ int, err error, d time.Duration) {
					if err != errBoom {
						t.Errorf("OnRetry err = %#v; want errBoom unwrapped", err)
					}
					reported = append(reported, d)
				}))...)
				if fmt.Sprint(reported) != fmt.Sprint(tt.want) {
					t.Errorf("delays = %v; want %v", reported, tt.want)
				}
				if got, want := time.Since(start), tt.want[0]+tt.want[1]; got != want {
					t.Errorf("Do took %v; want %v", got, want)
				}
				var re *retry.Error
				if !errors.As(err, &re) || re.Last != errBoom {
					t.Errorf("err = %#v; want Last errBoom unwrapped", err)
				}
			})
		})
	}
	t.Run("schedule goes on", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var got []time.Duration
			_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				if attempt == 2 {
					return 0, retry.After(time.Second, errBoom)
				}
				return 0, errBoom
			}, retry.MaxAttempts(5), retry.OnRetry(func(_ int, _ error, d time.Duration) { got = append(got, d) }))
			if want := ms(100, 1000, 400, 800); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("delays = %v; want %v", got, want)
			}
		})
	})
	t.Run("counts against budget", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				return 0, retry.After(time.Minute, errBoom)
			}, retry.MaxElapsed(30*time.Second))
			if !errors.Is(err, retry.ErrElapsed) || time.Since(start) != 0 {
				t.Errorf("err = %v after %v; want ErrElapsed at once", err, time.Since(start))
			}
		})
	})
}

func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var ctxs []context.Context
		v, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (string, error) {
			ctxs = append(ctxs, ctx)
			if attempt == 1 {
				<-ctx.Done() // hangs until the attempt's time is up
				return "", ctx.Err()
			}
			return "Completed", nil
		}, retry.AttemptTimeout(2*time.Second), retry.Backoff(retry.Constant(0)), retry.OnRetry(func(_ int, err error, _ time.Duration) {
			var te *task.TimeoutError
			if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("attempt error = %v; want *task.TimeoutError", err)
			}
		}))
		if v != "Completed" || err != nil || time.Since(start) != 2*time.Second {
			t.Errorf("Do = %q, %v after %v; want Completed, nil after 2s", v, err, time.Since(start))
		}
		for i, c := range ctxs {
			if c.Err() == nil {
				t.Errorf("attempt %d's context still live after Do returned", i+1)
			}
		}
		if t.Context().Err() != nil {
			t.Errorf("parent context ended")
		}
	})
	t.Run("gives up", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				<-ctx.Done()
				return 0, io.ErrUnexpectedEOF
			}, retry.AttemptTimeout(time.Second), retry.MaxAttempts(2))
			var re *retry.Error
			if !errors.As(err, &re) || re.Cause != retry.ErrAttempts || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v; want ErrAttempts, DeadlineExceeded and the attempt's own error", err)
			}
		})
	})
}

func TestSharedPolicy(t *testing.T) {
	// One policy, 1,000 goroutines: each call keeps its own attempts and
	// schedule (backoff#183, go-retry's shared WithMaxRetries).
	for _, seeded := range []bool{false, true} {
		t.Run(fmt.Sprintf("seeded=%v", seeded), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var hooks atomic.Int64
				opts := []retry.Option{
					retry.MaxAttempts(4),
					retry.Backoff(retry.Exponential(10*time.Millisecond, time.Second).Jitter(retry.DecorrelatedJitter)),
					retry.OnRetry(func(attempt int, err error, d time.Duration) { hooks.Add(1) }),
				}
				if seeded {
					opts = append(opts, retry.Seed(7))
				}
				p, err := retry.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				const n = 1000
				var wg sync.WaitGroup
				results := make([]int, n)
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						results[i], errs[i] = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
							if attempt <= i%5 {
								return 0, errBoom
							}
							return attempt, nil
						}, p)
					})
				}
				wg.Wait()
				for i := range n {
					if i%5 == 4 {
						var re *retry.Error
						if !errors.As(errs[i], &re) || re.Attempts != 4 || re.Cause != retry.ErrAttempts {
							t.Fatalf("goroutine %d: err = %v; want ErrAttempts after 4", i, errs[i])
						}
					} else if results[i] != i%5+1 || errs[i] != nil {
						t.Fatalf("goroutine %d: Do = %d, %v; want %d, nil", i, results[i], errs[i], i%5+1)
					}
				}
				if got, want := hooks.Load(), int64(n/5*(0+1+2+3+3)); got != want {
					t.Errorf("OnRetry ran %d times; want %d", got, want)
				}
			})
		})
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		give []retry.Option
		want string
	}{
		{"zero attempts", []retry.Option{retry.MaxAttempts(0)}, "retry: MaxAttempts(0): must be at least 1"},
		{"negative attempts", []retry.Option{retry.MaxAttempts(-1)}, "retry: MaxAttempts(-1): must be at least 1"},
		{"negative elapsed", []retry.Option{retry.MaxElapsed(-time.Second)}, "retry: MaxElapsed(-1s): must not be negative"},
		{"negative attempt timeout", []retry.Option{retry.AttemptTimeout(-1)}, "retry: AttemptTimeout(-1ns): must not be negative"},
		{"negative max after", []retry.Option{retry.MaxAfter(-1)}, "retry: MaxAfter(-1ns): must not be negative"},
		{"nil If", []retry.Option{retry.If(nil)}, "retry: If(nil): must not be nil"},
		{"nil OnRetry", []retry.Option{retry.OnRetry(nil)}, "retry: OnRetry(nil): must not be nil"},
		{"nil OnGiveUp", []retry.Option{retry.OnGiveUp(nil)}, "retry: OnGiveUp(nil): must not be nil"},
		{"nil option", []retry.Option{retry.MaxAttempts(2), nil}, "retry: New: option must not be nil (got nil at index 1)"},
		{"nil policy", []retry.Option{(*retry.Policy)(nil)}, "retry: option is a nil *Policy"},
		{"zero schedule", []retry.Option{retry.Backoff(retry.Schedule{})}, "retry: zero Schedule: use Exponential, Linear or Constant"},
		{"exponential base 0", []retry.Option{retry.Backoff(retry.Exponential(0, time.Second))}, "retry: Exponential(0s, 1s): base must be positive"},
		{"exponential cap below base", []retry.Option{retry.Backoff(retry.Exponential(time.Second, time.Millisecond))}, "retry: Exponential(1s, 1ms): cap must not be below base"},
		{"factor below 1", []retry.Option{retry.Backoff(retry.Exponential(time.Second, time.Minute).Factor(0.5))}, "retry: Factor(0.5): must be a finite number >= 1"},
		{"factor NaN", []retry.Option{retry.Backoff(retry.Exponential(time.Second, time.Minute).Factor(math.NaN()))}, "retry: Factor(NaN): must be a finite number >= 1"},
		{"factor Inf", []retry.Option{retry.Backoff(retry.Exponential(time.Second, time.Minute).Factor(math.Inf(1)))}, "retry: Factor(+Inf): must be a finite number >= 1"},
		{"factor on linear", []retry.Option{retry.Backoff(retry.Linear(time.Second, time.Minute).Factor(2))}, "retry: Factor(2): only an Exponential schedule takes a factor"},
		{"linear step 0", []retry.Option{retry.Backoff(retry.Linear(0, time.Second))}, "retry: Linear(0s, 1s): step must be positive"},
		{"linear cap below step", []retry.Option{retry.Backoff(retry.Linear(time.Second, 0))}, "retry: Linear(1s, 0s): cap must not be below step"},
		{"negative constant", []retry.Option{retry.Backoff(retry.Constant(-time.Second))}, "retry: Constant(-1s): must not be negative"},
		{"jitter mode", []retry.Option{retry.Backoff(retry.Constant(time.Second).Jitter(retry.Jitter(9)))}, "retry: Jitter(9): unknown jitter mode"},
		{"spread NaN", []retry.Option{retry.Backoff(retry.Constant(time.Second).Spread(math.NaN()))}, "retry: Spread(NaN): must be in [0, 1]"},
		{"spread negative", []retry.Option{retry.Backoff(retry.Constant(time.Second).Spread(-0.1))}, "retry: Spread(-0.1): must be in [0, 1]"},
		{"spread above 1", []retry.Option{retry.Backoff(retry.Constant(time.Second).Spread(1.5))}, "retry: Spread(1.5): must be in [0, 1]"},
		{"first error wins", []retry.Option{retry.MaxAttempts(0), retry.MaxElapsed(-1)}, "retry: MaxAttempts(0): must be at least 1"},
		{"error survives a policy", []retry.Option{retry.MaxAttempts(0), mustNew(t)}, "retry: MaxAttempts(0): must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := retry.New(tt.give...)
			if p != nil || !errors.Is(err, retry.ErrInvalid) || err.Error() != tt.want {
				t.Errorf("New = %v, %v; want nil and %q, matching ErrInvalid", p, err, tt.want)
			}
			called := false
			_, derr := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				called = true
				return 0, nil
			}, tt.give...)
			// Do names itself where New does.
			want := strings.Replace(tt.want, "retry: New: ", "retry: Do: ", 1)
			if called || !errors.Is(derr, retry.ErrInvalid) || derr.Error() != want {
				t.Errorf("Do: called = %v, err = %v; want fn not called and %q, matching ErrInvalid", called, derr, want)
			}
		})
	}
	if _, err := retry.Do[int](t.Context(), nil); !errors.Is(err, task.ErrNilFunc) {
		t.Errorf("Do(nil fn) = %v; want task.ErrNilFunc", err)
	}
}

func mustNew(t *testing.T, opts ...retry.Option) *retry.Policy {
	t.Helper()
	p, err := retry.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, retry.MaxAttempts(5), retry.Backoff(retry.Constant(time.Second)))
		if got, want := p.String(), "retry: 5 attempts, constant(1s)"; got != want {
			t.Errorf("String() = %q; want %q", got, want)
		}
		// Options after a policy override it; the policy is unchanged.
		reported, _, err := record(t, 3, p, retry.Backoff(retry.Constant(time.Millisecond)))
		if fmt.Sprint(reported) != fmt.Sprint(ms(1, 1)) {
			t.Errorf("delays = %v; want [1ms 1ms]", reported)
		}
		var re *retry.Error
		if !errors.As(err, &re) || re.Attempts != 3 {
			t.Errorf("err = %v; want 3 attempts", err)
		}
		calls := 0
		_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			calls++
			return 0, errBoom
		}, p)
		if calls != 5 {
			t.Errorf("policy alone: %d calls; want 5", calls)
		}
		// A policy given after options replaces them.
		reported, _, _ = record(t, 2, retry.Backoff(retry.Constant(time.Hour)), p)
		if fmt.Sprint(reported) != "[1s]" {
			t.Errorf("policy after an option: delays = %v; want [1s]", reported)
		}
	})
}

func TestStrings(t *testing.T) {
	tests := []struct {
		give fmt.Stringer
		want string
	}{
		{retry.Exponential(100*time.Millisecond, 10*time.Second), "exponential(100ms, cap 10s, x2)"},
		{retry.Exponential(time.Second, time.Minute).Factor(1.5).Jitter(retry.FullJitter), "exponential(1s, cap 1m0s, x1.5) full jitter"},
		{retry.Linear(time.Second, time.Minute).Jitter(retry.EqualJitter), "linear(1s, cap 1m0s) equal jitter"},
		{retry.Constant(time.Second).Spread(0.5), "constant(1s) spread 0.5"},
		{retry.Schedule{}, "invalid"},
		{retry.DecorrelatedJitter, "decorrelated jitter"},
		{retry.NoJitter, "no jitter"},
		{mustNew(t, retry.MaxElapsed(time.Minute), retry.AttemptTimeout(time.Second)), "retry: 3 attempts, exponential(100ms, cap 10s, x2), budget 1m0s, 1s per attempt"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
	errs := []struct {
		give *retry.Error
		want string
	}{
		{&retry.Error{Attempts: 3, Last: errBoom, Cause: retry.ErrAttempts}, "retry: attempts exhausted after 3 attempts: boom"},
		{&retry.Error{Attempts: 1, Last: errBoom, Cause: retry.ErrPermanent}, "retry: permanent error after 1 attempt: boom"},
		{&retry.Error{Attempts: 2, Last: errBoom, Cause: context.DeadlineExceeded}, "retry: context deadline exceeded after 2 attempts: boom"},
		{&retry.Error{Cause: context.Canceled}, "retry: context canceled before the first attempt"},
		{&retry.Error{Attempts: 2, Last: errBoom}, "retry: gave up after 2 attempts: boom"},
	}
	for _, tt := range errs {
		if got := tt.give.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}

func TestWaitIsAnAwaitPoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s slottest.Counter
		tk, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
			return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
				if attempt < 3 {
					return 0, errBoom
				}
				return attempt, nil
			})
		}, task.WithSlot(&s))
		job.Run()
		if v, err := tk.Await(t.Context()); v != 3 || err != nil {
			t.Fatalf("Await = %d, %v; want 3, nil", v, err)
		}
		if r, a := s.Released.Load(), s.Acquired.Load(); r != 2 || a != 2 {
			t.Errorf("slot released %d, acquired %d times; want 2, 2 (one per wait)", r, a)
		}
	})
}

func TestZeroDelayDoesNotSleep(t *testing.T) {
	var s slottest.Counter
	tk, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
		return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
			return 0, errBoom
		}, retry.Backoff(retry.Constant(0)), retry.MaxAttempts(5))
	}, task.WithSlot(&s))
	job.Run()
	if _, err := tk.Await(t.Context()); !errors.Is(err, retry.ErrAttempts) {
		t.Fatalf("err = %v; want ErrAttempts", err)
	}
	if r := s.Released.Load(); r != 0 {
		t.Errorf("slot released %d times; want 0 (no wait for a zero delay)", r)
	}
}

// TestOnGiveUp runs Do through every way of giving up, and of succeeding,
// with an OnGiveUp hook: the hook must run once for a give-up, with the
// very *Error Do returns, and never for a success or a call that gave up
// on nothing (a bad option, a nil fn).
func TestOnGiveUp(t *testing.T) {
	failN := func(n int, err error) func(context.Context, int) (int, error) {
		return func(_ context.Context, attempt int) (int, error) {
			if attempt <= n {
				return 0, err
			}
			return attempt, nil
		}
	}
	always := failN(math.MaxInt, errBoom)
	tests := []struct {
		name     string
		ctx      func(context.Context) (context.Context, context.CancelFunc) // nil: the test's own
		fn       func(context.Context, int) (int, error)
		opts     []retry.Option
		calls    int   // want: hook calls
		attempts int   // want: Error.Attempts
		cause    error // want: errors.Is(Error.Cause, cause)
		last     error // want: Error.Last
	}{
		{name: "success at once", fn: failN(0, errBoom)},
		{name: "success after retries", fn: failN(2, errBoom)},
		{name: "success with attempt timeout", fn: failN(1, errBoom), opts: []retry.Option{retry.AttemptTimeout(time.Second)}},
		{name: "success within budget", fn: failN(1, errBoom), opts: []retry.Option{retry.MaxElapsed(time.Second)}},
		{name: "attempts exhausted", fn: always,
			calls: 1, attempts: 3, cause: retry.ErrAttempts, last: errBoom},
		{name: "one attempt allowed", fn: always, opts: []retry.Option{retry.MaxAttempts(1)},
			calls: 1, attempts: 1, cause: retry.ErrAttempts, last: errBoom},
		{name: "permanent", fn: failN(math.MaxInt, retry.Permanent(errOops)),
			calls: 1, attempts: 1, cause: retry.ErrPermanent, last: errOops},
		{name: "If says no", fn: always, opts: []retry.Option{retry.If(func(error) bool { return false })},
			calls: 1, attempts: 1, cause: retry.ErrPermanent, last: errBoom},
		{name: "time budget spent", fn: always, opts: []retry.Option{retry.MaxElapsed(250 * time.Millisecond)},
			calls: 1, attempts: 2, cause: retry.ErrElapsed, last: errBoom},
		{name: "ctx done before the first attempt", fn: always,
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx, cancel
			},
			calls: 1, attempts: 0, cause: context.Canceled, last: nil},
		{name: "ctx done during a wait", fn: always,
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 150*time.Millisecond)
			},
			calls: 1, attempts: 2, cause: context.DeadlineExceeded, last: errBoom},
		{name: "ctx done during an attempt", fn: func(ctx context.Context, _ int) (int, error) {
			<-ctx.Done()
			return 0, errOops
		},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, time.Second)
			},
			calls: 1, attempts: 1, cause: context.DeadlineExceeded, last: errOops},
		{name: "bad option", fn: always, opts: []retry.Option{retry.MaxAttempts(0)}},
		{name: "nil fn", fn: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := t.Context(), context.CancelFunc(func() {})
				if tt.ctx != nil {
					ctx, cancel = tt.ctx(ctx)
				}
				defer cancel()
				var got []*retry.Error
				returned := false
				opts := append([]retry.Option{retry.OnGiveUp(func(e *retry.Error) {
					if returned {
						t.Errorf("OnGiveUp called after Do returned")
					}
					got = append(got, e)
				})}, tt.opts...)
				_, err := retry.Do(ctx, tt.fn, opts...)
				returned = true
				if len(got) != tt.calls {
					t.Fatalf("OnGiveUp called %d times (Do = %v); want %d", len(got), err, tt.calls)
				}
				if tt.calls == 0 {
					return
				}
				var re *retry.Error
				if !errors.As(err, &re) || re != got[0] {
					t.Errorf("OnGiveUp got %p, Do returned %v; want the same *Error", got[0], err)
				}
				e := got[0]
				if e.Attempts != tt.attempts || e.Last != tt.last || !errors.Is(e.Cause, tt.cause) {
					t.Errorf("OnGiveUp got {Attempts %d, Last %v, Cause %v}; want {%d, %v, %v}",
						e.Attempts, e.Last, e.Cause, tt.attempts, tt.last, tt.cause)
				}
			})
		})
	}
}

// TestOnGiveUpNested checks that each Do calls its own hook for its own
// give-up: the inner one for every outer attempt, the outer one once.
func TestOnGiveUpNested(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inner, outer []*retry.Error
		_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
				return 0, errBoom
			}, retry.MaxAttempts(2), retry.OnGiveUp(func(e *retry.Error) { inner = append(inner, e) }))
		}, retry.MaxAttempts(3), retry.OnGiveUp(func(e *retry.Error) { outer = append(outer, e) }))
		if len(inner) != 3 || len(outer) != 1 {
			t.Fatalf("hooks: inner %d, outer %d calls; want 3, 1", len(inner), len(outer))
		}
		if re, ok := err.(*retry.Error); !ok || re != outer[0] || re.Last != inner[2] {
			t.Errorf("Do = %v; want the outer hook's *Error, whose Last is the inner hook's last", err)
		}
	})
}
