package httpretry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

type mutRoundTrip func(*http.Request) (*http.Response, error)

func (f mutRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mutResponse(code int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{
		StatusCode: code,
		Status:     http.StatusText(code),
		Header:     h,
		Body:       io.NopCloser(strings.NewReader("body")),
	}
}

// TestMutCheckMaxDelayIgnoresHeader: "maxDelay <= 0 ignores the header":
// retry.Do then waits what its back-off says, not the Retry-After.
func TestMutCheckMaxDelayIgnoresHeader(t *testing.T) {
	for _, tt := range []struct {
		name     string
		maxDelay time.Duration
		want     time.Duration
	}{
		{"zero ignores", 0, time.Second},
		{"negative ignores", -time.Second, time.Second},
		{"positive honours", time.Minute, 5 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := httpretry.Check(mutResponse(503, "5"), nil, tt.maxDelay)
				if err == nil {
					t.Fatal("Check(503) = nil; want an error")
				}
				var delays []time.Duration
				_, _ = retry.Do(context.Background(), func(ctx context.Context, attempt int) (int, error) {
					if attempt == 1 {
						return 0, err
					}
					return 1, nil
				}, retry.Backoff(retry.Constant(time.Second)), retry.MaxAfter(time.Hour),
					retry.OnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
				if len(delays) != 1 || delays[0] != tt.want {
					t.Errorf("Check(503, Retry-After: 5, maxDelay %v) led retry.Do to wait %v; want [%v]", tt.maxDelay, delays, tt.want)
				}
			})
		})
	}
}

// TestMutTransportDeadlineKeepsLastResponse: when the wait a Retry-After
// asks for would pass the request context's deadline, RoundTrip returns
// the last response as it is, with a nil error ("a wait that would pass
// the context's deadline" is one of the ways the attempts are used up).
func TestMutTransportDeadlineKeepsLastResponse(t *testing.T) {
	for _, tt := range []struct {
		name       string
		retryAfter string
		deadline   time.Duration
		wantCalls  int
	}{
		{"Retry-After past the deadline", "60", 10 * time.Second, 1},
		{"back-off past the deadline", "", 50 * time.Millisecond, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				base := mutRoundTrip(func(r *http.Request) (*http.Response, error) {
					calls++
					resp := mutResponse(503, tt.retryAfter)
					resp.Request = r
					return resp, nil
				})
				tr, err := httpretry.Transport(base, retry.MaxAttempts(5), retry.Backoff(retry.Constant(100*time.Millisecond)))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
				defer cancel()
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.invalid/x", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatalf("RoundTrip = %v; want the last response and a nil error", err)
				}
				defer resp.Body.Close()
				if got, want := resp.StatusCode, 503; got != want {
					t.Errorf("status = %d; want %d", got, want)
				}
				if got, want := calls, tt.wantCalls; got != want {
					t.Errorf("attempts = %d; want %d", got, want)
				}
				if b, _ := io.ReadAll(resp.Body); string(b) != "body" {
					t.Errorf("body = %q; want %q, as base returned it", b, "body")
				}
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					t.Errorf("RoundTrip waited for the deadline; want it to give up at once")
				}
			})
		})
	}
}

// mutBody is a request body of a pointer type, without GetBody, that
// notes whether it was closed and never reads (the transport below closes
// it unread, as net/http's does when the connection cannot be made).
type mutBody struct {
	mu     sync.Mutex
	closed bool
}

func (b *mutBody) Read(p []byte) (int, error) { return 0, io.EOF }
func (b *mutBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}
func (b *mutBody) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// TestMutDoClosesEveryUnreadBody: a request body that no attempt read
// (its connection failed) is kept open for the next attempt, and "Do
// closes it when it returns": with a fresh body from newReq at each
// attempt, every one of them is closed by the time Do returns.
func TestMutDoClosesEveryUnreadBody(t *testing.T) {
	for _, attempts := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprintf("attempts=%d", attempts), func(t *testing.T) {
			refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			client := &http.Client{Transport: mutRoundTrip(func(r *http.Request) (*http.Response, error) {
				if r.Body != nil {
					r.Body.Close() // unread, as a failed dial leaves it
				}
				return nil, refused
			})}
			var bodies []*mutBody
			_, err := httpretry.Do(context.Background(), client, func(ctx context.Context) (*http.Request, error) {
				b := &mutBody{}
				bodies = append(bodies, b)
				return http.NewRequestWithContext(ctx, http.MethodPut, "http://example.invalid/x", b)
			}, retry.MaxAttempts(attempts), retry.Backoff(retry.Constant(0)))
			if !errors.Is(err, retry.ErrAttempts) {
				t.Fatalf("Do = %v; want attempts exhausted", err)
			}
			if got, want := len(bodies), attempts; got != want {
				t.Fatalf("newReq called %d times; want %d", got, want)
			}
			for i, b := range bodies {
				if !b.isClosed() {
					t.Errorf("body of attempt %d of %d left open after Do returned", i+1, attempts)
				}
			}
		})
	}
}

type mutIdleBase struct {
	mutRoundTrip
	closes atomic.Int64
}

func (b *mutIdleBase) CloseIdleConnections() { b.closes.Add(1) }

// TestMutTransportCloseIdleConnections: the Transport's
// CloseIdleConnections reaches base, so that
// http.Client.CloseIdleConnections does.
func TestMutTransportCloseIdleConnections(t *testing.T) {
	for _, calls := range []int{1, 3} {
		base := &mutIdleBase{}
		tr, err := httpretry.Transport(base)
		if err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Transport: tr}
		for range calls {
			client.CloseIdleConnections()
		}
		if got, want := base.closes.Load(), int64(calls); got != want {
			t.Errorf("base.CloseIdleConnections called %d times; want %d", got, want)
		}
	}
}

// TestMutSharedBodyNotSentEmpty: "A request of a later attempt that has
// GetBody is sent with the body GetBody gives; one whose body is empty
// where an earlier attempt sent one (a shared reader read up by the
// first) is refused with a permanent error, not sent empty."
func TestMutSharedBodyNotSentEmpty(t *testing.T) {
	for _, attempts := range []int{2, 4} {
		t.Run(fmt.Sprintf("attempts=%d", attempts), func(t *testing.T) {
			var got []string
			client := &http.Client{Transport: mutRoundTrip(func(r *http.Request) (*http.Response, error) {
				var b []byte
				if r.Body != nil {
					var err error
					b, err = io.ReadAll(r.Body)
					r.Body.Close()
					if err != nil {
						return nil, err
					}
				}
				got = append(got, string(b))
				code := 503
				if len(got) > 1 {
					code = 200
				}
				resp := mutResponse(code, "")
				resp.Request = r
				return resp, nil
			})}
			shared := strings.NewReader("hello")
			_, err := httpretry.Do(context.Background(), client, func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://example.invalid/x", nil)
				if err != nil {
					return nil, err
				}
				req.Body = io.NopCloser(shared)
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(shared), nil }
				return req, nil
			}, retry.MaxAttempts(attempts), retry.Backoff(retry.Constant(0)))
			for i, b := range got {
				if b == "" {
					t.Errorf("attempt %d sent an empty body (bodies %q); want it refused", i+1, got)
				}
			}
			var re *retry.Error
			if !errors.As(err, &re) || re.Cause != retry.ErrPermanent {
				t.Errorf("Do = %v; want a permanent give-up", err)
			}
		})
	}
}
