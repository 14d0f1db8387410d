package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
)

// TestAudit5DeadlineBeforeNextAttempt: when ctx's deadline comes before
// the next attempt could start, Do gives up at once, before OnRetry,
// keeping the deadline and the last error matchable. It used to announce
// "retrying in 1s" and sleep until the deadline.
func TestAudit5DeadlineBeforeNextAttempt(t *testing.T) {
	tests := []struct {
		name      string
		deadline  time.Duration
		announced []time.Duration // want: OnRetry's delays
		attempts  int
		took      time.Duration // want, on synctest's clock
	}{
		// 100ms, then 1s, which ends after the 250ms deadline.
		{"next wait past deadline", 250 * time.Millisecond, ms(100), 2, 100 * time.Millisecond},
		// The second wait would end exactly at the deadline: ctx would be
		// done when the attempt could start.
		{"next wait ends at deadline", 1100 * time.Millisecond, ms(100), 2, 100 * time.Millisecond},
		{"first wait past deadline", 50 * time.Millisecond, nil, 1, 0},
		{"room for both waits", 1200 * time.Millisecond, ms(100, 1000), 3, 1100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), tt.deadline)
				defer cancel()
				var announced []time.Duration
				start := time.Now()
				_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					return 0, errBoom
				}, retry.MaxAttempts(3), retry.Backoff(retry.Exponential(100*time.Millisecond, time.Hour).Factor(10)),
					retry.OnRetry(func(_ int, _ error, d time.Duration) { announced = append(announced, d) }))
				if got := time.Since(start); got != tt.took {
					t.Errorf("Do returned after %v; want %v", got, tt.took)
				}
				if fmt.Sprint(announced) != fmt.Sprint(tt.announced) {
					t.Errorf("OnRetry announced %v; want %v", announced, tt.announced)
				}
				var re *retry.Error
				if !errors.As(err, &re) || re.Attempts != tt.attempts || re.Last != errBoom {
					t.Fatalf("err = %v; want an *Error after %d attempts with Last errBoom", err, tt.attempts)
				}
				if tt.attempts == 3 {
					if re.Cause != retry.ErrAttempts {
						t.Errorf("Cause = %v; want ErrAttempts", re.Cause)
					}
					return
				}
				if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errBoom) {
					t.Errorf("err = %v; want it to match context.DeadlineExceeded and errBoom", err)
				}
				want := fmt.Sprintf("retry: gave up after %d attempt", tt.attempts)
				if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), ", as the next could not start before the context's deadline: boom") {
					t.Errorf("err = %q; want %q..., as the next could not start before the context's deadline: boom", err, want)
				}
			})
		})
	}
}

// TestAudit5ErrDeadline: the cause of such a give-up is ErrDeadline, which
// matches context.DeadlineExceeded; OnGiveUp sees it.
func TestAudit5ErrDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var gaveUp *retry.Error
		_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
			return 0, errBoom
		}, retry.Backoff(retry.Constant(time.Minute)), retry.OnGiveUp(func(e *retry.Error) { gaveUp = e }))
		var re *retry.Error
		if !errors.As(err, &re) || re.Cause != retry.ErrDeadline || re != gaveUp {
			t.Fatalf("err = %v; want an *Error with Cause ErrDeadline, given to OnGiveUp", err)
		}
		if !errors.Is(retry.ErrDeadline, context.DeadlineExceeded) || !errors.Is(err, retry.ErrDeadline) {
			t.Errorf("ErrDeadline does not match context.DeadlineExceeded, or err does not match ErrDeadline")
		}
		if errors.Is(retry.ErrDeadline, context.Canceled) {
			t.Errorf("ErrDeadline matches context.Canceled")
		}
	})
}

// TestAudit5AfterWithJitter: a delay asked with After is waited, plus at
// most a tenth of it with a jittered back-off, and never more than
// MaxAfter. It used to have the whole jittered back-off added: for a 1s
// Retry-After, MaxAfter 2s, Exponential(1s, 30s) with EqualJitter, Do
// waited 1.6s, 2.1s, 3.6s, 7.9s, 9.6s.
func TestAudit5AfterWithJitter(t *testing.T) {
	tests := []struct {
		name     string
		ask      time.Duration
		maxAfter time.Duration
		backoff  retry.Schedule
		lo, hi   time.Duration // every wait in [lo, hi]
	}{
		{"equal jitter", time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.EqualJitter), time.Second, 1100 * time.Millisecond},
		{"full jitter", time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.FullJitter), time.Second, 1100 * time.Millisecond},
		{"decorrelated", time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.DecorrelatedJitter), time.Second, 1100 * time.Millisecond},
		{"spread", time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Spread(1), time.Second, 1100 * time.Millisecond},
		// Never earlier than the server asked, when the cap allows it.
		{"little room under MaxAfter", time.Second, 1020 * time.Millisecond, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.FullJitter), time.Second, 1020 * time.Millisecond},
		// The delay a caller's Check already cut to the cap (fetch's case) is spread below it.
		{"asked exactly MaxAfter", 2 * time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.FullJitter), 1800 * time.Millisecond, 2 * time.Second},
		{"asked more than MaxAfter", time.Hour, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second).Jitter(retry.FullJitter), 1800 * time.Millisecond, 2 * time.Second},
		{"no jitter", time.Second, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second), time.Second, time.Second},
		{"no jitter, asked more than MaxAfter", time.Hour, 2 * time.Second, retry.Exponential(time.Second, 30*time.Second), 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var reported []time.Duration
				for seed := range uint64(20) {
					start := time.Now()
					var starts []time.Duration
					_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
						starts = append(starts, time.Since(start))
						return 0, retry.After(tt.ask, errBoom)
					}, retry.MaxAttempts(6), retry.MaxAfter(tt.maxAfter), retry.Backoff(tt.backoff), retry.Seed(seed),
						retry.OnRetry(func(_ int, _ error, d time.Duration) { reported = append(reported, d) }))
					for i := 1; i < len(starts); i++ {
						if gap := starts[i] - starts[i-1]; gap < tt.lo || gap > tt.hi {
							t.Errorf("seed %d: wait %d = %v; want in [%v, %v]", seed, i, gap, tt.lo, tt.hi)
						}
					}
				}
				distinct := map[time.Duration]bool{}
				for _, d := range reported {
					distinct[d] = true
				}
				if want := tt.lo != tt.hi; (len(distinct) > 1) != want {
					t.Errorf("OnRetry reported %d distinct delays over %d waits; want them spread: %v", len(distinct), len(reported), want)
				}
			})
		})
	}
}

// TestAudit5ErrorText: each part of a give-up reads once. A nested
// permanent give-up used to read "retry: permanent error after 1 attempt:
// retry: permanent error after 1 attempt: db: 40001", and ctx's cause
// split the count from its phrase ("retry: context canceled: server
// shutting down after 2 attempts: boom").
func TestAudit5ErrorText(t *testing.T) {
	errDB := errors.New("db: 40001")
	errShutdown := errors.New("server shutting down")
	tests := []struct {
		name  string
		run   func(t *testing.T) error
		want  string
		match []error // errors.Is must hold for each
	}{
		{"nested permanent", func(t *testing.T) error {
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) { return 0, retry.Permanent(errDB) })
			})
			return err
		}, "retry: permanent error after 1 attempt (inner retry: 1 attempt): db: 40001", []error{retry.ErrPermanent, errDB}},
		{"nested, other causes", func(t *testing.T) error {
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) { return 0, errDB },
					retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
			}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)), retry.If(func(error) bool { return false }))
			return err
		}, "retry: permanent error after 1 attempt (inner retry: attempts exhausted after 2 attempts): db: 40001", []error{retry.ErrPermanent, retry.ErrAttempts, errDB}},
		{"nested twice", func(t *testing.T) error {
			_, err := retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
				return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					return retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) { return 0, retry.Permanent(errDB) })
				})
			})
			return err
		}, "retry: permanent error after 1 attempt (inner retry: 1 attempt; its inner retry: 1 attempt): db: 40001", []error{retry.ErrPermanent, errDB}},
		{"ctx cause", func(t *testing.T) error {
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
				if attempt == 2 {
					cancel(errShutdown)
				}
				return 0, errBoom
			}, retry.Backoff(retry.Constant(0)))
			return err
		}, "retry: context canceled (server shutting down) after 2 attempts: boom", []error{context.Canceled, errShutdown, errBoom}},
		{"ctx cause before the first attempt", func(t *testing.T) error {
			ctx, cancel := context.WithCancelCause(t.Context())
			cancel(errShutdown)
			_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) { return 0, errBoom })
			return err
		}, "retry: context canceled (server shutting down) before the first attempt", []error{context.Canceled, errShutdown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := tt.run(t)
				if err == nil || err.Error() != tt.want {
					t.Errorf("err = %q; want %q", err, tt.want)
				}
				for _, m := range tt.match {
					if !errors.Is(err, m) {
						t.Errorf("err = %q does not match %q", err, m)
					}
				}
			})
		})
	}
}

// TestAudit5DecorrelatedNeedsRoom: DecorrelatedJitter on a schedule whose
// cap is its base (a Constant one) could never jitter; New rejects it. It
// used to be accepted, and its String said "decorrelated jitter" while
// every delay was the constant.
func TestAudit5DecorrelatedNeedsRoom(t *testing.T) {
	tests := []struct {
		give    retry.Schedule
		wantErr bool
	}{
		{retry.Constant(time.Second).Jitter(retry.DecorrelatedJitter), true},
		{retry.Constant(0).Jitter(retry.DecorrelatedJitter), true},
		{retry.Exponential(time.Second, time.Second).Jitter(retry.DecorrelatedJitter), true},
		{retry.Linear(time.Second, time.Second).Jitter(retry.DecorrelatedJitter), true},
		{retry.Exponential(time.Second, 2*time.Second).Jitter(retry.DecorrelatedJitter), false},
		{retry.Linear(time.Second, 2*time.Second).Jitter(retry.DecorrelatedJitter), false},
		{retry.Constant(time.Second).Jitter(retry.FullJitter), false},
		{retry.Constant(time.Second).Jitter(retry.DecorrelatedJitter).Jitter(retry.FullJitter), true}, // the first bad argument stays
	}
	for _, tt := range tests {
		_, err := retry.New(retry.Backoff(tt.give))
		if got := err != nil; got != tt.wantErr {
			t.Errorf("New(Backoff(%v)) = %v; want an error: %v", tt.give, err, tt.wantErr)
			continue
		}
		if err != nil && (!errors.Is(err, retry.ErrInvalid) || !strings.Contains(err.Error(), "decorrelated jitter")) {
			t.Errorf("New(Backoff(%v)) = %v; want ErrInvalid naming decorrelated jitter", tt.give, err)
		}
	}
}

// TestAfterHugeDelayNoOverflow: with a cap meaning "no cap"
// (MaxAfter(math.MaxInt64)) and a server asking nearly as much, a jittered
// wait computed as a + a/10 overflowed into a negative delay, and Do
// retried at once. The wait must stay within the tenth below the cap.
func TestAfterHugeDelayNoOverflow(t *testing.T) {
	tests := []struct {
		name string
		ask  time.Duration
	}{
		{"just below the cap", math.MaxInt64 - 1},
		{"at the cap", math.MaxInt64},
		{"a tenth below the cap", math.MaxInt64 / 10 * 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var delays []time.Duration
				_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
					if attempt == 1 {
						return 0, retry.After(tt.ask, errBoom)
					}
					return 1, nil
				}, retry.MaxAttempts(2), retry.MaxAfter(math.MaxInt64),
					retry.Backoff(retry.Exponential(time.Second, 30*time.Second).Jitter(retry.FullJitter)),
					retry.OnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
				if len(delays) != 1 {
					t.Fatalf("OnRetry called %d times; want 1", len(delays))
				}
				if d, lo := delays[0], time.Duration(math.MaxInt64/10*9); d < lo {
					t.Errorf("delay = %v; want in [%v, %v]", d, lo, time.Duration(math.MaxInt64))
				}
			})
		})
	}
}
