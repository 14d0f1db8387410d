package fetch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
)

// TestCancelledMatchesCtxErrAndCause: a URL cut short by ctx, in flight or
// not started, has an error matching ErrCancelled, ctx.Err() and ctx's
// cause, whose text ends with the cause when it is ctx's own. With a cause
// it used to match ErrCancelled and the cause only, not ctx.Err()
// (context.DeadlineExceeded for WithTimeoutCause), and to read "fetch:
// cancelled", without the cause.
func TestCancelledMatchesCtxErrAndCause(t *testing.T) {
	errBudget := errors.New("request budget spent")
	past := time.Unix(0, 0)
	tests := []struct {
		name     string
		ctx      func(arrived <-chan string) (context.Context, context.CancelFunc)
		wantIs   []error
		wantText string
	}{
		{"cancelled before",
			func(<-chan string) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			[]error{context.Canceled}, "fetch: cancelled"},
		{"cancelled before, with a cause",
			func(<-chan string) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(errBudget)
				return ctx, func() { cancel(nil) }
			},
			[]error{context.Canceled, errBudget}, "fetch: cancelled: request budget spent"},
		{"deadline passed before",
			func(<-chan string) (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), past)
			},
			[]error{context.DeadlineExceeded}, "fetch: cancelled"},
		{"deadline passed before, with a cause",
			func(<-chan string) (context.Context, context.CancelFunc) {
				return context.WithDeadlineCause(context.Background(), past, errBudget)
			},
			[]error{context.DeadlineExceeded, errBudget}, "fetch: cancelled: request budget spent"},
		{"cancelled in flight, with a cause",
			func(arrived <-chan string) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancelCause(context.Background())
				go func() {
					<-arrived
					<-arrived // both requests are in flight
					cancel(errBudget)
				}()
				return ctx, func() { cancel(nil) }
			},
			[]error{context.Canceled, errBudget}, "fetch: cancelled: request budget spent"},
		{"deadline in flight, with a cause",
			func(<-chan string) (context.Context, context.CancelFunc) {
				// The requests stall until ctx ends: the deadline ends them.
				return context.WithTimeoutCause(context.Background(), 50*time.Millisecond, errBudget)
			},
			[]error{context.DeadlineExceeded, errBudget}, "fetch: cancelled: request budget spent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.arrived = make(chan string, 2)
			ctx, cancel := tt.ctx(s.arrived)
			defer cancel()
			urls := []string{s.URL + "/stall?a", s.URL + "/stall?b"}
			n := 0
			for r := range fetch.Run(ctx, slices.Values(urls), fetch.Concurrency(2)) {
				n++
				for _, want := range append([]error{fetch.ErrCancelled}, tt.wantIs...) {
					if !errors.Is(r.Err, want) {
						t.Errorf("%s: error %v does not match %v; want it to", r.URL, r.Err, want)
					}
				}
				if r.Err == nil || r.Err.Error() != tt.wantText {
					t.Errorf("%s: error %v; want %q", r.URL, r.Err, tt.wantText)
				}
			}
			if n != len(urls) {
				t.Errorf("got %d results; want %d", n, len(urls))
			}
		})
	}
}
