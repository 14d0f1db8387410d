package httpretry_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestAuditNonIdempotentNotRepeated: Do sends a request that is not safe to
// repeat (POST, PATCH, without an Idempotency-Key) once, whatever its
// failure, as a 503 or a connection reset can come after the server
// acted; it retries it only when the connection could not be made, when
// nothing was sent. It used to send a POST three times on 503s (three
// orders placed).
func TestAuditNonIdempotentNotRepeated(t *testing.T) {
	status503 := func(int, *http.Request) (*http.Response, error) { return text(503, "busy"), nil }
	status429 := func(int, *http.Request) (*http.Response, error) { return text(429, "slow down"), nil }
	reset := func(int, *http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	refused := func(int, *http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	tests := []struct {
		method string
		header string // an idempotency key header to set, if any
		script func(int, *http.Request) (*http.Response, error)
		want   int // requests sent
	}{
		{"POST", "", status503, 1},
		{"PATCH", "", reset, 1},
		{"POST", "", reset, 1},
		{"POST", "", refused, 3},
		{"POST", "", status429, 3}, // the server says it did not act
		{"POST", "Idempotency-Key", status503, 3},
		{"POST", "X-Idempotency-Key", reset, 3},
		{"GET", "", status503, 3},
		{"PUT", "", reset, 3},
		{"DELETE", "", status503, 3},
		{"HEAD", "", status503, 3},
	}
	for _, tt := range tests {
		t.Run(tt.method+"/"+tt.header, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &transport{script: tt.script}
				_, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, func(ctx context.Context) (*http.Request, error) {
					req, err := http.NewRequestWithContext(ctx, tt.method, "http://example.test/orders", strings.NewReader("order"))
					if err == nil && tt.header != "" {
						req.Header.Set(tt.header, "k-1")
					}
					return req, err
				})
				if got := int(tr.calls.Load()); got != tt.want {
					t.Errorf("%d requests sent (err %v); want %d", got, err, tt.want)
				}
				var re *retry.Error
				if !errors.As(err, &re) {
					t.Fatalf("err = %v; want a *retry.Error", err)
				}
				if wantPerm := tt.want == 1; (re.Cause == retry.ErrPermanent) != wantPerm {
					t.Errorf("cause %v; want permanent: %v", re.Cause, wantPerm)
				}
				if o, c := tr.opened.Load(), tr.closed.Load(); o != c {
					t.Errorf("bodies opened %d, closed %d", o, c)
				}
			})
		})
	}
}
