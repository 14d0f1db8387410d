package httpretry_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestStalledFailedBody checks that a failed response whose body stalls
// half-way does not hold Do until its context ends: Drain gives up after
// DrainWait, and Do goes on to its next attempt. Before, without
// AttemptTimeout, the first attempt's drain used up the whole context.
func TestStalledFailedBody(t *testing.T) {
	var requests atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select { // the other 90 bytes never come
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(stop)
	// A hang guard only: with the fix Do ends after two drains.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := httpretry.Do(ctx, nil, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(time.Millisecond)))
	var se *httpretry.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do = %v; want the 503 StatusError of the last attempt, not the context's end", err)
	}
	if got, want := requests.Load(), int32(2); got != want {
		t.Errorf("the server got %d requests; want %d", got, want)
	}
}
