package httpretry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/internal/slottest"
	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/task"
)

// step is one answer of a scripted base: a response, or err.
type step struct {
	code   int
	body   string
	header []string
	err    error
}

// scripted is a base RoundTripper that answers from steps, in memory (for
// synctest), reading and closing each request's body as a transport
// does, and noting what it read.
func scripted(steps []step, sent *[]string) *transport {
	var mu sync.Mutex
	return &transport{script: func(n int, req *http.Request) (*http.Response, error) {
		got := "<none>"
		if req.Body != nil && req.Body != http.NoBody {
			b, err := io.ReadAll(req.Body)
			req.Body.Close()
			got = string(b)
			if err != nil {
				got += " (" + err.Error() + ")"
			}
		}
		mu.Lock()
		*sent = append(*sent, got)
		mu.Unlock()
		s := steps[min(n, len(steps))-1]
		if s.err != nil {
			return nil, s.err
		}
		return text(s.code, s.body, s.header...), nil
	}}
}

// closeCount is a request body that counts its closes.
type closeCount struct {
	io.Reader
	closes atomic.Int32
}

func (c *closeCount) Close() error { c.closes.Add(1); return nil }

var errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

func TestTransport(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	fast := retry.Backoff(retry.Constant(time.Second))
	tests := []struct {
		name     string
		method   string
		body     string // "": no body
		getBody  bool   // the request has GetBody
		header   []string
		opts     []retry.Option
		steps    []step
		want     string // "CODE BODY" of the response returned, or "" for an error
		wantErr  []error
		wantSent []string // the request bodies base read, one an attempt
		wantWait time.Duration
	}{
		{name: "success first time", steps: []step{{code: 200, body: "ok"}},
			want: "200 ok", wantSent: []string{"<none>"}},
		{name: "503 then 200", steps: []step{{code: 503, body: "busy"}, {code: 200, body: "ok"}},
			want: "200 ok", wantSent: []string{"<none>", "<none>"}, wantWait: 100 * time.Millisecond},
		{name: "503 with Retry-After then 200", steps: []step{{code: 503, body: "busy", header: []string{"Retry-After", "3"}}, {code: 200, body: "ok"}},
			want: "200 ok", wantSent: []string{"<none>", "<none>"}, wantWait: 3 * time.Second},
		{name: "Retry-After capped by MaxAfter", opts: []retry.Option{retry.MaxAfter(2 * time.Second)},
			steps: []step{{code: 503, header: []string{"Retry-After", "30"}}, {code: 200, body: "ok"}},
			want:  "200 ok", wantSent: []string{"<none>", "<none>"}, wantWait: 2 * time.Second},
		{name: "POST 429 with Retry-After, retried with GetBody's body", method: "POST", body: "order", getBody: true,
			steps: []step{{code: 429, body: "slow down", header: []string{"Retry-After", "5"}}, {code: 201, body: "made"}},
			want:  "201 made", wantSent: []string{"order", "order"}, wantWait: 5 * time.Second},
		{name: "POST 503 not retried: not idempotent", method: "POST", body: "order", getBody: true,
			steps: []step{{code: 503, body: "busy"}, {code: 201, body: "made"}},
			want:  "503 busy", wantSent: []string{"order"}},
		{name: "POST with Idempotency-Key and GetBody retried with the same body", method: "POST", body: "order", getBody: true,
			header: []string{"Idempotency-Key", "k1"}, steps: []step{{code: 503, body: "busy"}, {code: 201, body: "made"}},
			want: "201 made", wantSent: []string{"order", "order"}, wantWait: 100 * time.Millisecond},
		{name: "POST with a key, without GetBody: sent once", method: "POST", body: "order",
			header: []string{"Idempotency-Key", "k1"}, steps: []step{{code: 503, body: "busy"}, {code: 201, body: "made"}},
			want: "503 busy", wantSent: []string{"order"}},
		{name: "PUT without GetBody: sent once", method: "PUT", body: "doc",
			steps: []step{{code: 502, body: "bad gateway"}, {code: 200, body: "ok"}},
			want:  "502 bad gateway", wantSent: []string{"doc"}},
		{name: "PUT with GetBody after a reset", method: "PUT", body: "doc", getBody: true,
			steps: []step{{err: errReset}, {code: 200, body: "ok"}},
			want:  "200 ok", wantSent: []string{"doc", "doc"}, wantWait: 100 * time.Millisecond},
		{name: "exhausted: the last response, body whole", opts: []retry.Option{fast},
			steps: []step{{code: 503, body: "busy 1"}, {code: 500, body: "busy 2"}, {code: 503, body: "busy 3"}},
			want:  "503 busy 3", wantSent: []string{"<none>", "<none>", "<none>"}, wantWait: 2 * time.Second},
		{name: "404: permanent, returned at once", steps: []step{{code: 404, body: "no"}},
			want: "404 no", wantSent: []string{"<none>"}},
		{name: "transport error then success", steps: []step{{err: errReset}, {code: 200, body: "ok"}},
			want: "200 ok", wantSent: []string{"<none>", "<none>"}, wantWait: 100 * time.Millisecond},
		{name: "503 then transport errors: the last error", opts: []retry.Option{fast},
			steps:   []step{{code: 503, body: "busy"}, {err: errReset}},
			wantErr: []error{retry.ErrAttempts, syscall.ECONNRESET}, wantSent: []string{"<none>", "<none>", "<none>"}, wantWait: 2 * time.Second},
		{name: "POST reset: not repeated, says why", method: "POST", body: "order", getBody: true,
			steps:   []step{{err: errReset}, {code: 201}},
			wantErr: []error{retry.ErrPermanent, syscall.ECONNRESET}, wantSent: []string{"order"}},
		{name: "POST refused: repeated, nothing was sent", method: "POST", body: "order", getBody: true,
			steps: []step{{err: refused}, {code: 201, body: "made"}},
			want:  "201 made", wantSent: []string{"order", "order"}, wantWait: 100 * time.Millisecond},
		{name: "Elapsed budget: the last response", opts: []retry.Option{fast, retry.MaxElapsed(1500 * time.Millisecond)},
			steps: []step{{code: 503, body: "busy 1"}, {code: 503, body: "busy 2"}},
			want:  "503 busy 2", wantSent: []string{"<none>", "<none>"}, wantWait: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent []string
				base := scripted(tt.steps, &sent)
				rt, err := httpretry.Transport(base, tt.opts...)
				if err != nil {
					t.Fatalf("Transport: %v", err)
				}
				var body io.Reader
				if tt.body != "" {
					body = strings.NewReader(tt.body)
				}
				req, err := http.NewRequestWithContext(t.Context(), cmp(tt.method, "GET"), "http://example.test/x", body)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.getBody {
					req.GetBody = nil
				}
				for i := 0; i+1 < len(tt.header); i += 2 {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
				start := time.Now()
				resp, err := rt.RoundTrip(req)
				if wait := time.Since(start); wait != tt.wantWait {
					t.Errorf("RoundTrip took %v; want %v", wait, tt.wantWait)
				}
				if !slices.Equal(sent, tt.wantSent) {
					t.Errorf("base read bodies %q; want %q", sent, tt.wantSent)
				}
				open := int32(0)
				if tt.want == "" {
					if resp != nil || err == nil {
						t.Fatalf("RoundTrip = %v, %v; want nil and an error", resp, err)
					}
					for _, target := range tt.wantErr {
						if !errors.Is(err, target) {
							t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
						}
					}
				} else {
					if err != nil {
						t.Fatalf("RoundTrip: %v", err)
					}
					open = 1
				}
				if o, c := base.opened.Load(), base.closed.Load(); o-c != open {
					t.Errorf("response bodies opened %d, closed %d; want all but %d closed (the failed ones retried)", o, c, open)
				}
				if resp == nil {
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != tt.want || err != nil {
					t.Errorf("response = %q (read error %v); want %q", got, err, tt.want)
				}
				if o, c := base.opened.Load(), base.closed.Load(); o != c {
					t.Errorf("after the caller's Close: bodies opened %d, closed %d; want all closed", o, c)
				}
			})
		})
	}
}

func cmp(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// The first attempt's response is base's own, untouched: no copy, no
// wrapper; a failed one's body is closed once, before the next attempt.
func TestTransportFirstResponseAsIs(t *testing.T) {
	want := text(200, "ok")
	base := &transport{script: func(int, *http.Request) (*http.Response, error) { return want, nil }}
	rt, err := httpretry.Transport(base)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://example.test/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil || resp != want {
		t.Fatalf("RoundTrip = %p, %v; want base's response %p", resp, err, want)
	}
	if c := base.closed.Load(); c != 0 {
		t.Errorf("body closed %d times before the caller read it; want 0", c)
	}
	resp.Body.Close()
}

// The caller's request comes back as it went in, whatever the attempts
// did with their copies.
func TestTransportRequestNotMutated(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		opts  []retry.Option
	}{
		{"success", []step{{code: 200}}, nil},
		{"retried twice", []step{{code: 503}, {err: errReset}, {code: 200}}, nil},
		{"exhausted", []step{{code: 503}}, nil},
		{"attempt timeout", []step{{code: 503}, {code: 200}}, []retry.Option{retry.AttemptTimeout(time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent []string
				base := scripted(tt.steps, &sent)
				inner := base.script
				base.script = func(n int, req *http.Request) (*http.Response, error) {
					req.Header.Set("X-Seen-By-Base", "yes") // a base that writes (it must not)
					return inner(n, req)
				}
				rt, err := httpretry.Transport(base, tt.opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := t.Context()
				body := &closeCount{Reader: strings.NewReader("doc")}
				req, _ := http.NewRequestWithContext(ctx, "PUT", "http://example.test/x?q=1", body)
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("doc")), nil }
				req.Header.Set("A", "1")
				before := *req
				url := req.URL.String()
				header := req.Header.Clone()
				resp, err := rt.RoundTrip(req)
				if err == nil {
					resp.Body.Close()
				}
				if req.Body != before.Body || req.Context() != ctx || req.URL != before.URL || req.URL.String() != url ||
					req.Method != before.Method || req.ContentLength != before.ContentLength {
					t.Errorf("request changed: body %v ctx %v URL %v method %q length %d; want %v %v %v %q %d",
						req.Body, req.Context(), req.URL, req.Method, req.ContentLength, before.Body, ctx, url, before.Method, before.ContentLength)
				}
				delete(req.Header, "X-Seen-By-Base") // base's doing, on a shallow copy
				if fmt.Sprint(req.Header) != fmt.Sprint(header) {
					t.Errorf("header = %v; want %v", req.Header, header)
				}
				if c := body.closes.Load(); c < 1 {
					t.Errorf("the caller's body closed %d times; want at least 1 (RoundTripper contract)", c)
				}
			})
		})
	}
}

// A context that ends during a wait ends RoundTrip at once, with ctx's
// error; the failed response held for the retry is closed.
func TestTransportCancelDuringBackoff(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"Retry-After", []step{{code: 503, body: "busy", header: []string{"Retry-After", "30"}}}},
		{"transport error", []step{{err: errReset}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent []string
				base := scripted(tt.steps, &sent)
				rt, err := httpretry.Transport(base, retry.Backoff(retry.Constant(time.Minute)))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				time.AfterFunc(time.Second, cancel)
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
				start := time.Now()
				resp, err := rt.RoundTrip(req)
				if got := time.Since(start); got != time.Second {
					t.Errorf("RoundTrip took %v; want 1s (the cancel)", got)
				}
				if resp != nil || !errors.Is(err, context.Canceled) {
					t.Errorf("RoundTrip = %v, %v; want nil and context.Canceled", resp, err)
				}
				if o, c := base.opened.Load(), base.closed.Load(); o != c {
					t.Errorf("bodies opened %d, closed %d; want all closed", o, c)
				}
			})
		})
	}
}

// A context done before the first attempt: no attempt, the body is
// closed all the same.
func TestTransportContextDoneFirst(t *testing.T) {
	var sent []string
	base := scripted([]step{{code: 200}}, &sent)
	rt, _ := httpretry.Transport(base)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	body := &closeCount{Reader: strings.NewReader("x")}
	req, _ := http.NewRequestWithContext(ctx, "PUT", "http://example.test/", body)
	resp, err := rt.RoundTrip(req)
	if resp != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip = %v, %v; want nil and context.Canceled", resp, err)
	}
	if n, c := base.calls.Load(), body.closes.Load(); n != 0 || c != 1 {
		t.Errorf("base called %d times, body closed %d; want 0 and 1", n, c)
	}
}

// With AttemptTimeout, the body of the response returned is read after
// the attempt: it must not be cut off by the attempt's context. An attempt
// that runs out of time is retried.
func TestTransportAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 { // hangs until its context ends
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
			code := 200
			if n == 2 {
				code = 503
			}
			ctx := req.Context()
			return &http.Response{StatusCode: code, Status: fmt.Sprint(code), Header: http.Header{},
				Body: io.NopCloser(ctxReader{ctx, strings.NewReader(fmt.Sprint("attempt ", n))})}, nil
		}}
		for _, tt := range []struct {
			attempts int
			want     string
		}{{3, "200 attempt 3"}, {2, "503 attempt 2"}} {
			base.calls.Store(0)
			rt, err := httpretry.Transport(base, retry.AttemptTimeout(time.Second), retry.MaxAttempts(tt.attempts), retry.Backoff(retry.Constant(0)))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.test/", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			time.Sleep(time.Minute) // long after every attempt's limit
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != tt.want || err != nil {
				t.Errorf("%d attempts: response %q, read error %v; want %q, nil", tt.attempts, got, err, tt.want)
			}
		}
	})
}

// ctxReader fails once ctx has ended, as a net/http response body does.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func TestTransportBadInput(t *testing.T) {
	tests := []struct {
		name string
		opts []retry.Option
		want string
	}{
		{"MaxAttempts(0)", []retry.Option{retry.MaxAttempts(0)}, "MaxAttempts(0)"},
		{"nil option", []retry.Option{nil}, "nil"},
		{"negative AttemptTimeout", []retry.Option{retry.AttemptTimeout(-1)}, "AttemptTimeout(-1ns)"},
	}
	for _, tt := range tests {
		rt, err := httpretry.Transport(nil, tt.opts...)
		if rt != nil || !errors.Is(err, httpretry.ErrInvalid) || !strings.Contains(fmt.Sprint(err), tt.want) {
			t.Errorf("%s: Transport = %v, %v; want nil and an ErrInvalid naming %q", tt.name, rt, err, tt.want)
		}
	}
	rt, _ := httpretry.Transport(nil)
	if resp, err := rt.RoundTrip(nil); resp != nil || !errors.Is(err, httpretry.ErrInvalid) {
		t.Errorf("RoundTrip(nil) = %v, %v; want nil and ErrInvalid", resp, err)
	}
}

// End to end, through an http.Client and the default transport (a nil
// base), against a server on 127.0.0.1: a 503, a connection closed
// mid-request, then the answer; and a POST whose body is sent again.
func TestTransportClient(t *testing.T) {
	var hits atomic.Int32
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		switch hits.Add(1) {
		case 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 2:
			c, _, _ := http.NewResponseController(w).Hijack()
			c.Close()
		default:
			io.WriteString(w, "hello "+string(b))
		}
	}))
	defer srv.Close()
	rt, err := httpretry.Transport(nil, retry.Backoff(retry.Constant(time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: rt}
	defer client.CloseIdleConnections() // through rt, to http.DefaultTransport
	for _, tt := range []struct {
		method, body, want string
		wantBodies         []string
	}{
		{"GET", "", "200 hello ", []string{"", "", ""}},
		{"PUT", "doc", "200 hello doc", []string{"doc", "doc", "doc"}},
	} {
		hits.Store(0)
		bodies = nil
		req, _ := http.NewRequest(tt.method, srv.URL, strings.NewReader(tt.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.method, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != tt.want || !slices.Equal(bodies, tt.wantBodies) {
			t.Errorf("%s: response %q, server read %q; want %q, %q", tt.method, got, bodies, tt.want, tt.wantBodies)
		}
	}
	// Exhausted: the client sees the server's last answer, not an error.
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, fmt.Sprint("busy ", hits.Add(1)), http.StatusServiceUnavailable)
	})
	hits.Store(0)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != "503 busy 3\n" {
		t.Errorf("exhausted: response %q; want %q", got, "503 busy 3\n")
	}
}

// A refused connection, every time: the client's error is the
// transport's, inside retry's and net/url's.
func TestTransportClientRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rt, _ := httpretry.Transport(&http.Transport{}, retry.Backoff(retry.Constant(0)), retry.MaxAttempts(2))
	_, err = (&http.Client{Transport: rt}).Get("http://" + addr + "/")
	var re *retry.Error
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, retry.ErrAttempts) || !errors.As(err, &re) || re.Attempts != 2 {
		t.Errorf("err = %v; want ECONNREFUSED and ErrAttempts after 2 attempts", err)
	}
}

// On a runtime, the round trips, the wait between them and the drain of
// the failed response are await points, as Do's are: the task gives its
// slot back for each.
func TestTransportAwaitPoints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent []string
		rt, err := httpretry.Transport(scripted([]step{{code: 503, body: "busy"}, {code: 200, body: "ok"}}, &sent))
		if err != nil {
			t.Fatal(err)
		}
		var s slottest.Counter
		tk, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}, task.WithSlot(&s))
		job.Run()
		if code, err := tk.Await(t.Context()); code != 200 || err != nil {
			t.Fatalf("Await = %d, %v; want 200, nil", code, err)
		}
		if r, a := s.Released.Load(), s.Acquired.Load(); r != 4 || a != 4 {
			t.Errorf("slot released %d, acquired %d times; want 4, 4 (two round trips, one wait, one drain)", r, a)
		}
	})
}
