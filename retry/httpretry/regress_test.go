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
	"time"

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

// closeCounter counts the closes of the body it wraps, and reports the
// first on closed.
type closeCounter struct {
	io.ReadCloser
	n      atomic.Int32
	closed chan struct{}
}

func (c *closeCounter) Close() error {
	if c.n.Add(1) == 1 {
		close(c.closed)
	}
	return c.ReadCloser.Close()
}

// TestUnreadBodySentAgain: a body without GetBody that no attempt read is
// sent again after a failed dial, as Do's doc says, and closed once. The
// transport closes the body of a request that fails, and Do passed the
// close through, so a file body was closed for the next attempt ("file
// already closed").
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
			body := &closeCounter{ReadCloser: tt.body(t), closed: make(chan struct{})}
			_, err := httpretry.Do(t.Context(), failFirstDial(t), func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, body)
				req.GetBody = nil // as for any body NewRequest does not know
				return req, err
			}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
			if err != nil || got.Load() != "payload" {
				t.Errorf("err = %v, server got %q; want nil and %q", err, got.Load(), "payload")
			}
			select { // the last attempt's transport closes it, perhaps after Do returns
			case <-body.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the body was never closed")
			}
			if n := body.n.Load(); n != 1 {
				t.Errorf("the body was closed %d times; want once", n)
			}
		})
	}
}

// blockingBody gives its first bytes, then blocks in Read until release
// is closed, noting a Close that comes while a Read is under way.
type blockingBody struct {
	reads        atomic.Int32
	inRead       atomic.Bool
	closedInRead atomic.Bool
	closes       atomic.Int32
	closed       chan struct{}
	release      chan struct{}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if b.reads.Add(1) == 1 {
		return copy(p, "pay"), nil
	}
	b.inRead.Store(true)
	<-b.release
	b.inRead.Store(false)
	return 0, errors.New("released")
}

func (b *blockingBody) Close() error {
	if b.inRead.Load() {
		b.closedInRead.Store(true)
	}
	if b.closes.Add(1) == 1 {
		close(b.closed)
	}
	return nil
}

// TestHeldBodyClosedOnceByItsTransport: a body held after a failed dial
// and sent again belongs to the attempt that sends it: when the server
// answers before reading it, Do returns while the transport still reads
// it, and the transport closes it once it is done. Do closed it as it
// returned, inside the transport's Read, and the transport closed it again.
func TestHeldBodyClosedOnceByItsTransport(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, bw, err := w.(http.Hijacker).Hijack() // answers before reading the body
		if err != nil {
			return
		}
		defer c.Close()
		bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		bw.Flush()
		<-stop
	}))
	defer srv.Close()
	defer close(stop)
	body := &blockingBody{closed: make(chan struct{}), release: make(chan struct{})}
	_, err := httpretry.Do(t.Context(), failFirstDial(t), func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, body)
		req.ContentLength = 100
		return req, err
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if body.closedInRead.Load() {
		t.Errorf("the body was closed inside the transport's Read")
	}
	close(body.release) // the transport's Read fails now; it closes the body
	select {
	case <-body.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the body was never closed")
	}
	if body.closedInRead.Load() {
		t.Errorf("the body was closed inside the transport's Read")
	}
	if n := body.closes.Load(); n != 1 {
		t.Errorf("the body was closed %d times; want once", n)
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

// lateCloseRT is a transport whose first attempt fails as a refused dial
// and closes the body unread on a goroutine of its own once the second
// attempt has begun (RoundTripper's contract allows a close after
// RoundTrip returns). The second answers 200 once that close is done,
// while it still reads the body, and closes the body when its read ends,
// then closes done.
type lateCloseRT struct {
	n                      atomic.Int32
	secondBegan, firstDone chan struct{}
	done                   chan struct{}
}

func (rt *lateCloseRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if rt.n.Add(1) == 1 {
		go func() {
			<-rt.secondBegan
			req.Body.Close()
			close(rt.firstDone)
		}()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test)")}
	}
	close(rt.secondBegan)
	buf := make([]byte, 3)
	_, _ = io.ReadFull(req.Body, buf) // "pay"
	go func() {
		defer close(rt.done)
		_, _ = io.Copy(io.Discard, req.Body) // blocks until the test releases it
		req.Body.Close()
	}()
	<-rt.firstDone
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

// TestLateCloseOfAnEarlierAttempt: the first attempt's transport closes
// the body unread after the second attempt took it: the body is the
// second's to close, once. The late close held it again, and Do closed it
// as it returned, inside the second attempt's Read, before the second
// closed it too.
func TestLateCloseOfAnEarlierAttempt(t *testing.T) {
	body := &blockingBody{closed: make(chan struct{}), release: make(chan struct{})}
	rt := &lateCloseRT{secondBegan: make(chan struct{}), firstDone: make(chan struct{}), done: make(chan struct{})}
	_, err := httpretry.Do(t.Context(), &http.Client{Transport: rt}, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://example.invalid/", body)
		req.ContentLength = 100
		return req, err
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if n := body.closes.Load(); n != 0 || body.closedInRead.Load() {
		t.Errorf("as Do returned, the body had %d closes (in a Read: %v); want none: the second attempt still reads it", n, body.closedInRead.Load())
	}
	close(body.release)
	<-rt.done // every close has happened by now
	if n := body.closes.Load(); n != 1 {
		t.Errorf("the body was closed %d times; want once", n)
	}
}

// uncomparableBody is a body of a type == cannot compare (a slice field,
// value methods).
type uncomparableBody struct {
	r      *strings.Reader
	tags   []string
	closes *atomic.Int32
	closed chan struct{}
}

func (b uncomparableBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b uncomparableBody) Close() error {
	if b.closes.Add(1) == 1 {
		close(b.closed)
	}
	return nil
}

// TestSharedUncomparableBodyClosedOnce: one body, of a type == cannot
// compare, shared by the attempts and sent again after a failed dial, is
// closed once. Counted as two bodies, it was held and closed by Do as it
// returned, and closed again by the transport that sent it.
func TestSharedUncomparableBodyClosedOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	body := uncomparableBody{strings.NewReader("payload"), nil, new(atomic.Int32), make(chan struct{})}
	client := failFirstDial(t)
	_, err := httpretry.Do(t.Context(), client, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, body)
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)))
	if err != nil {
		t.Fatal(err)
	}
	select { // the last attempt's transport may close it after Do returns
	case <-body.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the body was never closed")
	}
	client.CloseIdleConnections() // the transport is done with the request
	if n := body.closes.Load(); n > 1 {
		t.Errorf("the body was closed %d times; want once", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestLateCloseAfterAThirdAttempt: attempts 1 and 2 send one body, the
// first's transport closing it late, the second's unread at once (held);
// attempt 3 sends another. The shared body is closed once. Only the last
// body taken was remembered, so Do closed the held body as it returned,
// and the first attempt's late close closed it again.
func TestLateCloseAfterAThirdAttempt(t *testing.T) {
	shared := &closeCounter{ReadCloser: io.NopCloser(strings.NewReader("x")), closed: make(chan struct{})}
	var (
		n    atomic.Int32
		late func()
	)
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		switch n.Add(1) {
		case 1:
			late = func() { req.Body.Close() }
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test)")}
		case 2:
			req.Body.Close()
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test)")}
		}
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
	calls := 0
	_, err := httpretry.Do(t.Context(), &http.Client{Transport: rt}, func(ctx context.Context) (*http.Request, error) {
		calls++
		var b io.ReadCloser = shared
		if calls == 3 {
			b = io.NopCloser(strings.NewReader("y"))
		}
		return http.NewRequestWithContext(ctx, http.MethodPut, "http://example.invalid/", b)
	}, retry.MaxAttempts(3), retry.Backoff(retry.Constant(0)))
	if err != nil {
		t.Fatal(err)
	}
	late() // the first attempt's transport closes its body, late
	if c := shared.n.Load(); c != 1 {
		t.Errorf("the shared body was closed %d times; want once", c)
	}
}

// TestGetBodyErrorClosesTheBody: when GetBody fails on a later attempt,
// the body newReq made for that attempt is closed; it was left open.
func TestGetBodyErrorClosesTheBody(t *testing.T) {
	var bodies []*closeCounter
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			_, _ = io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
	_, err := httpretry.Do(t.Context(), &http.Client{Transport: rt}, func(ctx context.Context) (*http.Request, error) {
		c := &closeCounter{ReadCloser: io.NopCloser(strings.NewReader("x")), closed: make(chan struct{})}
		bodies = append(bodies, c)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://example.invalid/", c)
		req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("no more bodies") }
		return req, err
	}, retry.MaxAttempts(3), retry.Backoff(retry.Constant(0)))
	if err == nil {
		t.Fatal("Do: nil; want GetBody's error")
	}
	for i, c := range bodies {
		if n := c.n.Load(); n != 1 {
			t.Errorf("the body newReq made for attempt %d was closed %d times; want once", i+1, n)
		}
	}
}
