package httpretry_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/retry/httpretry"
)

// TestAuditBodyNotReplayedEmpty: a request body that newReq shares between
// attempts (a reader made once, outside newReq) is read up by the first
// attempt; Do must not send the next attempt with what is left of it (an
// empty PUT that succeeds). It refuses with an error unless the request
// can give its body again (GetBody). It used to send the empty body and
// report success.
func TestAuditBodyNotReplayedEmpty(t *testing.T) {
	type maker func() func(ctx context.Context) (*http.Request, error)
	tests := []struct {
		name   string
		newReq maker
		wantOK bool // Do succeeds, the second request with the whole body
	}{
		{"shared bytes.Reader", func() func(context.Context) (*http.Request, error) {
			body := bytes.NewReader([]byte("payload"))
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/x", body)
			}
		}, false},
		{"shared reader of unknown length", func() func(context.Context) (*http.Request, error) {
			body := io.MultiReader(strings.NewReader("payload"))
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/x", body)
			}
		}, false},
		{"same request with GetBody", func() func(context.Context) (*http.Request, error) {
			req, err := http.NewRequest("PUT", "http://example.test/x", strings.NewReader("payload"))
			return func(context.Context) (*http.Request, error) { return req, err }
		}, true},
		{"fresh body each time", func() func(context.Context) (*http.Request, error) {
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/x", strings.NewReader("payload"))
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got []string
				tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
					var b []byte
					if req.Body != nil {
						var err error
						if b, err = io.ReadAll(req.Body); err != nil {
							return nil, err // the request was not sent whole
						}
					}
					got = append(got, string(b))
					if n == 1 {
						return text(503, "busy"), nil
					}
					return text(200, "ok"), nil
				}}
				_, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, tt.newReq())
				for i, b := range got {
					if b != "payload" {
						t.Errorf("request %d sent body %q; want %q", i+1, b, "payload")
					}
				}
				if tt.wantOK && (err != nil || len(got) != 2) {
					t.Errorf("%d requests, err %v; want 2, nil", len(got), err)
				}
				if !tt.wantOK && err == nil {
					t.Errorf("err = nil after %d requests; want an error: the body cannot be sent again", len(got))
				}
			})
		})
	}
}
