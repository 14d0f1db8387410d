package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/retry"
)

// TestNoHostlessURLIsRequestedAndRetried: a URL with a port but no host
// name, or a port out of range, is ErrMalformed with no request ("Each
// URL must be absolute, http or https, with a host"). It used to pass the
// check (p.Host is ":80") and be requested and retried.
func TestNoHostlessURLIsRequestedAndRetried(t *testing.T) {
	for _, u := range []string{"http://:80/x", "http://127.0.0.1:99999/x"} {
		var last fetch.Result
		for r := range fetch.Run(context.Background(), func(yield func(string) bool) { yield(u) },
			fetch.Retry(retry.Backoff(retry.Constant(time.Millisecond)))) {
			last = r
		}
		if !errors.Is(last.Err, fetch.ErrMalformed) || last.Attempts != 0 {
			t.Errorf("%s: Attempts = %d, Err = %v; want ErrMalformed and no request", u, last.Attempts, last.Err)
		}
	}
}

// TestRetryPolicyKeepsFetchSettings: a *retry.Policy given to Retry
// overrides only what it was built with. It used to replace fetch's own
// attempts, timeout and Retry-After cap with retry's defaults, so a
// policy built with only OnRetry made 3 attempts under Retries(0), and
// each attempt ran without fetch's Timeout.
func TestRetryPolicyKeepsFetchSettings(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	hook, err := retry.New(retry.OnRetry(func(int, error, time.Duration) {}))
	if err != nil {
		t.Fatal(err)
	}
	four, err := retry.New(retry.MaxAttempts(4), retry.Backoff(retry.Constant(0)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []fetch.Option
		want int
	}{
		{"a policy with only a hook", []fetch.Option{fetch.Retries(0), fetch.Retry(hook)}, 1},
		{"the same as an option", []fetch.Option{fetch.Retries(0), fetch.Retry(retry.OnRetry(func(int, error, time.Duration) {}))}, 1},
		{"a policy with its own attempts", []fetch.Option{fetch.Retries(0), fetch.Retry(four)}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			for r := range fetch.Run(context.Background(), slices.Values([]string{srv.URL}), tt.opts...) {
				if r.Attempts != tt.want || int(hits.Load()) != tt.want {
					t.Errorf("Attempts = %d, requests = %d; want %d of each (err %v)", r.Attempts, hits.Load(), tt.want, r.Err)
				}
			}
		})
	}
}
