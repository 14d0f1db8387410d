package httpretry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// TestAudit5PartialBodyNotReplayed: a request whose body an attempt read
// some of, and that has no GetBody, is not sent again: the next attempt
// would send what is left of a reader shared by the attempts as if it
// were the whole body. Do used to send the rest and report success when
// the server took it (a truncated upload); it caught only a reader read
// up to its end.
func TestAudit5PartialBodyNotReplayed(t *testing.T) {
	const size = 8000
	payload := bytes.Repeat([]byte("x"), size)
	type maker func() func(ctx context.Context) (*http.Request, error)
	shared := func(wrap func(io.Reader) io.Reader) maker {
		return func() func(context.Context) (*http.Request, error) {
			rd := bytes.NewReader(payload)
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/blob", wrap(rd))
			}
		}
	}
	opaque := func(r io.Reader) io.Reader { return io.NopCloser(r) } // http.NewRequest sets no GetBody
	tests := []struct {
		name      string
		newReq    maker
		firstRead int  // bytes the first attempt's transport reads before it fails
		dialFails bool // the first attempt fails before it sends anything
		wantOK    bool
		wantCalls int32
	}{
		{"shared reader, part read", shared(opaque), size / 4, false, false, 1},
		{"shared reader, all read", shared(opaque), size, false, false, 1},
		{"fresh opaque body each time, part read", func() func(context.Context) (*http.Request, error) {
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/blob", opaque(bytes.NewReader(payload)))
			}
		}, size / 4, false, false, 1},
		{"shared reader, nothing read yet", shared(opaque), 0, true, true, 2},
		{"bytes.Reader made in newReq (GetBody)", func() func(context.Context) (*http.Request, error) {
			return func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "PUT", "http://example.test/blob", bytes.NewReader(payload))
			}
		}, size / 4, false, true, 2},
		{"opaque body with GetBody set", func() func(context.Context) (*http.Request, error) {
			return func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, "PUT", "http://example.test/blob", opaque(bytes.NewReader(payload)))
				if err == nil {
					req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }
				}
				return req, err
			}
		}, size / 4, false, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got []int // body sizes the "server" took whole requests of
				tr := &transport{script: func(n int, req *http.Request) (*http.Response, error) {
					if n == 1 {
						if tt.dialFails {
							return nil, errRefused
						}
						_, _ = io.CopyN(io.Discard, req.Body, int64(tt.firstRead))
						return text(503, "busy"), nil
					}
					b, err := io.ReadAll(req.Body)
					if err != nil {
						return nil, err
					}
					got = append(got, len(b))
					return text(200, "ok"), nil
				}}
				resp, err := httpretry.Do(t.Context(), &http.Client{Transport: tr}, tt.newReq(),
					retry.Backoff(retry.Constant(time.Millisecond)))
				for _, g := range got {
					if g != size {
						t.Errorf("a request was sent with %d of the %d body bytes", g, size)
					}
				}
				if calls := tr.calls.Load(); calls != tt.wantCalls {
					t.Errorf("%d requests; want %d", calls, tt.wantCalls)
				}
				if tt.wantOK {
					if err != nil || resp == nil {
						t.Errorf("Do = %v; want success", err)
					}
					return
				}
				var re *retry.Error
				var se *httpretry.StatusError
				if !errors.As(err, &re) || re.Attempts != 1 || re.Cause != retry.ErrPermanent ||
					!errors.Is(err, httpretry.ErrNoGetBody) || !errors.As(err, &se) || se.Code != 503 {
					t.Fatalf("Do = %v; want a permanent give-up after 1 attempt matching ErrNoGetBody and the 503", err)
				}
				want := "retry: permanent error after 1 attempt: httpretry: PUT http://example.test/blob: 503 Service Unavailable: " +
					"not repeated: its body was sent, and it has no GetBody to make the body again (set GetBody, or give http.NewRequest " +
					"a *bytes.Buffer, *bytes.Reader or *strings.Reader, for which it sets GetBody: net/http sends a body again only through GetBody)"
				if err.Error() != want {
					t.Errorf("err = %q;\nwant %q", err, want)
				}
			})
		})
	}
}

var errRefused = errors.New("dial tcp: connection refused")

// TestAudit5PartialBodyRealServer is the auditor's case against a real
// server: an 8 MiB PUT from a reader shared by the attempts, a first
// response 503 sent before the server read the body. No truncated body
// may be taken as a success.
func TestAudit5PartialBodyRealServer(t *testing.T) {
	const size = 8 << 20
	payload := bytes.Repeat([]byte("x"), size)
	var (
		mu   sync.Mutex
		hits int
		got  []int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, len(b))
		mu.Unlock()
	}))
	defer srv.Close()
	rd := bytes.NewReader(payload)
	resp, err := httpretry.Do(context.Background(), srv.Client(), func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "PUT", srv.URL, io.NopCloser(rd))
	}, retry.Backoff(retry.Constant(10*time.Millisecond)))
	if resp != nil {
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	for _, g := range got {
		if g != size && g != 0 {
			t.Errorf("the server took a truncated body: %d of %d bytes (Do = %v)", g, size, err)
		}
	}
	if err == nil || !errors.Is(err, httpretry.ErrNoGetBody) {
		t.Errorf("Do = %v after %d requests; want an error matching ErrNoGetBody", err, hits)
	}
}

// TestAudit5StatusErrorNamesRequest: a StatusError from Do names the
// request's method and URL and keeps the response's header. It used to
// read "httpretry: 500 Internal Server Error", naming no request.
func TestAudit5StatusErrorNamesRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/y", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "r-42")
		http.Error(w, `{"error":"db down"}`, http.StatusInternalServerError)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/y", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		name, method, url string
		wantURL           string // of the request that got the 500
		attempts          int
		cause             error
	}{
		{"GET", "GET", srv.URL + "/y", srv.URL + "/y", 4, retry.ErrAttempts},
		{"empty method", "", srv.URL + "/y", srv.URL + "/y", 4, retry.ErrAttempts},
		{"after a redirect", "GET", srv.URL + "/moved", srv.URL + "/y", 4, retry.ErrAttempts},
		{"password redacted", "GET", strings.Replace(srv.URL, "http://", "http://u:secret@", 1) + "/y",
			strings.Replace(srv.URL, "http://", "http://u:xxxxx@", 1) + "/y", 4, retry.ErrAttempts},
		{"not repeated", "POST", srv.URL + "/y", srv.URL + "/y", 1, retry.ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpretry.Do(context.Background(), srv.Client(), func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, tt.method, tt.url, nil)
			}, retry.MaxAttempts(4), retry.Backoff(retry.Constant(0)))
			var se *httpretry.StatusError
			var re *retry.Error
			if !errors.As(err, &se) || !errors.As(err, &re) || re.Attempts != tt.attempts || re.Cause != tt.cause {
				t.Fatalf("Do = %v; want a *StatusError inside a *retry.Error after %d attempts", err, tt.attempts)
			}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			if se.Code != 500 || se.Method != method || se.URL != tt.wantURL || se.Header.Get("X-Request-Id") != "r-42" {
				t.Errorf("StatusError = {Code %d, Method %q, URL %q, X-Request-Id %q}; want {500, %q, %q, r-42}",
					se.Code, se.Method, se.URL, se.Header.Get("X-Request-Id"), method, tt.wantURL)
			}
			want := "httpretry: " + method + " " + tt.wantURL + ": 500 Internal Server Error"
			if se.Error() != want || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %q; want it to contain %q", err, want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("err = %q shows the URL's password", err)
			}
		})
	}
	t.Run("Check", func(t *testing.T) {
		resp, err := srv.Client().Get(srv.URL + "/y")
		err = httpretry.Check(resp, err, time.Minute)
		httpretry.Drain(resp)
		var se *httpretry.StatusError
		if !errors.As(err, &se) || se.Method != "" || se.URL != "" || se.Header.Get("X-Request-Id") != "r-42" {
			t.Fatalf("Check = %#v; want a *StatusError with the header and no request", err)
		}
		if got, want := err.Error(), "httpretry: 500 Internal Server Error"; got != want {
			t.Errorf("Check = %q; want %q", got, want)
		}
	})
}
