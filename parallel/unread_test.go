package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// TestMapOrderedPanicInFlightWhenTheLoopEnds checks that a panic (or a
// runtime.Goexit) in a call still in flight when the loop ends is not
// lost: after a break it goes to task.ReportPanic (the OnUnobservedPanic
// function); when ctx ends it is joined to the ctx error yielded. Both
// were dropped: the results in flight were never looked at.
func TestMapOrderedPanicInFlightWhenTheLoopEnds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		byCtx      bool // the loop ends by ctx's end, not a break
		goexit     bool // value 1's call calls runtime.Goexit rather than panic
		wantReport any  // the value reported to OnUnobservedPanic, nil for none
		wantJoined bool // the ctx error yielded carries a *task.PanicError
	}{
		{"break, panic", false, false, "late", false},
		{"break, Goexit", false, true, task.ErrGoexit, false},
		{"ctx ends, panic", true, false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reported := recordReports(t)
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
				defer cancel()
				var errs []error
				for v, err := range parallel.MapOrdered(ctx, slices.Values([]int{0, 1}), 2, func(ctx context.Context, x int) (int, error) {
					if x == 0 {
						if tc.byCtx {
							<-ctx.Done()
							return 0, ctx.Err()
						}
						time.Sleep(time.Millisecond)
						return 0, nil
					}
					<-ctx.Done() // in flight until the loop ends
					if tc.goexit {
						runtime.Goexit()
					}
					panic("late")
				}) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					if v == 0 && !tc.byCtx {
						break
					}
				}
				var pe *task.PanicError
				joined := errors.Join(errs...)
				if got := errors.As(joined, &pe); got != tc.wantJoined {
					t.Errorf("errors yielded %q: carry a *task.PanicError = %v, want %v", joined, got, tc.wantJoined)
				}
				if tc.byCtx && !errors.Is(joined, context.DeadlineExceeded) {
					t.Errorf("errors yielded %q, want context.DeadlineExceeded among them", joined)
				}
			})
			var want []any
			if tc.wantReport != nil {
				want = []any{tc.wantReport}
			}
			if got := reported(); !slices.Equal(got, want) {
				t.Errorf("reported to OnUnobservedPanic: %v, want %v", got, want)
			}
		})
	}
}

// TestMapOrderedReturnedPanicErrorNotReported checks that an error fn
// returns is not reported as a panic after a break, even one that holds a
// *task.PanicError (of a task fn awaited, whose panic fn read): only a
// panic in the call itself is. The first version looked for a
// *task.PanicError in any error.
func TestMapOrderedReturnedPanicErrorNotReported(t *testing.T) {
	reported := recordReports(t)
	synctest.Test(t, func(t *testing.T) {
		for v := range parallel.MapOrdered(t.Context(), slices.Values([]int{0, 1}), 2, func(ctx context.Context, x int) (int, error) {
			if x == 0 {
				time.Sleep(time.Millisecond)
				return 0, nil
			}
			<-ctx.Done() // in flight until the loop ends
			return 0, fmt.Errorf("handled: %w", &task.PanicError{Value: "read by fn"})
		}) {
			if v == 0 {
				break
			}
		}
	})
	if got := reported(); len(got) != 0 {
		t.Errorf("reported to OnUnobservedPanic: %v, want nothing (fn returned that error)", got)
	}
}

// recordReports makes the OnUnobservedPanic function record the values it
// is told of, until the test ends, and returns what it has recorded so far.
func recordReports(t *testing.T) func() []any {
	var mu sync.Mutex
	var reported []any
	task.OnUnobservedPanic(func(e *task.PanicError) {
		mu.Lock()
		reported = append(reported, e.Value)
		mu.Unlock()
	})
	t.Cleanup(func() { task.OnUnobservedPanic(nil) })
	return func() []any {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reported)
	}
}
