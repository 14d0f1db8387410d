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
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// Check inside your own attempt function: the body is read within the
// attempt, and a rejected response's body is drained and closed by the
// caller of Check.
func ExampleCheck() {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "hello")
	}))
	defer srv.Close()

	body, err := retry.Do(context.Background(), func(ctx context.Context, attempt int) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return nil, retry.Permanent(err)
		}
		resp, err := srv.Client().Do(req)
		if err := httpretry.Check(resp, err, time.Minute); err != nil {
			httpretry.Drain(resp)
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}, retry.Backoff(retry.Constant(time.Millisecond)), retry.OnRetry(func(attempt int, err error, _ time.Duration) {
		fmt.Printf("attempt %d: %v\n", attempt, err)
	}))
	fmt.Printf("%s %v\n", body, err)
	// Output:
	// attempt 1: httpretry: 503 Service Unavailable
	// hello <nil>
}

// Do gives up at once on a status that will not change.
func ExampleDo() {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()

	_, err := httpretry.Do(context.Background(), srv.Client(), func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/missing", nil)
	})
	var se *httpretry.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.Code, se.Method, se.URL == srv.URL+"/missing", errors.Is(err, retry.ErrPermanent))
	}
	fmt.Println(strings.ReplaceAll(err.Error(), srv.URL, "http://server"))
	// Output:
	// 404 GET true true
	// retry: permanent error after 1 attempt: httpretry: GET http://server/missing: 404 Not Found
}

func ExampleParseRetryAfter() {
	now := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	for _, v := range []string{"120", "Wed, 21 Oct 2015 07:29:30 GMT", "soon"} {
		d, ok := httpretry.ParseRetryAfter(v, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 2m0s true
	// 1m30s true
	// 0s false
}

// Transport gives retries to code that takes an *http.Client. A 503 is
// retried; when the attempts run out, the client gets the server's last
// answer, body and all, as from any transport.
func ExampleTransport() {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := hits.Add(1); {
		case r.URL.Path == "/down":
			http.Error(w, fmt.Sprint("still down, ", n), http.StatusServiceUnavailable)
		case n == 1:
			http.Error(w, "try later", http.StatusServiceUnavailable)
		default:
			io.WriteString(w, "hello")
		}
	}))
	defer srv.Close()

	rt, err := httpretry.Transport(nil, retry.MaxAttempts(3), retry.Backoff(retry.Constant(time.Millisecond)))
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/", "/down"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %d %s (%d requests)\n", path, resp.StatusCode, strings.TrimSpace(string(body)), hits.Swap(0))
	}
	// Output:
	// /: 200 hello (2 requests)
	// /down: 503 still down, 3 (3 requests)
}
