package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/task"
)

// TestRecordErrorInUserTerms: the record's error reads as the failure
// itself, without the packages' prefixes (httpretry:, task:, retry:) and
// without net/http's "Get URL:" when URL is the record's own, and keeps
// the rest: the attempts made when retrying gave up and why, the phase an
// attempt timed out in, a URL other than the record's, fetch's own errors.
// The errors are built as fetch's attempts make them (see fetch and
// TestRecordErrorEndToEnd for the real ones).
func TestRecordErrorInUserTerms(t *testing.T) {
	const u = "http://127.0.0.1:8601/x"
	notFound := &httpretry.StatusError{Code: 404, Status: "404 Not Found"}
	unavailable := &httpretry.StatusError{Code: 503, Status: "503 Service Unavailable"}
	timeLimit := errors.New("task: time limit passed") // the cause task.Timeout gives its ctx
	getTimedOut := &task.TimeoutError{Limit: 500 * time.Millisecond, Err: &url.Error{Op: "Get", URL: u, Err: timeLimit}}
	refused := &url.Error{Op: "Get", URL: u, Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"status", notFound, "404 Not Found"},
		{"status without its text", &httpretry.StatusError{Code: 599}, "status 599"},
		{"time limit", getTimedOut, "timed out after 500ms"},
		{"time limit reading the body", &task.TimeoutError{Limit: time.Second, Err: &bodyError{timeLimit}}, "timed out after 1s reading the body"},
		{"connection refused", refused, "dial tcp: connect: connection refused"},
		{"scheme in capitals", &url.Error{Op: "Get", URL: u, Err: io.EOF}, "EOF"},
		{"another URL (a redirect)", &url.Error{Op: "Get", URL: "http://elsewhere.example/", Err: io.EOF}, `Get "http://elsewhere.example/": EOF`},
		{"body cut short", &bodyError{io.ErrUnexpectedEOF}, "fetch: reading body: unexpected EOF"},
		{"attempts used up", &retry.Error{Attempts: 3, Last: unavailable, Cause: retry.ErrAttempts}, "503 Service Unavailable (gave up after 3 attempts)"},
		{"timed out at every attempt", &retry.Error{Attempts: 3, Last: getTimedOut, Cause: retry.ErrAttempts}, "timed out after 500ms (gave up after 3 attempts)"},
		{"not worth retrying after a retry", &retry.Error{Attempts: 2, Last: notFound, Cause: retry.ErrPermanent}, "404 Not Found (gave up after 2 attempts)"},
		{"refused every time", &retry.Error{Attempts: 2, Last: refused, Cause: retry.ErrAttempts}, "dial tcp: connect: connection refused (gave up after 2 attempts)"},
		{"time budget", &retry.Error{Attempts: 2, Last: unavailable, Cause: retry.ErrElapsed}, "503 Service Unavailable (gave up after 2 attempts: time budget spent)"},
		{"one attempt, time budget", &retry.Error{Attempts: 1, Last: unavailable, Cause: retry.ErrElapsed}, "503 Service Unavailable (gave up after 1 attempt: time budget spent)"},
		{"no attempt", &retry.Error{Cause: retry.ErrElapsed}, "gave up before the first attempt: time budget spent"},
		{"fetch's own: cancelled", &cancelError{context.Canceled, nil}, "fetch: cancelled"},
		{"fetch's own: cancelled, with a cause", &cancelError{context.DeadlineExceeded, errors.New("budget spent")}, "fetch: cancelled: budget spent"},
		{"fetch's own: redirect loop", &redirectError{next: u, limit: true, err: &url.Error{Op: "Get", URL: "/x", Err: errors.New("stopped after 10 redirects")}}, "fetch: stopped after 10 redirects (the next to " + u + ")"},
		{"fetch's own: malformed", fmt.Errorf("%w: no host", ErrMalformed), "fetch: malformed URL: no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := u
			if tt.name == "scheme in capitals" {
				url = "HTTP://127.0.0.1:8601/x"
			}
			b, err := Result{URL: url, Err: tt.err}.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			var rec struct{ Error string }
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("record %s: %v", b, err)
			}
			if rec.Error != tt.want {
				t.Errorf("record's error: got %q; want %q (Err: %v)", rec.Error, tt.want, tt.err)
			}
		})
	}
}
