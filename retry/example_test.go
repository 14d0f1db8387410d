package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/task"
)

// The chapter's retry_operation: up to three attempts, a log line for each
// failure that will be retried, 100 ms and then 200 ms between attempts.
// These are Do's defaults, so only the log line needs saying. (The test
// TestChapterRetryOperation checks the timings on a fake clock.)
func Example_retryOperation() {
	ctx := context.Background()
	v, err := retry.Do(ctx, func(ctx context.Context, attempt int) (string, error) {
		if attempt < 3 {
			return "", errors.New("connection refused")
		}
		return "Completed", nil
	}, retry.OnRetry(func(attempt int, err error, delay time.Duration) {
		fmt.Printf("Attempt %d failed: %v, retrying in %v...\n", attempt, err, delay)
	}))
	fmt.Println(v, err)
	// Output:
	// Attempt 1 failed: connection refused, retrying in 100ms...
	// Attempt 2 failed: connection refused, retrying in 200ms...
	// Completed <nil>
}

// When every attempt fails, Do returns an *Error that keeps the last
// attempt's error and says why it stopped.
func Example_givingUp() {
	errRefused := errors.New("connection refused")
	_, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) (string, error) {
		return "", errRefused
	}, retry.Backoff(retry.Constant(time.Millisecond)))
	fmt.Println(err)
	fmt.Println(errors.Is(err, errRefused), errors.Is(err, retry.ErrAttempts))
	var re *retry.Error
	if errors.As(err, &re) {
		fmt.Println(re.Attempts, re.Last == errRefused)
	}
	// Output:
	// retry: attempts exhausted after 3 attempts: connection refused
	// true true
	// 3 true
}

// The chapter's with_timeout: a deadline around one operation is
// task.Timeout; AttemptTimeout puts one around each attempt, so an attempt
// that hangs is abandoned and retried.
func Example_withTimeout() {
	ctx := context.Background()
	longOperation := func(ctx context.Context) (string, error) {
		if err := task.Sleep(ctx, 2*time.Millisecond); err != nil {
			return "", err
		}
		return "Completed", nil
	}
	v, err := task.Timeout(ctx, time.Second, longOperation)
	fmt.Println(v, err)

	v, err = retry.Do(ctx, func(ctx context.Context, attempt int) (string, error) {
		if attempt == 1 {
			<-ctx.Done() // the first attempt hangs until its time is up
			return "", ctx.Err()
		}
		return longOperation(ctx)
	}, retry.AttemptTimeout(20*time.Millisecond), retry.Backoff(retry.Constant(time.Millisecond)),
		retry.OnRetry(func(attempt int, err error, _ time.Duration) {
			fmt.Printf("Attempt %d failed: %v\n", attempt, err)
		}))
	fmt.Println(v, err)
	// Output:
	// Completed <nil>
	// Attempt 1 failed: task: timed out after 20ms: context deadline exceeded
	// Completed <nil>
}

// A Policy is built and checked once and shared by every call; each call
// keeps its own state.
func ExampleNew() {
	p, err := retry.New(
		retry.MaxAttempts(5),
		retry.MaxElapsed(30*time.Second),
		retry.Backoff(retry.Exponential(50*time.Millisecond, 2*time.Second).Jitter(retry.FullJitter)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)
	n, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) {
		return attempt * 10, nil
	}, p)
	fmt.Println(n, err)

	_, err = retry.New(retry.MaxAttempts(0))
	fmt.Println(err)
	// Output:
	// retry: 5 attempts, exponential(50ms, cap 2s, x2) full jitter, budget 30s
	// 10 <nil>
	// retry: MaxAttempts(0): must be at least 1
}

// Permanent stops at once; the error comes back without the mark.
func ExamplePermanent() {
	errNotFound := errors.New("404 not found")
	_, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) ([]byte, error) {
		return nil, retry.Permanent(errNotFound)
	})
	var re *retry.Error
	errors.As(err, &re)
	fmt.Println(err)
	fmt.Println(re.Last == errNotFound, errors.Is(err, retry.ErrPermanent))
	// Output:
	// retry: permanent error after 1 attempt: 404 not found
	// true true
}

// OnGiveUp is the other half of the chapter's log: OnRetry says
// "retrying", OnGiveUp says when Do stops, whichever way it stops, with
// the *Error it returns. A success calls neither.
func ExampleOnGiveUp() {
	logGiveUp := retry.OnGiveUp(func(e *retry.Error) {
		fmt.Printf("giving up after %d attempts (%v): %v\n", e.Attempts, e.Cause, e.Last)
	})
	fast := retry.Backoff(retry.Constant(time.Millisecond))
	ctx := context.Background()

	_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (string, error) {
		return "", errors.New("connection refused")
	}, fast, logGiveUp)
	fmt.Println(err != nil)

	_, err = retry.Do(ctx, func(ctx context.Context, attempt int) (string, error) {
		return "", retry.Permanent(errors.New("404 not found"))
	}, fast, logGiveUp)
	fmt.Println(err != nil)

	v, err := retry.Do(ctx, func(ctx context.Context, attempt int) (string, error) {
		if attempt < 2 {
			return "", errors.New("connection reset")
		}
		return "Completed", nil
	}, fast, logGiveUp)
	fmt.Println(v, err)
	// Output:
	// giving up after 3 attempts (retry: attempts exhausted): connection refused
	// true
	// giving up after 1 attempts (retry: permanent error): 404 not found
	// true
	// Completed <nil>
}
