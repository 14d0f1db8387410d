package chans

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spool-go/spool/task"
)

// ErrClosed is returned by a [Broadcast], [Subscription] or [Watch] that has
// been closed (for receivers: once every value sent before Close has been
// received), and wrapped by a [Pipeline] stopped by Close.
var ErrClosed = errors.New("chans: closed")

// ErrInvalid is matched (errors.Is) by the error of bad input from a
// function of chans that has an error result: [Watch.Update]'s for a nil
// fn, "chans: Watch.Update: fn must not be nil (got nil)". Functions
// without an error result ([FanOut], [Tee], [Batch], [NewBroadcast],
// [Broadcast.Subscribe], [Stage], [Pipeline.Go]) panic at once on bad
// input instead, naming the argument or option and the value, as in
// "chans: FanOut: n must be positive (got 0)"; so does every function or
// method given a nil context, as in "chans: Merge: nil context". Options
// never panic by themselves.
var ErrInvalid = errors.New("chans: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// ErrSkip, returned by the function of a [Stage], drops the input it was
// given: the stage sends no result for it and goes on, and the pipeline
// does not fail. It makes a stage a filter, as filepath.SkipDir makes a
// walk skip a directory. It must be returned as is, not wrapped (a wrapped
// ErrSkip, or a panic with it, fails the pipeline).
var ErrSkip = errors.New("chans: skip item")

// LaggedError is returned by [Subscription.Recv] under the [Lag] policy when
// the subscriber fell more than its buffer behind the sender: Missed values
// were overwritten before it could read them. It is tokio's
// RecvError::Lagged(n). The next Recv returns the oldest value still
// buffered, so a subscriber may log the loss and keep going.
type LaggedError struct {
	Missed int // how many values the subscriber will never see
}

// Error reads "chans: subscriber lagged: missed N values".
func (e *LaggedError) Error() string {
	return fmt.Sprintf("chans: subscriber lagged: missed %d values", e.Missed)
}

// ctxError wraps ctx's error (and its cause, when it differs) for a wait
// that gave up because ctx was done. A cause of this package's own (the
// ErrClosed of Pipeline.Close) leads, so that "chans:" is said once.
func ctxError(op string, ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		if strings.HasPrefix(cause.Error(), "chans: ") {
			return fmt.Errorf("%w (%s: %w)", cause, op, err)
		}
		return fmt.Errorf("chans: %s: %w: %w", op, err, cause)
	}
	return fmt.Errorf("chans: %s: %w", op, err)
}

// call runs fn on v and turns a panic into a *task.PanicError.
func call[In, Out any](ctx context.Context, fn func(context.Context, In) (Out, error), v In) (r Out, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = &task.PanicError{Value: x, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, v)
}
