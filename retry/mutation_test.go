package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
)

// TestMutCtxEndedDuringAttemptNoRetry: a ctx that ends while an attempt
// runs stops Do after that attempt, with ctx's error as the cause: the
// failure is not one "that will be retried", so OnRetry never sees it, and
// the budget or deadline does not take the cause's place.
func TestMutCtxEndedDuringAttemptNoRetry(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []retry.Option
	}{
		{"back-off", []retry.Option{retry.Backoff(retry.Constant(time.Second))}},
		{"zero back-off", []retry.Option{retry.Backoff(retry.Constant(0))}},
		{"budget", []retry.Option{retry.Backoff(retry.Constant(time.Second)), retry.MaxElapsed(time.Hour)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				boom := errors.New("boom")
				var retried []int
				calls := 0
				opts := append([]retry.Option{retry.MaxAttempts(5), retry.OnRetry(func(attempt int, err error, d time.Duration) {
					retried = append(retried, attempt)
				})}, tt.opts...)
				_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					calls++
					cancel() // ctx ends during the attempt
					return 0, boom
				}, opts...)
				var re *retry.Error
				if !errors.As(err, &re) {
					t.Fatalf("Do = %v; want a *retry.Error", err)
				}
				if got, want := calls, 1; got != want {
					t.Errorf("calls = %d; want %d", got, want)
				}
				if len(retried) != 0 {
					t.Errorf("OnRetry called for attempts %v; want never: ctx ended, nothing will be retried", retried)
				}
				if got, want := re.Cause, context.Canceled; got != want {
					t.Errorf("Cause = %v; want %v", got, want)
				}
				if !errors.Is(err, boom) {
					t.Errorf("Do = %v; want it to keep the last error", err)
				}
			})
		})
	}
}

// TestMutOnGiveUpWhenCtxEndsInWait: "Whichever way it gives up, it calls
// the OnGiveUp hook, once" -- a ctx that ends during the back-off included.
func TestMutOnGiveUpWhenCtxEndsInWait(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cancel func(context.CancelCauseFunc)
		want   error
	}{
		{"cancel", func(c context.CancelCauseFunc) { c(nil) }, context.Canceled},
		{"cancel with cause", func(c context.CancelCauseFunc) { c(errors.New("shutting down")) }, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				var gaveUp []*retry.Error
				go func() {
					time.Sleep(500 * time.Millisecond) // inside the 1 s wait after attempt 1
					tt.cancel(cancel)
				}()
				_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
					return 0, fmt.Errorf("attempt %d failed", attempt)
				}, retry.Backoff(retry.Constant(time.Second)), retry.OnGiveUp(func(e *retry.Error) {
					gaveUp = append(gaveUp, e)
				}))
				if !errors.Is(err, tt.want) {
					t.Fatalf("Do = %v; want %v", err, tt.want)
				}
				if got, want := len(gaveUp), 1; got != want {
					t.Fatalf("OnGiveUp called %d times; want %d", got, want)
				}
				if gaveUp[0] != err {
					t.Errorf("OnGiveUp got %v; want the *Error Do returned, %v", gaveUp[0], err)
				}
			})
		})
	}
}

// TestMutErrPermanentMatchStops: by default every error is retried "but
// those marked Permanent (or matching ErrPermanent)": an error that wraps
// ErrPermanent itself, not only an inner Do's *Error, stops Do at once.
func TestMutErrPermanentMatchStops(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"ErrPermanent itself", retry.ErrPermanent},
		{"wrapped", fmt.Errorf("db: %w", retry.ErrPermanent)},
		{"joined", errors.Join(errors.New("x"), retry.ErrPermanent)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			_, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) {
				calls++
				return 0, tt.err
			}, retry.MaxAttempts(3), retry.Backoff(retry.Constant(0)))
			var re *retry.Error
			if !errors.As(err, &re) {
				t.Fatalf("Do = %v; want a *retry.Error", err)
			}
			if got, want := calls, 1; got != want {
				t.Errorf("calls = %d; want %d", got, want)
			}
			if got, want := re.Cause, retry.ErrPermanent; got != want {
				t.Errorf("Cause = %v; want %v", got, want)
			}
		})
	}
}
