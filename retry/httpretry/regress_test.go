package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// failFirstDial is a transport whose first dial fails, as a refused
// connection does: the request is sent again, none of its body read.
func failFirstDial(t *testing.T) *http.Client {
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused (test)")}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestUnreadBodySentAgain: a body without GetBody that no attempt read is
// sent again after a failed dial, as Do's doc says. The transport closes
// the body of a request that fails, and Do passed the close through, so
// a file body was closed for the next attempt ("file already closed").
// Do keeps it open, and closes it when it returns.
func TestUnreadBodySentAgain(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "up")
	if err := os.WriteFile(path, []byte("payload"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body func(t *testing.T) io.ReadCloser
	}{
		{"a file", func(t *testing.T) io.ReadCloser {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"a reader with a no-op Close", func(t *testing.T) io.ReadCloser { return io.NopCloser(strings.NewReader("payload")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got.Store("")
			body := tt.body(t)
			_, err := httpretry.Do(t.Context(), failFirstDial(t), func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, body)
				req.GetBody = nil // as for any body NewRequest does not know
				return req, err
			}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
			if err != nil || got.Load() != "payload" {
				t.Errorf("err = %v, server got %q; want nil and %q", err, got.Load(), "payload")
			}
			if f, ok := body.(*os.File); ok {
				if _, err := f.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
					t.Errorf("after Do, reading the file gives %v; want os.ErrClosed (Do closes the body, as the transport would)", err)
				}
			}
		})
	}
}

// TestRefusedRedirectNotRetried: a redirect the client's CheckRedirect
// refuses is refused again on every attempt: Do stops at once (TestCheck
// has Check's part). Both retried it as a transport error.
func TestRefusedRedirectNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://elsewhere.invalid/x", http.StatusFound)
	}))
	defer srv.Close()
	errOffHost := errors.New("redirect off host refused")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errOffHost }}
	_, err := httpretry.Do(t.Context(), client, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}, retry.MaxAttempts(5), retry.Backoff(retry.Constant(0)))
	if !errors.Is(err, errOffHost) || !errors.Is(err, retry.ErrPermanent) || hits.Load() != 1 {
		t.Errorf("Do: err = %v after %d requests; want a permanent error matching the refusal after 1", err, hits.Load())
	}
}

// TestHeadKeepsContentLength: a HEAD response's ContentLength is the
// resource's, as net/http gives it; Do set it to the length of the empty
// body it read (0).
func TestHeadKeepsContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "12345")
		if r.Method != http.MethodHead {
			io.WriteString(w, strings.Repeat("x", 12345))
		}
	}))
	defer srv.Close()
	tests := []struct {
		method string
		want   int64
	}{
		{http.MethodHead, 12345},
		{http.MethodGet, 12345},
	}
	for _, tt := range tests {
		resp, err := httpretry.Do(t.Context(), nil, func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, tt.method, srv.URL, nil)
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.method, err)
		}
		if resp.ContentLength != tt.want {
			t.Errorf("%s: ContentLength = %d; want %d", tt.method, resp.ContentLength, tt.want)
		}
	}
}
