package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
)

// TestZeroPolicyRefused: a zero *Policy (not built with New) is refused
// with ErrInvalid. Do's fast path used to take it as it was: maxAttempts
// 0, a zero Schedule, MaxAfter 0, none of it validated.
func TestZeroPolicyRefused(t *testing.T) {
	calls := 0
	_, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) {
		calls++
		return 0, errBoom
	}, &retry.Policy{})
	if errors.Is(err, retry.ErrInvalid) {
		return
	}
	t.Errorf("Do with &retry.Policy{} ran fn %d times and returned %v; want an error wrapping ErrInvalid (New rejects max attempts 0 and a zero Schedule)", calls, err)
	// Same policy with an extra option goes through New and is rejected:
	_, err2 := retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) { return 0, errBoom }, &retry.Policy{}, retry.MaxAttempts(3))
	t.Logf("with an extra option: %v", err2)
}

// TestExponentialSmallFactorGrows: Exponential follows
// min(cap, base*factor^(n-1)) for small bases and factors near 1 too; each
// step used to truncate to whole nanoseconds, and such schedules never grew.
func TestExponentialSmallFactorGrows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reported, _, _ := record(t, 8, retry.Backoff(retry.Exponential(time.Nanosecond, time.Second).Factor(1.5)))
		// Doc: delay before retry n is min(cap, base*factor^(n-1)).
		want := make([]time.Duration, len(reported))
		for i := range want {
			want[i] = time.Duration(math.Pow(1.5, float64(i)))
		}
		if fmt.Sprint(reported) != fmt.Sprint(want) {
			t.Errorf("Exponential(1ns, 1s).Factor(1.5) delays = %v; doc says min(cap, base*factor^(n-1)) = %v", reported, want)
		}
		reported, _, _ = record(t, 6, retry.Backoff(retry.Exponential(time.Microsecond, time.Second).Factor(1.0004)))
		t.Logf("Exponential(1us).Factor(1.0004): %v", reported)
	})
}

func TestAuditBackoffHuge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, s := range []retry.Schedule{
			retry.Exponential(time.Second, math.MaxInt64),
			retry.Exponential(time.Second, math.MaxInt64).Factor(1e300),
			retry.Exponential(time.Second, math.MaxInt64).Jitter(retry.FullJitter),
			retry.Exponential(time.Second, math.MaxInt64).Jitter(retry.EqualJitter),
			retry.Exponential(time.Second, math.MaxInt64).Jitter(retry.DecorrelatedJitter),
			retry.Exponential(time.Second, math.MaxInt64).Spread(1),
			retry.Linear(time.Hour, math.MaxInt64),
			retry.Linear(math.MaxInt64/3, math.MaxInt64),
		} {
			var ds []time.Duration
			ctx, cancel := context.WithCancel(t.Context())
			_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
				return 0, errBoom
			}, retry.MaxAttempts(200), retry.Backoff(s), retry.Seed(1), retry.OnRetry(func(a int, _ error, d time.Duration) {
				ds = append(ds, d)
				if d < 0 {
					t.Errorf("%v: negative delay %v at %d", s, d, a)
				}
				if a == 199 {
					cancel()
				}
			}))
			cancel()
			_ = err
			if len(ds) != 199 {
				t.Errorf("%v: %d retries", s, len(ds))
			}
		}
	})
}

func TestAuditJitterRanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, cp := 10*time.Millisecond, 500*time.Millisecond
		for seed := uint64(0); seed < 30; seed++ {
			plain, _, _ := record(t, 12, retry.Backoff(retry.Exponential(base, cp)))
			full, _, _ := record(t, 12, retry.Backoff(retry.Exponential(base, cp).Jitter(retry.FullJitter)), retry.Seed(seed))
			eq, _, _ := record(t, 12, retry.Backoff(retry.Exponential(base, cp).Jitter(retry.EqualJitter)), retry.Seed(seed))
			dec, slept, _ := record(t, 12, retry.Backoff(retry.Exponential(base, cp).Jitter(retry.DecorrelatedJitter)), retry.Seed(seed))
			sp, _, _ := record(t, 12, retry.Backoff(retry.Exponential(base, cp).Spread(0.5)), retry.Seed(seed))
			prev := base
			for i, d := range plain {
				if full[i] < 0 || full[i] > d {
					t.Errorf("full %v not in [0,%v]", full[i], d)
				}
				if eq[i] < d/2 || eq[i] > d {
					t.Errorf("equal %v", eq[i])
				}
				if dec[i] < base || dec[i] > min(cp, 3*prev) {
					t.Errorf("decorrelated %v prev %v", dec[i], prev)
				}
				if slept[i] != dec[i] {
					t.Errorf("slept %v reported %v", slept[i], dec[i])
				}
				prev = dec[i]
				if sp[i] < d/2 || sp[i] > d*3/2 {
					t.Errorf("spread %v of %v", sp[i], d)
				}
			}
		}
	})
}

func TestAuditHooksAndNoSleepAfterLast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for n := 1; n <= 5; n++ {
			retries, giveUps := 0, 0
			var lastStart time.Time
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				lastStart = time.Now()
				return 0, errBoom
			}, retry.MaxAttempts(n), retry.Backoff(retry.Constant(time.Second)),
				retry.OnRetry(func(int, error, time.Duration) { retries++ }),
				retry.OnGiveUp(func(*retry.Error) { giveUps++ }))
			if time.Since(lastStart) != 0 {
				t.Errorf("slept %v after last attempt", time.Since(lastStart))
			}
			var e *retry.Error
			if !errors.As(err, &e) || e.Attempts != n || e.Cause != retry.ErrAttempts || retries != n-1 || giveUps != 1 {
				t.Errorf("n=%d: %v retries=%d giveUps=%d", n, err, retries, giveUps)
			}
		}
	})
}

func TestAuditAfterCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reported, slept, _ := record(t, 3, retry.MaxAfter(2*time.Second), retry.Backoff(retry.Constant(time.Millisecond)))
		_ = reported
		_ = slept
		var ds []time.Duration
		_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
			return 0, fmt.Errorf("wrap: %w", retry.After(time.Hour, errBoom))
		}, retry.MaxAttempts(3), retry.MaxAfter(2*time.Second), retry.OnRetry(func(_ int, _ error, d time.Duration) { ds = append(ds, d) }))
		if fmt.Sprint(ds) != "[2s 2s]" {
			t.Errorf("%v", ds)
		}
	})
}

func TestAuditPermanentChains(t *testing.T) {
	ctx := context.Background()
	calls := 0
	_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
		calls++
		return 0, fmt.Errorf("a: %w", fmt.Errorf("b: %w", errors.Join(errOops, retry.Permanent(errBoom))))
	}, retry.Backoff(retry.Constant(0)))
	if calls != 1 || !errors.Is(err, retry.ErrPermanent) || !errors.Is(err, errBoom) {
		t.Fatal(calls, err)
	}
	// nested, inner wrapped by %w in outer fn
	calls = 0
	_, err = retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
		calls++
		_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
			return 0, retry.Permanent(errBoom)
		})
		return 0, fmt.Errorf("outer: %w", err)
	}, retry.Backoff(retry.Constant(0)))
	if calls != 1 || !errors.Is(err, retry.ErrPermanent) {
		t.Fatal(calls, err)
	}
}

func TestAuditAttemptTimeoutNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 100 {
		_, _ = retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) {
			return 0, errBoom
		}, retry.AttemptTimeout(time.Hour), retry.Backoff(retry.Constant(0)))
	}
	if runtime.NumGoroutine() > before {
		t.Error("goroutines grew")
	}
}

// TestPolicyGivesOnlyItsSettings: a *Policy among other options gives
// the settings its own options gave, and leaves the rest as the earlier
// options set them. It used to replace every setting with its own, the
// defaults included, so retry.Do(ctx, fn, retry.MaxAttempts(7), p) made
// 3 attempts for a p built with only OnRetry (and fetch.Retry(p) dropped
// fetch's timeout and retry count).
func TestPolicyGivesOnlyItsSettings(t *testing.T) {
	hooked := 0
	onRetry := mustNew(t, retry.OnRetry(func(int, error, time.Duration) { hooked++ }))
	two := mustNew(t, retry.MaxAttempts(2))
	noDelay := retry.Backoff(retry.Constant(0))
	tests := []struct {
		name       string
		opts       []retry.Option
		wantCalls  int
		wantHooked int
	}{
		{"an option, then a policy without it", []retry.Option{noDelay, retry.MaxAttempts(7), onRetry}, 7, 6},
		{"a policy without it, then an option", []retry.Option{noDelay, onRetry, retry.MaxAttempts(7)}, 7, 6},
		{"an option, then a policy with it", []retry.Option{noDelay, retry.MaxAttempts(7), two}, 2, 0},
		{"a policy with it, then an option", []retry.Option{noDelay, two, retry.MaxAttempts(7)}, 7, 0},
		{"a policy made of a policy", []retry.Option{noDelay, retry.MaxAttempts(7), mustNew(t, onRetry)}, 7, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hooked = 0
			calls := 0
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				calls++
				return 0, errBoom
			}, tt.opts...)
			if !errors.Is(err, errBoom) {
				t.Errorf("err = %v; want errBoom", err)
			}
			if calls != tt.wantCalls || hooked != tt.wantHooked {
				t.Errorf("got %d calls and %d OnRetry calls; want %d and %d", calls, hooked, tt.wantCalls, tt.wantHooked)
			}
		})
	}
	// A zero Policy is refused among other options too.
	_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) { return 0, errBoom }, retry.MaxAttempts(3), &retry.Policy{})
	if !errors.Is(err, retry.ErrInvalid) {
		t.Errorf("MaxAttempts(3), &Policy{}: err = %v; want ErrInvalid", err)
	}
}
