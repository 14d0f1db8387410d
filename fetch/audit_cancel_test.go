package fetch_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestAuditFailureBeforeCancelKept: a URL whose fetch failed for its own
// reason (a 404, attempts used up) is reported with that error even if
// ctx ends before the worker reports it: it was done, not cancelled. It
// used to be reported as cancelled, its status dropped from the error.
func TestAuditFailureBeforeCancelKept(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		path    string
		retries int
		want    int // the status in the error
	}{
		{"/status/404", 2, 404},
		{"/status/503", 1, 503},
		{"/status/503?none", 0, 503},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The run's ctx ends as retry gives up, before fetch looks at it.
			_, got := collect(t, ctx, []string{s.URL + tt.path}, fast(fetch.Retries(tt.retries),
				fetch.Retry(retry.OnGiveUp(func(*retry.Error) { cancel() })))...)
			r := got[s.URL+tt.path]
			var se *httpretry.StatusError
			if errors.Is(r.Err, fetch.ErrCancelled) || !errors.As(r.Err, &se) || se.Code != tt.want {
				t.Errorf("got %v; want the %d it failed with, not fetch: cancelled", r.Err, tt.want)
			}
		})
	}
}
