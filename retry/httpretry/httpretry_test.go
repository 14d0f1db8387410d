package httpretry_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		give   string
		want   time.Duration
		wantOK bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"007", 7 * time.Second, true},
		{" 5\t", 5 * time.Second, true},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", math.MaxInt64, true},
		{"99999999999999999999999999", math.MaxInt64, true},
		{epoch.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{epoch.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second, true},
		{epoch.Add(90 * time.Second).Format(time.ANSIC), 90 * time.Second, true},
		{epoch.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{epoch.Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"   ", 0, false},
		{"-1", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"12 34", 0, false},
		{"soon", 0, false},
		{"Fri, 31 Dec 1999 23:59:59", 0, false},
	}
	for _, tt := range tests {
		d, ok := httpretry.ParseRetryAfter(tt.give, epoch)
		if d != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.give, d, ok, tt.want, tt.wantOK)
		}
	}
}

// outcome runs one Check result through retry.Do (two attempts, no
// back-off) and reports how many attempts ran and the delay asked for.
func outcome(t *testing.T, check error) (attempts int, delay time.Duration, err error) {
	t.Helper()
	delay = -1
	_, err = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
		attempts = attempt
		return 0, check
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(0)), retry.MaxAfter(time.Hour),
		retry.OnRetry(func(_ int, _ error, d time.Duration) { delay = d }))
	return attempts, delay, err
}

func response(code int, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Header: h, Body: http.NoBody}
}

func TestCheck(t *testing.T) {
	const (
		success = iota
		retried
		permanent
	)
	netErr := &url.Error{Op: "Get", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	certErr := &url.Error{Op: "Get", URL: "https://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}
	tests := []struct {
		name  string
		resp  *http.Response
		err   error
		max   time.Duration
		want  int
		delay time.Duration // -1: the back-off's (Constant(0) here) with no Retry-After
	}{
		{"200", response(200), nil, time.Minute, success, -1},
		{"204", response(204), nil, time.Minute, success, -1},
		{"304", response(304), nil, time.Minute, success, -1},
		{"connection refused", nil, netErr, time.Minute, retried, 0},
		{"certificate", nil, certErr, time.Minute, permanent, -1},
		{"hostname", nil, &url.Error{Op: "Get", URL: "https://x", Err: x509.HostnameError{Host: "x"}}, time.Minute, permanent, -1},
		{"no such host", nil, &url.Error{Op: "Get", URL: "http://nx.invalid", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nx.invalid", IsNotFound: true}}}, time.Minute, permanent, -1},
		{"resolver timed out", nil, &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}}}, time.Minute, retried, 0},
		{"net/http's redirect stop", nil, &url.Error{Op: "Get", URL: "http://x", Err: errors.New("stopped after 10 redirects")}, time.Minute, permanent, -1},
		{"a redirect CheckRedirect refused", response(302), &url.Error{Op: "Get", URL: "http://y", Err: errors.New("off host")}, time.Minute, permanent, -1},
		{"408", response(408), nil, time.Minute, retried, 0},
		{"425", response(425), nil, time.Minute, retried, 0},
		{"429", response(429), nil, time.Minute, retried, 0},
		{"500", response(500), nil, time.Minute, retried, 0},
		{"502", response(502), nil, time.Minute, retried, 0},
		{"503", response(503), nil, time.Minute, retried, 0},
		{"504", response(504), nil, time.Minute, retried, 0},
		{"400", response(400), nil, time.Minute, permanent, -1},
		{"401", response(401), nil, time.Minute, permanent, -1},
		{"404", response(404), nil, time.Minute, permanent, -1},
		{"409", response(409), nil, time.Minute, permanent, -1},
		{"501", response(501), nil, time.Minute, permanent, -1},
		{"505", response(505), nil, time.Minute, permanent, -1},
		{"429 retry-after seconds", response(429, "Retry-After", "7"), nil, time.Minute, retried, 7 * time.Second},
		{"503 retry-after capped", response(503, "Retry-After", "3600"), nil, time.Minute, retried, time.Minute},
		{"503 retry-after ignored", response(503, "Retry-After", "7"), nil, 0, retried, 0},
		{"503 retry-after junk", response(503, "Retry-After", "later"), nil, time.Minute, retried, 0},
		{"503 retry-after date vs Date header", response(503,
			"Retry-After", epoch.Add(42*time.Second).Format(http.TimeFormat),
			"Date", epoch.Format(http.TimeFormat)), nil, time.Minute, retried, 42 * time.Second},
		{"404 retry-after", response(404, "Retry-After", "7"), nil, time.Minute, permanent, -1},
		{"nil response", nil, nil, time.Minute, permanent, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				check := httpretry.Check(tt.resp, tt.err, tt.max)
				attempts, delay, err := outcome(t, check)
				var got int
				switch {
				case check == nil:
					got = success
				case attempts == 2:
					got = retried
				default:
					got = permanent
				}
				if got != tt.want || (tt.want == retried && delay != tt.delay) {
					t.Errorf("Check: %v (attempts %d, delay %v); want kind %d, delay %v", check, attempts, delay, tt.want, tt.delay)
				}
				if tt.want == success {
					return
				}
				var re *retry.Error
				if !errors.As(err, &re) {
					t.Fatalf("err = %v; want *retry.Error", err)
				}
				if tt.resp != nil && tt.err == nil {
					var se *httpretry.StatusError
					if !errors.As(err, &se) || se.Code != tt.resp.StatusCode || re.Last != error(se) {
						t.Errorf("Last = %#v; want the *StatusError with code %d, unwrapped", re.Last, tt.resp.StatusCode)
					}
				} else if tt.err != nil && re.Last != tt.err {
					t.Errorf("Last = %v; want the transport error itself", re.Last)
				}
			})
		})
	}
}

func TestStatusError(t *testing.T) {
	for _, tt := range []struct {
		give *httpretry.StatusError
		want string
	}{
		{&httpretry.StatusError{Code: 503, Status: "503 Service Unavailable"}, "httpretry: 503 Service Unavailable"},
		{&httpretry.StatusError{Code: 599}, "httpretry: status 599"},
	} {
		if got := tt.give.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}

// transport answers from a script, in memory, so Do can run in a synctest
// bubble. It counts bodies handed out and closed.
type transport struct {
	script         func(n int, req *http.Request) (*http.Response, error)
	calls          atomic.Int32
	opened, closed atomic.Int32
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := int(tr.calls.Add(1))
	resp, err := tr.script(n, req)
	if resp != nil {
		tr.opened.Add(1)
		resp.Body = &body{Reader: resp.Body, closed: &tr.closed}
		resp.Request = req
	}
	return resp, err
}

type body struct {
	io.Reader
	closed *atomic.Int32
	done   bool
}

func (b *body) Close() error {
	if !b.done {
		b.done = true
		b.closed.Add(1)
	}
	return nil
}

func text(code int, s string, header ...string) *http.Response {
	r := response(code, header...)
	r.Body = io.NopCloser(strings.NewReader(s))
	return r
}

func get(url string) func(ctx context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
}

func TestDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			switch n {
			case 1:
				return text(503, "busy", "Retry-After", "2"), nil
			case 2:
				return nil, errors.New("connection reset by peer")
			}
			return text(200, "hello"), nil
		}}
		start := time.Now()
		var delays []time.Duration
		resp, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, get("http://example.test/"),
			retry.OnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "hello" || resp.ContentLength != 5 || resp.StatusCode != 200 {
			t.Errorf("resp = %d %q (length %d); want 200 hello (5)", resp.StatusCode, b, resp.ContentLength)
		}
		if want := []time.Duration{2 * time.Second, 200 * time.Millisecond}; fmt.Sprint(delays) != fmt.Sprint(want) {
			t.Errorf("delays = %v; want %v (Retry-After, then the back-off's second step)", delays, want)
		}
		if got := time.Since(start); got != 2200*time.Millisecond {
			t.Errorf("Do took %v; want 2.2s", got)
		}
		if o, c := tr.opened.Load(), tr.closed.Load(); o != 2 || c != 2 {
			t.Errorf("bodies opened %d, closed %d; want 2, 2", o, c)
		}
	})
}

func TestDoPermanent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			return text(404, "not here"), nil
		}}
		resp, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, get("http://example.test/"))
		var se *httpretry.StatusError
		var re *retry.Error
		if resp != nil || !errors.As(err, &re) || re.Cause != retry.ErrPermanent || !errors.As(err, &se) || se.Code != 404 {
			t.Errorf("Do = %v, %v; want nil and a permanent 404", resp, err)
		}
		if c := tr.calls.Load(); c != 1 {
			t.Errorf("%d requests; want 1", c)
		}
		if o, c := tr.opened.Load(), tr.closed.Load(); o != c {
			t.Errorf("bodies opened %d, closed %d", o, c)
		}
		if got, want := err.Error(), "retry: permanent error after 1 attempt: httpretry: GET http://example.test/: 404 Not Found"; got != want {
			t.Errorf("err = %q; want %q", got, want)
		}
	})
}

// errReader fails after giving part of a body.
type errReader struct{ left int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), r.left)
	for i := range n {
		p[i] = 'x'
	}
	r.left -= n
	return n, nil
}

func TestDoBodyCutRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			if n == 1 {
				r := response(200)
				r.Body = io.NopCloser(&errReader{left: 3})
				return r, nil
			}
			return text(200, "whole"), nil
		}}
		var seen error
		resp, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, get("http://example.test/"),
			retry.OnRetry(func(_ int, err error, _ time.Duration) { seen = err }))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "whole" || !errors.Is(seen, io.ErrUnexpectedEOF) {
			t.Errorf("body %q, first error %v; want whole after an unexpected EOF", b, seen)
		}
		if o, c := tr.opened.Load(), tr.closed.Load(); o != 2 || c != 2 {
			t.Errorf("bodies opened %d, closed %d; want 2, 2", o, c)
		}
	})
}

func TestDoAttemptTimeoutCoversBody(t *testing.T) {
	// The attempt's context ends when the attempt returns; the body was read
	// before that (failsafe-go#123 cancelled it too early).
	synctest.Test(t, func(t *testing.T) {
		tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			r := response(200)
			data := strings.NewReader("body")
			r.Body = io.NopCloser(readerFunc(func(p []byte) (int, error) {
				if err := req.Context().Err(); err != nil {
					return 0, err
				}
				return data.Read(p)
			}))
			return r, nil
		}}
		resp, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, get("http://example.test/"), retry.AttemptTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(resp.Body); string(b) != "body" || err != nil {
			t.Errorf("body = %q, %v; want body, nil", b, err)
		}
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestDoBadInput(t *testing.T) {
	if _, err := httpretry.Do(t.Context(), nil, nil); !errors.Is(err, httpretry.ErrInvalid) || !strings.Contains(err.Error(), "newReq must not be nil") {
		t.Errorf("Do(nil newReq) = %v; want an error", err)
	}
	calls := 0
	_, err := httpretry.Do(t.Context(), nil, func(ctx context.Context) (*http.Request, error) {
		calls++
		return http.NewRequestWithContext(ctx, "GET", "://bad", nil)
	})
	var re *retry.Error
	if calls != 1 || !errors.As(err, &re) || re.Cause != retry.ErrPermanent {
		t.Errorf("bad URL: %d calls, err = %v; want 1 call, permanent", calls, err)
	}
	_, err = httpretry.Do(t.Context(), nil, func(ctx context.Context) (*http.Request, error) { return nil, nil })
	if !errors.As(err, &re) || re.Cause != retry.ErrPermanent {
		t.Errorf("nil request: err = %v; want permanent", err)
	}
}

func TestDoRebindsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ctxs []context.Context
		tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
			ctxs = append(ctxs, req.Context())
			return text(200, ""), nil
		}}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		_, err := httpretry.Do(ctx, &http.Client{Transport: tr}, func(context.Context) (*http.Request, error) {
			return http.NewRequest("GET", "http://example.test/", nil) // forgets ctx
		})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if len(ctxs) != 1 || ctxs[0].Err() == nil {
			t.Errorf("request context not bound to Do's ctx")
		}
	})
}

// TestDoNetwork runs against a real server on 127.0.0.1: two 503s with a
// Retry-After (capped to 1 ms), then 200.
func TestDoNetwork(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // safety net only
	defer cancel()
	var delays []time.Duration
	resp, err := httpretry.Do(ctx, srv.Client(), get(srv.URL), retry.MaxAfter(time.Millisecond),
		retry.OnRetry(func(_ int, _ error, d time.Duration) { delays = append(delays, d) }))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hello" || hits.Load() != 3 || fmt.Sprint(delays) != "[1ms 1ms]" {
		t.Errorf("body %q after %d hits, delays %v; want hello after 3, [1ms 1ms]", b, hits.Load(), delays)
	}
}

func TestDoConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // safety net only
	defer cancel()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	_, err = httpretry.Do(ctx, client, get("http://"+addr+"/"), retry.Backoff(retry.Constant(time.Millisecond)))
	var re *retry.Error
	var ue *url.Error
	if !errors.As(err, &re) || re.Attempts != 3 || re.Cause != retry.ErrAttempts || !errors.As(err, &ue) {
		t.Errorf("err = %v; want 3 attempts, ErrAttempts, a *url.Error", err)
	}
}

func TestDrain(t *testing.T) {
	httpretry.Drain(nil)
	httpretry.Drain(&http.Response{})
	var closed atomic.Int32
	b := &body{Reader: strings.NewReader(strings.Repeat("x", 100<<10)), closed: &closed}
	httpretry.Drain(&http.Response{Body: b})
	if closed.Load() != 1 {
		t.Errorf("body not closed")
	}
	if rest, _ := io.ReadAll(b.Reader); len(rest) != 36<<10 {
		t.Errorf("%d bytes left; want %d (Drain reads at most 64 KiB)", len(rest), 36<<10)
	}
}
