package httpretry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestAudit4NotRepeatedSaysWhy: Do sends a request that is not safe to
// repeat once, whatever its failure (TestAuditNonIdempotentNotRepeated),
// but its error did not say so: a POST that got a 503 gave "retry:
// permanent error after 1 attempt: httpretry: 503 Service Unavailable",
// which reads like a bug, as a 503 is retried for a GET. Every failure
// that the idempotency rule alone keeps from another attempt now says why;
// the others read as they did. errors.Is and errors.As see what they saw.
func TestAudit4NotRepeatedSaysWhy(t *testing.T) {
	const why = ": not repeated: %s is not idempotent (set an Idempotency-Key header to allow repeats)"
	status := func(code int, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
		}
	}
	// hangUp reads the request and closes the connection without a
	// response: a failure after the request went out.
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}
	// shortBody promises 100 bytes and sends 10: the server acted, and the
	// body is cut off.
	shortBody := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("0123456789"))
	}
	cases := []struct {
		name     string
		method   string
		key      string // an idempotency key header to set, if any
		handler  http.HandlerFunc
		want     string // %[1]s is the server's URL
		calls    int64
		code     int   // the *StatusError's, if there is one
		is       error // also matched, if set
		isPerman bool  // Cause is retry.ErrPermanent
	}{
		{name: "POST 503", method: "POST", handler: status(503),
			want:  "retry: permanent error after 1 attempt: httpretry: POST %[1]s/orders: 503 Service Unavailable" + fmt.Sprintf(why, "POST"),
			calls: 1, code: 503, isPerman: true},
		{name: "PATCH 502", method: "PATCH", handler: status(502),
			want:  "retry: permanent error after 1 attempt: httpretry: PATCH %[1]s/orders: 502 Bad Gateway" + fmt.Sprintf(why, "PATCH"),
			calls: 1, code: 502, isPerman: true},
		{name: "POST 503 with Retry-After", method: "POST", handler: status(503, "Retry-After", "0"),
			want:  "retry: permanent error after 1 attempt: httpretry: POST %[1]s/orders: 503 Service Unavailable" + fmt.Sprintf(why, "POST"),
			calls: 1, code: 503, isPerman: true},
		{name: "POST cut off after it was sent", method: "POST", handler: hangUp,
			want:  `retry: permanent error after 1 attempt: Post "%[1]s/orders": EOF` + fmt.Sprintf(why, "POST"),
			calls: 1, is: io.EOF, isPerman: true},
		{name: "POST body cut off after a 200", method: "POST", handler: shortBody,
			want:  "retry: permanent error after 1 attempt: httpretry: POST %[1]s/orders: reading body: unexpected EOF" + fmt.Sprintf(why, "POST"),
			calls: 1, is: io.ErrUnexpectedEOF, isPerman: true},

		// Not the idempotency rule: as before.
		{name: "POST 404", method: "POST", handler: status(404),
			want:  "retry: permanent error after 1 attempt: httpretry: POST %[1]s/orders: 404 Not Found",
			calls: 1, code: 404, isPerman: true},
		{name: "POST 429", method: "POST", handler: status(429),
			want:  "retry: attempts exhausted after 2 attempts: httpretry: POST %[1]s/orders: 429 Too Many Requests",
			calls: 2, code: 429, is: retry.ErrAttempts},
		{name: "POST 503 with an Idempotency-Key", method: "POST", key: "Idempotency-Key", handler: status(503),
			want:  "retry: attempts exhausted after 2 attempts: httpretry: POST %[1]s/orders: 503 Service Unavailable",
			calls: 2, code: 503, is: retry.ErrAttempts},
		{name: "GET 503", method: "GET", handler: status(503),
			want:  "retry: attempts exhausted after 2 attempts: httpretry: GET %[1]s/orders: 503 Service Unavailable",
			calls: 2, code: 503, is: retry.ErrAttempts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				c.handler(w, r)
			}))
			defer srv.Close()
			resp, err := httpretry.Do(context.Background(), srv.Client(), func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, c.method, srv.URL+"/orders", strings.NewReader("order"))
				if err == nil && c.key != "" {
					req.Header.Set(c.key, "k-1")
				}
				return req, err
			}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
			if resp != nil {
				t.Errorf("Do returned a response (status %s); want nil", resp.Status)
			}
			if err == nil {
				t.Fatalf("Do = nil error; want one")
			}
			want := c.want
			if strings.Contains(want, "%[1]s") {
				want = fmt.Sprintf(want, srv.URL)
			}
			if got := err.Error(); got != want {
				t.Errorf("Do = %q;\nwant %q", got, want)
			}
			if got := calls.Load(); got != c.calls {
				t.Errorf("%d requests reached the server; want %d", got, c.calls)
			}
			var re *retry.Error
			if !errors.As(err, &re) {
				t.Fatalf("Do = %v; want a *retry.Error", err)
			}
			if got := re.Cause == retry.ErrPermanent; got != c.isPerman || got != errors.Is(err, retry.ErrPermanent) {
				t.Errorf("Cause %v (errors.Is ErrPermanent: %v); want permanent: %v", re.Cause, errors.Is(err, retry.ErrPermanent), c.isPerman)
			}
			var se *httpretry.StatusError
			if errors.As(err, &se) != (c.code != 0) || c.code != 0 && se.Code != c.code {
				t.Errorf("errors.As(err, *StatusError) gives %+v; want code %d", se, c.code)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("Do = %v; want it to match %v", err, c.is)
			}
		})
	}
}
