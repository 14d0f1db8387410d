// Package retry compares the cost of spool's retry loop with
// cenkalti/backoff v5 and sethvargo/go-retry: the overhead of a call whose
// first attempt succeeds, and of three failing attempts with no delay.
// See README.md for the command and the figures.
package retry

import (
	"context"
	"errors"
	"time"

	backoff "github.com/cenkalti/backoff/v5"
	goretry "github.com/sethvargo/go-retry"
	spool "github.com/spool-go/spool/retry"
)

// ErrOp is the error of a failing operation.
var ErrOp = errors.New("op failed")

// Peer is one retry library driven the way its docs recommend. Each
// function runs one retried call of op (which counts its calls) and
// returns the call's value and error.
type Peer struct {
	Name string
	// Do calls op under the library's retry loop: at most 3 attempts, no
	// delay between them.
	Do func(ctx context.Context, op func() (int, error)) (int, error)
}

// zero3 is built once: a spool Policy is immutable and shared.
var zero3 = mustPolicy(spool.MaxAttempts(3), spool.Backoff(spool.Constant(0)))

func mustPolicy(opts ...spool.Option) *spool.Policy {
	p, err := spool.New(opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// Peers are the libraries compared, in table order.
var Peers = []Peer{
	{
		// The floor: op called once, no retry at all.
		Name: "direct",
		Do: func(ctx context.Context, op func() (int, error)) (int, error) {
			return op()
		},
	},
	{
		// spool with a Policy built once and shared (the recommended use).
		Name: "spool",
		Do: func(ctx context.Context, op func() (int, error)) (int, error) {
			return spool.Do(ctx, func(context.Context, int) (int, error) { return op() }, zero3)
		},
	},
	{
		// spool with inline options, built on every call.
		Name: "spool-inline",
		Do: func(ctx context.Context, op func() (int, error)) (int, error) {
			return spool.Do(ctx, func(context.Context, int) (int, error) { return op() },
				spool.MaxAttempts(3), spool.Backoff(spool.Constant(0)))
		},
	},
	{
		// backoff v5: a BackOff value is stateful (Reset per call), so one is
		// made per call, as WithBackOff's users do.
		Name: "backoff",
		Do: func(ctx context.Context, op func() (int, error)) (int, error) {
			return backoff.Retry(ctx, op, backoff.WithBackOff(&backoff.ZeroBackOff{}), backoff.WithMaxTries(3))
		},
	},
	{
		// go-retry: only errors wrapped as RetryableError retry; its
		// WithMaxRetries counts retries (2 = 3 attempts) and keeps state, so
		// the back-off is built per call, as its README says. NewConstant
		// refuses 0, hence a BackoffFunc.
		Name: "go-retry",
		Do: func(ctx context.Context, op func() (int, error)) (int, error) {
			b := goretry.WithMaxRetries(2, goretry.BackoffFunc(func() (time.Duration, bool) { return 0, false }))
			return goretry.DoValue(ctx, b, func(ctx context.Context) (int, error) {
				v, err := op()
				if err != nil {
					return v, goretry.RetryableError(err)
				}
				return v, nil
			})
		},
	},
}
