package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/task"
)

// mutTransport answers every request in memory: 200 with a body of n
// bytes, where n is the number after "/n/" in the path (Content-Length n,
// or clen when clen is set), and records the URLs it was asked for. A
// request whose path is "/hold" waits until hold is closed or the request
// is cancelled.
type mutTransport struct {
	mu   sync.Mutex
	got  []string
	clen int64 // when >= 0: the Content-Length announced
	hold chan struct{}
}

func (tr *mutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.got = append(tr.got, req.URL.String())
	tr.mu.Unlock()
	if req.URL.Path == "/hold" {
		select {
		case <-tr.hold:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	var n int
	fmt.Sscanf(strings.TrimPrefix(req.URL.Path, "/n/"), "%d", &n)
	cl := int64(n)
	if tr.clen >= 0 {
		cl = tr.clen
	}
	return &http.Response{
		StatusCode:    200,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(strings.NewReader(strings.Repeat("x", n))),
		ContentLength: cl,
		Request:       req,
	}, nil
}

func (tr *mutTransport) requested(u string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Contains(tr.got, u)
}

// TestMutPortLimits: a port must be from 1 to 65535; the ends are
// fetched, the values just past them fail with ErrMalformed, unrequested.
func TestMutPortLimits(t *testing.T) {
	tests := []struct {
		url     string
		wantErr error
	}{
		{"http://h.example:0/n/1", fetch.ErrMalformed},
		{"http://h.example:1/n/1", nil},
		{"http://h.example:65535/n/1", nil},
		{"http://h.example:65536/n/1", fetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			tr := &mutTransport{clen: -1}
			var got []fetch.Result
			for r := range fetch.Run(context.Background(), slices.Values([]string{tt.url}), fetch.Client(&http.Client{Transport: tr}), fetch.Retries(0)) {
				got = append(got, r)
			}
			if len(got) != 1 {
				t.Fatalf("got %d results; want 1", len(got))
			}
			if tt.wantErr == nil && got[0].Err != nil {
				t.Errorf("got error %v; want success", got[0].Err)
			}
			if tt.wantErr != nil && !errors.Is(got[0].Err, tt.wantErr) {
				t.Errorf("got error %v; want %v", got[0].Err, tt.wantErr)
			}
			if gotReq, wantReq := tr.requested(tt.url), tt.wantErr == nil; gotReq != wantReq {
				t.Errorf("requested: got %v; want %v", gotReq, wantReq)
			}
		})
	}
}

// TestMutMaxBytesExact: MaxBytes(n) allows a body of exactly n bytes,
// whether its Content-Length announces it or not; one byte more fails
// with ErrTooLarge, unread when announced.
func TestMutMaxBytesExact(t *testing.T) {
	const limit = 100
	tests := []struct {
		name      string
		n         int
		announce  bool // Content-Length n, else unknown (-1)
		wantErr   error
		wantBytes int64
	}{
		{"exact announced", limit, true, nil, limit},
		{"exact unannounced", limit, false, nil, limit},
		{"one over announced", limit + 1, true, fetch.ErrTooLarge, 0},
		{"one over unannounced", limit + 1, false, fetch.ErrTooLarge, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &lenTransport{mutTransport: &mutTransport{clen: -1}, announce: tt.announce}
			u := fmt.Sprintf("http://h.example/n/%d", tt.n)
			var got []fetch.Result
			for r := range fetch.Run(context.Background(), slices.Values([]string{u}), fetch.Client(&http.Client{Transport: tr}), fetch.MaxBytes(limit), fetch.Retries(0)) {
				got = append(got, r)
			}
			if len(got) != 1 {
				t.Fatalf("got %d results; want 1", len(got))
			}
			r := got[0]
			if tt.wantErr == nil && r.Err != nil {
				t.Errorf("got error %v; want success", r.Err)
			}
			if tt.wantErr != nil && !errors.Is(r.Err, tt.wantErr) {
				t.Errorf("got error %v; want %v", r.Err, tt.wantErr)
			}
			if r.Bytes != tt.wantBytes {
				t.Errorf("got Bytes %d; want %d", r.Bytes, tt.wantBytes)
			}
		})
	}
}

// lenTransport announces the body's length as Content-Length, or, unless
// announce, leaves it unknown (-1).
type lenTransport struct {
	*mutTransport
	announce bool
}

func (tr *lenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.mutTransport.RoundTrip(req)
	if err == nil && !tr.announce {
		resp.ContentLength = -1
	}
	return resp, err
}

// TestMutOrderedWindowReadAhead: with Ordered, a URL that never ends holds
// the input: Run reads no more than 16 x Concurrency URLs (the window,
// the held one included, and the one that waits for a place). With one
// worker the held URL stops the queue sooner, so take 2 and 4.
func TestMutOrderedWindowReadAhead(t *testing.T) {
	for _, conc := range []int{2, 4} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &mutTransport{clen: -1, hold: make(chan struct{})}
				var read atomic.Int64
				urls := func(yield func(string) bool) {
					if !yield("http://h.example/hold") {
						return
					}
					for i := range 1000 {
						read.Add(1)
						if !yield(fmt.Sprintf("http://h.example/n/%d", i)) {
							return
						}
					}
				}
				done := make(chan int)
				go func() {
					n := 0
					for range fetch.Run(context.Background(), urls, fetch.Client(&http.Client{Transport: tr}), fetch.Concurrency(conc), fetch.Ordered()) {
						n++
					}
					done <- n
				}()
				synctest.Wait()
				// The window holds 16 x conc: the held URL and 16 x conc - 1
				// after it; one more is read and waits for a place.
				if got, limit := read.Load(), int64(16*conc); got > limit {
					t.Errorf("URLs read behind a held one: got %d; want at most %d", got, limit)
				}
				close(tr.hold)
				if got, want := <-done, 1001; got != want {
					t.Errorf("got %d results; want %d", got, want)
				}
			})
		})
	}
}

// panicTransport panics on a path of "/panic" and answers 200 otherwise.
type panicTransport struct{ mutTransport }

func (tr *panicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == "/panic" {
		panic("transport bug")
	}
	return tr.mutTransport.RoundTrip(req)
}

// TestMutPanicInFetchIsTheURLsError: a panic while fetching one URL (here
// in the client's transport) becomes that URL's error, a *task.PanicError
// with the value, and the run goes on: every URL is still reported once.
func TestMutPanicInFetchIsTheURLsError(t *testing.T) {
	urls := []string{"http://h.example/n/1", "http://h.example/panic", "http://h.example/n/2", "http://h.example/n/3"}
	tr := &panicTransport{mutTransport{clen: -1}}
	got := map[string]fetch.Result{}
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("got panic %v out of Run; want it as the URL's error", v)
			}
		}()
		for r := range fetch.Run(context.Background(), slices.Values(urls), fetch.Client(&http.Client{Transport: tr}), fetch.Concurrency(1), fetch.Retries(0)) {
			if _, dup := got[r.URL]; dup {
				t.Errorf("got %s twice", r.URL)
			}
			got[r.URL] = r
		}
	}()
	for _, u := range urls {
		r, ok := got[u]
		if !ok {
			t.Errorf("got no result for %s; want one", u)
			continue
		}
		pe, isPanic := errors.AsType[*task.PanicError](r.Err)
		if wantPanic := strings.HasSuffix(u, "/panic"); isPanic != wantPanic {
			t.Errorf("%s: got error %v; want a *task.PanicError: %v", u, r.Err, wantPanic)
		} else if isPanic && pe.Value != "transport bug" {
			t.Errorf("%s: got panic value %v; want %q", u, pe.Value, "transport bug")
		}
		if !strings.HasSuffix(u, "/panic") && r.Err != nil {
			t.Errorf("%s: got error %v; want none", u, r.Err)
		}
	}
}

// TestMutFileNameExtLimit: the name keeps the path's extension when it is
// short, 1 to 8 letters or digits after the dot; a longer one stays in the
// stem, and the name ends with the hash.
func TestMutFileNameExtLimit(t *testing.T) {
	tests := []struct {
		url     string
		wantExt string // "" for none
	}{
		{"http://h.example/a.b", ".b"},
		{"http://h.example/a.abcdefgh", ".abcdefgh"},
		{"http://h.example/a.abcdefghi", ""},
		{"http://h.example/a.", ""},
	}
	for _, tt := range tests {
		name := fetch.FileName(tt.url)
		i := strings.LastIndexByte(name, '_') // the hash follows the last '_'
		hashExt, ok := name[i+1:], i >= 0
		const hexLen = 24
		if !ok || len(hashExt) < hexLen {
			t.Errorf("FileName(%q) = %q; want a stem, '_', 24 hex digits and the extension", tt.url, name)
			continue
		}
		if got := hashExt[hexLen:]; got != tt.wantExt {
			t.Errorf("FileName(%q) = %q: got extension %q; want %q", tt.url, name, got, tt.wantExt)
		}
	}
}
