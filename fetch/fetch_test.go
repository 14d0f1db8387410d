package fetch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/task"
)

// server is a test server whose paths behave as their names say:
//
//	/ok/N        200 with N bytes
//	/sleep/MS    200 after MS milliseconds
//	/status/C    status C, always
//	/flaky/K     503 (Retry-After: 0) K times per path and query, then 200
//	/limited     429 with Retry-After: 3600 once per path and query, then 200
//	/stall       never answers (until the request is cancelled)
//	/gate        answers once the test closes s.gate
//	/cut         promises 1000 bytes, sends 10, drops the connection
//
// and which counts requests, and requests in flight at once.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	hits     map[string]int
	inflight int
	highest  int
	arrived  chan string   // each request's path, when set
	gate     chan struct{} // /gate answers once it is closed
}

func newServer(t *testing.T) *server {
	s := &server{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.RequestURI()]++
	n := s.hits[r.URL.RequestURI()]
	s.inflight++
	s.highest = max(s.highest, s.inflight)
	arrived := s.arrived
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()
	if arrived != nil {
		arrived <- r.URL.Path
	}
	kind, arg, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	num, _ := strconv.Atoi(arg)
	switch kind {
	case "ok":
		w.Write([]byte(strings.Repeat("x", num)))
	case "sleep":
		select {
		case <-time.After(time.Duration(num) * time.Millisecond):
		case <-r.Context().Done():
		}
		w.Write([]byte("slept"))
	case "status":
		w.WriteHeader(num)
	case "flaky":
		if n <= num {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("finally"))
	case "limited":
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("let in"))
	case "stall":
		<-r.Context().Done()
	case "gate":
		select {
		case <-s.gate:
		case <-r.Context().Done():
		}
	case "cut":
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	default:
		http.NotFound(w, r)
	}
}

// hitsOf counts the requests for path (with its query).
func (s *server) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// fast are options that keep real waits between attempts to milliseconds.
func fast(extra ...fetch.Option) []fetch.Option {
	return append([]fetch.Option{
		fetch.Retry(retry.Backoff(retry.Constant(time.Millisecond))),
		fetch.Timeout(10 * time.Second), // generous: only stalls should reach it
	}, extra...)
}

// collect runs fetch and returns its results by URL, failing t if a URL
// is reported twice.
func collect(t *testing.T, ctx context.Context, urls []string, opts ...fetch.Option) ([]fetch.Result, map[string]fetch.Result) {
	t.Helper()
	var all []fetch.Result
	byURL := map[string]fetch.Result{}
	for r := range fetch.Run(ctx, slices.Values(urls), opts...) {
		all = append(all, r)
		if !errors.Is(r.Err, fetch.ErrDuplicate) {
			byURL[r.URL] = r
		}
	}
	if len(all) != len(urls) {
		t.Errorf("got %d results; want one for each of %d URLs", len(all), len(urls))
	}
	seen := map[int]bool{}
	for _, r := range all {
		if seen[r.Index] || r.Index < 0 || r.Index >= len(urls) || strings.TrimSpace(urls[r.Index]) != r.URL {
			t.Errorf("result %+v: bad or repeated index", r)
		}
		seen[r.Index] = true
	}
	return all, byURL
}

func TestOutcomes(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		path     string
		status   int
		bytes    int64
		attempts int
		err      error // errors.Is; nil for success
		errAs    any   // errors.As target type, when set
	}{
		{"/ok/1000", 200, 1000, 1, nil, nil},
		{"/ok/0", 200, 0, 1, nil, nil},
		{"/flaky/2", 200, 7, 3, nil, nil},
		{"/status/404", 404, 0, 1, nil, new(*httpretry.StatusError)},
		{"/status/500", 500, 0, 3, retry.ErrAttempts, new(*httpretry.StatusError)},
		{"/flaky/5", 503, 0, 3, retry.ErrAttempts, new(*httpretry.StatusError)},
		{"/cut", 200, 10, 3, io.ErrUnexpectedEOF, nil},
	}
	urls := make([]string, len(tests))
	for i, tt := range tests {
		urls[i] = s.URL + tt.path
	}
	// A generous time limit: only a URL that stalls should ever reach it.
	_, got := collect(t, context.Background(), urls, fast(fetch.Concurrency(3), fetch.Retries(2), fetch.Timeout(10*time.Second))...)
	for _, tt := range tests {
		r := got[s.URL+tt.path]
		if r.Status != tt.status || r.Bytes != tt.bytes || r.Attempts != tt.attempts {
			t.Errorf("%s: got status %d, %d bytes, %d attempts; want %d, %d, %d",
				tt.path, r.Status, r.Bytes, r.Attempts, tt.status, tt.bytes, tt.attempts)
		}
		switch {
		case tt.err == nil && tt.errAs == nil:
			if r.Err != nil {
				t.Errorf("%s: got error %v; want nil", tt.path, r.Err)
			}
		case tt.err != nil && !errors.Is(r.Err, tt.err):
			t.Errorf("%s: got error %v; want one matching %v", tt.path, r.Err, tt.err)
		case tt.errAs != nil && !errors.As(r.Err, tt.errAs):
			t.Errorf("%s: got error %v (%T); want a %T inside", tt.path, r.Err, r.Err, tt.errAs)
		}
		if hits := s.hitsOf(tt.path); hits != tt.attempts {
			t.Errorf("%s: server saw %d requests; want %d", tt.path, hits, tt.attempts)
		}
	}
	// A permanent failure reads as the status alone.
	if got, want := fmt.Sprint(got[s.URL+"/status/404"].Err), "httpretry: 404 Not Found"; got != want {
		t.Errorf("got error %q; want %q", got, want)
	}
}

// TestStall: a server that never answers costs each attempt its time
// limit, and the URL fails with context.DeadlineExceeded after them all.
func TestStall(t *testing.T) {
	s := newServer(t)
	// 100 ms, not less: on a loaded machine an attempt of 20 ms timed out
	// before its request reached the server (1 run in 40 under load).
	_, got := collect(t, context.Background(), []string{s.URL + "/stall"}, fast(fetch.Retries(2), fetch.Timeout(100*time.Millisecond))...)
	r := got[s.URL+"/stall"]
	if r.Status != 0 || r.Attempts != 3 || !errors.Is(r.Err, context.DeadlineExceeded) || !errors.Is(r.Err, retry.ErrAttempts) {
		t.Errorf("got status %d, %d attempts, error %v; want 0, 3, deadline exceeded after all attempts", r.Status, r.Attempts, r.Err)
	}
	// Each attempt is a new request, unless its time ran out before the
	// request reached the server (a loaded machine): 3 at most, 1 at least.
	if hits := s.hitsOf("/stall"); hits < 1 || hits > 3 {
		t.Errorf("server saw %d requests; want 1 to 3, one per attempt", hits)
	}
}

func TestBadInput(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		url string
		err error
	}{
		{s.URL + "/ok/1", nil},
		{"", fetch.ErrMalformed},
		{"http://[::1", fetch.ErrMalformed},
		{"example.com/page", fetch.ErrMalformed},
		{"http://", fetch.ErrMalformed},
		{"ftp://example.com/file", fetch.ErrScheme},
		{"file:///etc/passwd", fetch.ErrScheme},
		{s.URL + "/ok/2", nil},
		{s.URL + "/ok/1", fetch.ErrDuplicate},
		{"  " + s.URL + "/ok/3  ", nil},
	}
	urls := make([]string, len(tests))
	for i, tt := range tests {
		urls[i] = tt.url
	}
	all, _ := collect(t, context.Background(), urls, fast()...)
	for _, r := range all {
		tt := tests[r.Index]
		if tt.err == nil && r.Err != nil || !errors.Is(r.Err, tt.err) {
			t.Errorf("%q: got error %v; want %v", tt.url, r.Err, tt.err)
		}
		if tt.err != nil && r.Attempts != 0 {
			t.Errorf("%q: got %d attempts; want 0 for rejected input", tt.url, r.Attempts)
		}
	}
	if got := s.hitsOf("/ok/1"); got != 1 {
		t.Errorf("duplicate URL fetched %d times; want 1", got)
	}
}

func TestEmptyInput(t *testing.T) {
	n := 0
	for range fetch.Run(context.Background(), slices.Values([]string(nil))) {
		n++
	}
	if n != 0 {
		t.Errorf("got %d results; want 0", n)
	}
}

// TestConcurrencyBound holds each request until N are in flight, so the
// server must see exactly N at once: never more, and the limit is reached.
func TestConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3, 10} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			var (
				mu       sync.Mutex
				inflight int
				highest  int
				full     = make(chan struct{})
				once     sync.Once
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				inflight++
				highest = max(highest, inflight)
				if inflight == n {
					once.Do(func() { close(full) })
				}
				mu.Unlock()
				select {
				case <-full:
				case <-r.Context().Done():
				}
				mu.Lock()
				inflight--
				mu.Unlock()
			}))
			defer srv.Close()
			urls := make([]string, 5*n)
			for i := range urls {
				urls[i] = fmt.Sprintf("%s/%d", srv.URL, i)
			}
			// A generous timeout: a safety net against a hang, not a timing assertion.
			all, _ := collect(t, context.Background(), urls, fetch.Concurrency(n), fetch.Timeout(10*time.Second), fetch.Retries(0))
			for _, r := range all {
				if r.Err != nil {
					t.Errorf("%s: %v", r.URL, r.Err)
				}
			}
			if highest != n {
				t.Errorf("got %d requests in flight at most; want %d", highest, n)
			}
		})
	}
}

// TestConcurrencyWithRetries checks the bound holds while URLs retry.
func TestConcurrencyWithRetries(t *testing.T) {
	s := newServer(t)
	var urls []string
	for i := range 30 {
		urls = append(urls, fmt.Sprintf("%s/flaky/%d?%d", s.URL, i%3, i), fmt.Sprintf("%s/sleep/%d?%d", s.URL, i%4, i))
	}
	all, _ := collect(t, context.Background(), urls, fast(fetch.Concurrency(4), fetch.Retries(3))...)
	for _, r := range all {
		if r.Err != nil {
			t.Errorf("%s: %v", r.URL, r.Err)
		}
	}
	if s.highest > 4 {
		t.Errorf("server saw %d requests at once; want at most 4", s.highest)
	}
}

// TestRetryAfter: the server asks for an hour, the cap makes it 1 ms. The
// back-off alone would wait an hour, so finishing proves the header was
// read and capped; the deadline is a safety net, not a timing assertion.
func TestRetryAfter(t *testing.T) {
	s := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, got := collect(t, ctx, []string{s.URL + "/limited", s.URL + "/flaky/1"},
		fetch.Retry(retry.Backoff(retry.Constant(time.Hour))), fetch.MaxRetryAfter(time.Millisecond))
	for u, r := range got {
		if r.Err != nil || r.Attempts != 2 || r.Status != 200 {
			t.Errorf("%s: got %d attempts, status %d, error %v; want 2, 200, nil", u, r.Attempts, r.Status, r.Err)
		}
	}
}

func TestOrdered(t *testing.T) {
	s := newServer(t)
	var urls []string
	for i := range 40 {
		urls = append(urls, fmt.Sprintf("%s/sleep/%d?i=%d", s.URL, (40-i)%7, i))
	}
	urls = append(urls, "bad", urls[3]) // rejected ones keep their place too
	all, _ := collect(t, context.Background(), urls, fast(fetch.Concurrency(5), fetch.Ordered())...)
	for i, r := range all {
		if r.Index != i {
			t.Fatalf("result %d has index %d; want input order", i, r.Index)
		}
	}
}

// TestOrderedWindow: a stalled first URL must not let later results pile up
// without bound: Run stops starting URLs once 16 x Concurrency wait.
func TestOrderedWindow(t *testing.T) {
	s := newServer(t)
	s.arrived = make(chan string, 1000)
	urls := []string{s.URL + "/stall"}
	for i := range 200 {
		urls = append(urls, fmt.Sprintf("%s/ok/%d", s.URL, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var first []fetch.Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		for r := range fetch.Run(ctx, slices.Values(urls), fetch.Concurrency(2), fetch.Ordered(), fetch.Timeout(time.Hour)) {
			first = append(first, r)
		}
	}()
	// 1 stalled + 31 fetched fill the window of 32; then nothing new starts.
	for range 32 {
		<-s.arrived
	}
	cancel()
	<-done
	if len(first) != len(urls) {
		t.Fatalf("got %d results; want %d", len(first), len(urls))
	}
	fetched := 0
	for _, r := range first {
		if r.Err == nil {
			fetched++
		}
	}
	if fetched > 31 {
		t.Errorf("got %d URLs fetched behind a stalled one; want at most 31 (the window)", fetched)
	}
	if !errors.Is(first[0].Err, fetch.ErrCancelled) {
		t.Errorf("stalled URL: got %v; want ErrCancelled", first[0].Err)
	}
}

func TestDir(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	// An older copy of the URL that will fail must survive untouched.
	failing := s.URL + "/cut"
	os.WriteFile(filepath.Join(dir, fetch.FileName(failing)), []byte("old"), 0o644)
	urls := []string{s.URL + "/ok/300", s.URL + "/ok/5?x=1", failing, s.URL + "/status/404"}
	_, got := collect(t, context.Background(), urls, fast(fetch.Dir(dir))...)
	for _, u := range urls[:2] {
		r := got[u]
		want := filepath.Join(dir, fetch.FileName(u))
		b, err := os.ReadFile(want)
		if r.Err != nil || r.Path != want || err != nil || int64(len(b)) != r.Bytes {
			t.Errorf("%s: got %+v, file %d bytes, %v; want the body at %s", u, r, len(b), err, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, fetch.FileName(failing))); string(b) != "old" {
		t.Errorf("failed fetch changed the old file to %q; want it untouched", b)
	}
	if got[failing].Path != "" {
		t.Errorf("failed fetch: got path %q; want none", got[failing].Path)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("got %d files in dir; want 3 (two bodies and the old file)", len(entries))
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".spool-fetch-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestDirNotADirectory: a Dir that is not a directory when the loop
// starts fails every URL at once, before any request, with an error naming
// it (or, ctx done, as cancelled). Each URL used to be fetched, then to
// fail saving its body ("saving body: open ...").
func TestDirNotADirectory(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "no", "such")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		dir      string
		wantIs   error
		wantText string
	}{
		{"missing", context.Background(), missing, fs.ErrNotExist, "fetch: Dir " + missing + ": no such file or directory"},
		{"a file", context.Background(), file, syscall.ENOTDIR, "fetch: Dir " + file + ": not a directory"},
		{"missing, ctx done", done, missing, fetch.ErrCancelled, "fetch: cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			urls := []string{s.URL + "/ok/3", s.URL + "/ok/4", "nonsense", s.URL + "/ok/3"}
			all, _ := collect(t, tt.ctx, urls, fast(fetch.Dir(tt.dir))...)
			for _, r := range all {
				switch r.Index {
				case 2, 3: // malformed, duplicate: said so, as without Dir
					if errors.Is(r.Err, tt.wantIs) {
						t.Errorf("%q: got %v; want its own error, not Dir's", r.URL, r.Err)
					}
				default:
					if !errors.Is(r.Err, tt.wantIs) || r.Err.Error() != tt.wantText || r.Attempts != 0 || r.Path != "" {
						t.Errorf("%s: got %d attempts, path %q, error %v; want 0 attempts, no path, %q", r.URL, r.Attempts, r.Path, r.Err, tt.wantText)
					}
				}
			}
			if n := s.hitsOf("/ok/3") + s.hitsOf("/ok/4"); n != 0 {
				t.Errorf("server saw %d requests; want none", n)
			}
		})
	}
}

// TestCancel interrupts a run with requests in flight and URLs waiting:
// every URL is still reported once, the unfinished ones as cancelled, and
// no partial file is left.
func TestCancel(t *testing.T) {
	s := newServer(t)
	s.arrived = make(chan string, 100)
	dir := t.TempDir()
	urls := []string{s.URL + "/ok/10"}
	for i := range 20 {
		urls = append(urls, fmt.Sprintf("%s/stall?%d", s.URL, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The input is read to its end even after the cancel.
	seq := func(yield func(string) bool) {
		for _, u := range urls {
			if !yield(u) {
				return
			}
		}
	}
	var all []fetch.Result
	for r := range fetch.Run(ctx, seq, fetch.Concurrency(4), fetch.Dir(dir), fetch.Timeout(time.Hour)) {
		all = append(all, r)
		if r.Err == nil {
			// The first URL is done; wait until the 4 slots hold stalls.
			for range 4 {
				<-s.arrived
			}
			cancel()
		}
	}
	if len(all) != len(urls) {
		t.Fatalf("got %d results; want %d", len(all), len(urls))
	}
	for _, r := range all[1:] {
		if !errors.Is(r.Err, fetch.ErrCancelled) || !errors.Is(r.Err, context.Canceled) || r.Err.Error() != "fetch: cancelled" {
			t.Errorf("%s: got %v; want fetch: cancelled", r.URL, r.Err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("got %d files; want only the finished body", len(entries))
	}
}

// TestBreak stops early on an endless input: Run must stop reading it and
// end its goroutines (goleak checks) without yielding more.
func TestBreak(t *testing.T) {
	s := newServer(t)
	var read atomic.Int64
	endless := func(yield func(string) bool) {
		for i := 0; ; i++ {
			read.Add(1)
			if !yield(fmt.Sprintf("%s/ok/%d", s.URL, i)) {
				return
			}
		}
	}
	n := 0
	for range fetch.Run(context.Background(), endless, fetch.Concurrency(3)) {
		n++
		if n == 5 {
			break
		}
	}
	if n != 5 {
		t.Errorf("got %d results; want 5", n)
	}
	if r := read.Load(); r > 100 {
		t.Errorf("input read %d times; want it to stop soon after the break", r)
	}
}

// TestYieldPanics: a panic in the loop body unwinds through Run, which
// stops its goroutines first (goleak checks).
func TestYieldPanics(t *testing.T) {
	s := newServer(t)
	urls := []string{s.URL + "/ok/1", s.URL + "/stall", s.URL + "/stall?2"}
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("got panic %v; want boom", r)
		}
	}()
	for range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(3)) {
		panic("boom")
	}
}

// TestInputPanics: a panic in the input sequence reaches the caller as a
// *task.PanicError, after every URL read so far was reported.
func TestInputPanics(t *testing.T) {
	s := newServer(t)
	seq := func(yield func(string) bool) {
		yield(s.URL + "/ok/1")
		panic("bad input")
	}
	n := 0
	defer func() {
		pe, ok := recover().(*task.PanicError)
		if !ok || pe.Value != "bad input" || n != 1 {
			t.Errorf("got panic %v after %d results; want a *task.PanicError after 1", pe, n)
		}
	}()
	for range fetch.Run(context.Background(), seq) {
		n++
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		r    fetch.Result
		want string
	}{
		{fetch.Result{URL: "http://a/", Status: 200, Bytes: 5, Attempts: 1, Duration: 1500 * time.Microsecond},
			`{"url":"http://a/","status":200,"bytes":5,"attempts":1,"duration_ms":1.5,"error":null}`},
		{fetch.Result{URL: "x", Err: fetch.ErrMalformed},
			`{"url":"x","status":0,"bytes":0,"attempts":0,"duration_ms":0,"error":"fetch: malformed URL"}`},
		{fetch.Result{URL: "http://a/", Status: 200, Path: "out/a"},
			`{"url":"http://a/","status":200,"bytes":0,"attempts":0,"duration_ms":0,"error":null,"path":"out/a"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.r)
		if err != nil || string(b) != tt.want {
			t.Errorf("got %s, %v; want %s", b, err, tt.want)
		}
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ url, prefix, ext string }{
		{"http://example.com:8080/docs/a b.html?x=1", "example.com_8080_docs_a_b_", ".html"},
		{"https://example.com/", "example.com_", ""},
		{"https://example.com", "example.com_", ""},
		{"http://h/../../etc/passwd", "h_.._.._etc_passwd_", ""},
		{"http://h/.hidden", "h_", ".hidden"},
		{"http://h/archive.tar.gz", "h_archive.tar_", ".gz"},
		{"http://h/x.verylongextension", "h_x.verylongextension_", ""},
		{"http://h/%E2%9C%93/ok", "h_ok_", ""},
		{"http://h/" + strings.Repeat("a", 300), "h_" + strings.Repeat("a", 78) + "_", ""},
	}
	names := map[string]bool{}
	for _, tt := range tests {
		got := fetch.FileName(tt.url)
		if !strings.HasPrefix(got, tt.prefix) || !strings.HasSuffix(got, tt.ext) ||
			len(got) != len(tt.prefix)+24+len(tt.ext) {
			t.Errorf("FileName(%q) = %q; want %s<24 hex>%s", tt.url, got, tt.prefix, tt.ext)
		}
		if strings.ContainsAny(got, "/\\") || strings.HasPrefix(got, ".") {
			t.Errorf("FileName(%q) = %q; want no separator and no leading dot", tt.url, got)
		}
		names[got] = true
	}
	if a, b := fetch.FileName("http://h/p?x=1"), fetch.FileName("http://h/p?x=2"); a == b {
		t.Errorf("URLs differing by query share name %q; want different names", a)
	}
	if a, b := fetch.FileName("http://h/p"), fetch.FileName("http://h/p"); a != b {
		t.Errorf("got %q then %q for one URL; want a stable name", a, b)
	}
}

// TestOptionsPanic: Run, which has no error result, panics at once (not
// when ranged over) on a bad option value, naming the option and the
// value; the option itself only records it (they used to panic).
// Client(nil) used to be accepted, meaning Run's own client.
func TestOptionsPanic(t *testing.T) {
	tests := []struct {
		name string
		opt  func() fetch.Option
		want string
	}{
		{"Concurrency(0)", func() fetch.Option { return fetch.Concurrency(0) }, "fetch: Run: Concurrency must be positive (got 0)"},
		{"Timeout(0)", func() fetch.Option { return fetch.Timeout(0) }, "fetch: Run: Timeout must be positive (got 0s)"},
		{"Retries(-1)", func() fetch.Option { return fetch.Retries(-1) }, "fetch: Run: Retries must not be negative (got -1)"},
		{"MaxRetryAfter(-1)", func() fetch.Option { return fetch.MaxRetryAfter(-1) }, "fetch: Run: MaxRetryAfter must not be negative (got -1ns)"},
		{"Retry(bad)", func() fetch.Option { return fetch.Retry(retry.MaxAttempts(0)) },
			"fetch: Run: Retry options must be valid (got MaxAttempts(0): must be at least 1)"},
		{`Dir("")`, func() fetch.Option { return fetch.Dir("") },
			`fetch: Run: Dir must not be empty (got ""; give "." for the current directory)`},
		{"Client(nil)", func() fetch.Option { return fetch.Client(nil) }, "fetch: Run: Client must not be nil (got nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opt fetch.Option
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s panicked with %v; want Run's panic only", tt.name, r)
					}
				}()
				opt = tt.opt()
			}()
			defer func() {
				if r := recover(); r != tt.want {
					t.Errorf("Run(%s) panicked with %v; want %q", tt.name, r, tt.want)
				}
			}()
			fetch.Run(context.Background(), slices.Values([]string{"http://127.0.0.1:1/"}), fetch.Ordered(), opt)
		})
	}
}

// TestRunNilPanics: Run's nil arguments panic at once, each with its own
// message (a nil ctx and nil urls used to share one).
func TestRunNilPanics(t *testing.T) {
	var nilCtx context.Context
	urls := slices.Values([]string{"http://127.0.0.1:1/"})
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"nil ctx", func() { fetch.Run(nilCtx, urls) }, "fetch: Run: nil context"},
		{"nil urls", func() { fetch.Run(context.Background(), nil) }, "fetch: Run: urls must not be nil (got nil)"},
		{"nil option", func() { fetch.Run(context.Background(), urls, fetch.Ordered(), nil) },
			"fetch: Run: option must not be nil (got nil at index 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tt.want {
					t.Errorf("got panic %v; want %q", r, tt.want)
				}
			}()
			tt.f()
		})
	}
}

// TestYieldPanicsOrdered: in input order, with the window (16 x 2) filled
// behind a slow first URL, a panic in the loop body must still stop the
// run: the feeder, waiting for a place in the window, must give up.
func TestYieldPanicsOrdered(t *testing.T) {
	s := newServer(t)
	s.arrived = make(chan string, 100)
	s.gate = make(chan struct{})
	urls := []string{s.URL + "/gate"}
	for i := range 60 {
		urls = append(urls, fmt.Sprintf("%s/ok/%d", s.URL, i))
	}
	// URLs 1 to 31 fill the window behind /gate; then let /gate answer.
	go func() {
		for p := range s.arrived {
			if p == "/ok/30" {
				close(s.gate)
				return
			}
		}
	}()
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		for range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(2), fetch.Ordered(), fetch.Timeout(time.Hour)) {
			// Yielding the first result freed a place for URL 32 (/ok/31).
			// Once it is fetched, the feeder waits for a place for URL 33.
			for p := range s.arrived {
				if p == "/ok/31" {
					break
				}
			}
			panic("boom")
		}
	}()
	select {
	case r := <-done:
		if r != "boom" {
			t.Errorf("got panic %v; want boom", r)
		}
	case <-time.After(30 * time.Second): // a safety net against the hang, not a timing assertion
		t.Fatal("Run did not stop after a panic in the loop body")
	}
}

// TestNotRetried: errors that another attempt cannot cure fail at the
// first attempt, however many retries are allowed: a host that does not
// resolve and a redirect loop. Retrying off reads as the error alone.
func TestNotRetried(t *testing.T) {
	s := newServer(t)
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer loop.Close()
	// No network: the "resolver" answers NXDOMAIN for every host.
	nxdomain := &http.Client{Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}}
		},
	}}
	tests := []struct {
		name    string
		url     string
		opts    []fetch.Option
		wantErr string // the whole error, or what it starts with
		match   error
	}{
		{"no such host", "http://nonexistent.invalid/", []fetch.Option{fetch.Client(nxdomain)}, `Get "http://nonexistent.invalid/": dial tcp: lookup nonexistent.invalid:80: no such host`, nil},
		{"redirect loop", loop.URL + "/loop", nil, `fetch: stopped after 10 redirects (the next to ` + loop.URL + `/loop)`, fetch.ErrRedirects},
		{"redirect loop, caller's client", loop.URL + "/loop2", []fetch.Option{fetch.Client(&http.Client{})}, `fetch: stopped after 10 redirects (the next to ` + loop.URL + `/loop2)`, fetch.ErrRedirects},
		{"retries off", s.URL + "/status/503", []fetch.Option{fetch.Retries(0)}, "httpretry: 503 Service Unavailable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := collect(t, context.Background(), []string{tt.url}, fast(append([]fetch.Option{fetch.Retries(5)}, tt.opts...)...)...)
			r := got[tt.url]
			if r.Attempts != 1 || r.Err == nil || r.Err.Error() != tt.wantErr {
				t.Errorf("got %d attempts, error %v; want 1 attempt and %q", r.Attempts, r.Err, tt.wantErr)
			}
			if tt.match != nil && !errors.Is(r.Err, tt.match) {
				t.Errorf("got error %v; want it to match %v", r.Err, tt.match)
			}
		})
	}
}

// TestHugeOptions: absurd values cost no more than sensible ones, and
// neither overflow nor panic.
func TestHugeOptions(t *testing.T) {
	s := newServer(t)
	for _, ordered := range []bool{false, true} {
		opts := fast(fetch.Concurrency(math.MaxInt), fetch.Retries(math.MaxInt))
		if ordered {
			opts = append(opts, fetch.Ordered())
		}
		flaky := fmt.Sprintf("%s/flaky/1?ordered=%v", s.URL, ordered) // fails once per path and query
		all, got := collect(t, context.Background(), []string{s.URL + "/ok/1", flaky}, opts...)
		for _, r := range all {
			if r.Err != nil {
				t.Errorf("ordered %v: %s: %v", ordered, r.URL, r.Err)
			}
		}
		if r := got[flaky]; r.Attempts != 2 {
			t.Errorf("ordered %v: flaky URL took %d attempts; want 2", ordered, r.Attempts)
		}
	}
}

// TestDirMode: saved bodies get 0666 less the umask, like any new file.
func TestDirMode(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	want, err := os.Stat(probe)
	if err != nil {
		t.Fatal(err)
	}
	_, got := collect(t, context.Background(), []string{s.URL + "/ok/3"}, fast(fetch.Dir(dir))...)
	r := got[s.URL+"/ok/3"]
	fi, err := os.Stat(r.Path)
	if err != nil || fi.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("saved body: %v, %v; want mode %v (0666 less the umask)", fi.Mode(), err, want.Mode().Perm())
	}
}
