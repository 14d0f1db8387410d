package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// TestSecFileNameHashApart: URLs whose SHA-256 share their first 48 bits,
// the part FileName used to keep (found by a birthday search of about 3
// million hashes), get different names, each with 24 hex digits (96 bits)
// of the hash. They used to share 127.0.0.1_f_c67f0442bd25.
func TestSecFileNameHashApart(t *testing.T) {
	hash := regexp.MustCompile(`_[0-9a-f]{24}$`)
	tests := []struct{ a, b string }{
		{"http://127.0.0.1/f?q=1175872", "http://127.0.0.1/f?q=3137805"},
	}
	for _, tt := range tests {
		a, b := fetch.FileName(tt.a), fetch.FileName(tt.b)
		if a == b {
			t.Errorf("FileName(%q) = FileName(%q) = %q; want different names", tt.a, tt.b, a)
		}
		for _, got := range []string{a, b} {
			if !hash.MatchString(got) {
				t.Errorf("got name %q; want it to end with _ and 24 hex digits", got)
			}
		}
	}
}

// TestSecMaxBytes: with MaxBytes(n), a body longer than n bytes fails its
// URL with ErrTooLarge, unretried, leaving no file, whether its
// Content-Length says so (refused unread) or it streams (cut after n
// bytes), and counting bytes after net/http undoes gzip; a body of n
// bytes is saved. Bodies used to be saved whatever their size: 256 KiB of
// gzip became 256 MiB on disk.
func TestSecMaxBytes(t *testing.T) {
	const limit = 64 << 10
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 16*limit))
	zw.Close()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/exact":
			w.Write(make([]byte, limit))
		case "/over":
			w.Header().Set("Content-Length", strconv.Itoa(limit+1))
			w.Write(make([]byte, limit+1))
		case "/stream": // no Content-Length: chunked
			for range 4 {
				w.Write(make([]byte, limit/2))
				w.(http.Flusher).Flush()
			}
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		}
	}))
	defer srv.Close()
	tests := []struct {
		name      string
		path      string
		limit     int64
		dir       bool
		wantErr   bool
		wantBytes int64
		wantMsg   string
	}{
		{"exactly the limit", "/exact", limit, true, false, limit, ""},
		{"Content-Length over", "/over", limit, true, true, 0, fmt.Sprintf("fetch: body too large: Content-Length %d is over the limit of %d bytes", limit+1, limit)},
		{"streamed over", "/stream", limit, true, true, limit, fmt.Sprintf("fetch: body too large: over the limit of %d bytes", limit)},
		{"gzip, decompressed over", "/gzip", limit, true, true, limit, fmt.Sprintf("fetch: body too large: over the limit of %d bytes", limit)},
		{"streamed over, no Dir", "/stream", limit, false, true, limit, fmt.Sprintf("fetch: body too large: over the limit of %d bytes", limit)},
		{"the largest limit", "/stream", math.MaxInt64, true, false, 2 * limit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := fast(fetch.MaxBytes(tt.limit), fetch.Retries(3))
			if tt.dir {
				opts = append(opts, fetch.Dir(dir))
			}
			requests.Store(0)
			_, got := collect(t, context.Background(), []string{srv.URL + tt.path}, opts...)
			r := got[srv.URL+tt.path]
			if r.Bytes != tt.wantBytes {
				t.Errorf("got Bytes %d; want %d", r.Bytes, tt.wantBytes)
			}
			ents, _ := os.ReadDir(dir)
			if !tt.wantErr {
				if r.Err != nil || len(ents) != 1 {
					t.Errorf("got error %v, %d files; want none, the body saved", r.Err, len(ents))
				}
				return
			}
			if !errors.Is(r.Err, fetch.ErrTooLarge) || r.Err.Error() != tt.wantMsg {
				t.Errorf("got error %v; want %q, matching ErrTooLarge", r.Err, tt.wantMsg)
			}
			if r.Attempts != 1 || requests.Load() != 1 {
				t.Errorf("got %d attempts, %d requests; want 1, unretried", r.Attempts, requests.Load())
			}
			if len(ents) != 0 || r.Path != "" {
				t.Errorf("got %d files in Dir, Path %q; want none (temporary file removed)", len(ents), r.Path)
			}
		})
	}
}

// TestSecMaxBytesPanics: MaxBytes must be positive; Run panics naming it,
// as for any bad option.
func TestSecMaxBytesPanics(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "fetch: Run: MaxBytes must be positive (got 0)"},
		{-1, "fetch: Run: MaxBytes must be positive (got -1)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			defer func() {
				if r := recover(); r != tt.want {
					t.Errorf("Run(MaxBytes(%d)) panicked with %v; want %q", tt.n, r, tt.want)
				}
			}()
			fetch.Run(context.Background(), slices.Values([]string{"http://127.0.0.1:1/"}), fetch.MaxBytes(tt.n))
		})
	}
}

// TestSecRecordRedactsPasswords: the record masks a password in its url
// and in the URLs its error names, with url.URL.Redacted's one mask
// (xxxxx), also where net/http's error wrote "***", and drops the URL
// from the error when it is the record's own, password or not;
// Result.URL keeps the URL as given. The url used to be printed as given,
// and the error named the URL with "***".
func TestSecRecordRedactsPasswords(t *testing.T) {
	const given = "http://dave:pw@h/x"
	tests := []struct {
		name    string
		url     string
		err     error
		wantURL string
		wantErr string
	}{
		{"password", given, nil, "http://dave:xxxxx@h/x", ""},
		{"empty password", "http://dave:@h/x", nil, "http://dave:xxxxx@h/x", ""},
		{"user, no password", "http://dave@h/x", nil, "http://dave@h/x", ""},
		{"malformed, password", "http://dave:pw@h:bad/x?y", fetch.ErrMalformed, "http://dave:xxxxx@h:bad/x?y", "fetch: malformed URL"},
		{"its own URL, as net/http names it", given, &url.Error{Op: "Get", URL: "http://dave:***@h/x", Err: io.EOF}, "http://dave:xxxxx@h/x", "EOF"},
		{"another URL, as net/http names it", given, &url.Error{Op: "Get", URL: "http://bob:***@elsewhere/y", Err: io.EOF}, "http://dave:xxxxx@h/x",
			`Get "http://bob:xxxxx@elsewhere/y": EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fetch.Result{URL: tt.url, Err: tt.err}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var rec struct {
				URL   string
				Error *string
			}
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("record %s: %v", b, err)
			}
			gotErr := ""
			if rec.Error != nil {
				gotErr = *rec.Error
			}
			if rec.URL != tt.wantURL || gotErr != tt.wantErr {
				t.Errorf("got url %q, error %q; want %q, %q", rec.URL, gotErr, tt.wantURL, tt.wantErr)
			}
			if r.URL != tt.url {
				t.Errorf("got Result.URL %q; want it as given, %q", r.URL, tt.url)
			}
		})
	}
}

// TestSecRedirectPasswordsMasked: a redirect to a URL with a password,
// then a failure there, is reported without the password and with the
// one mask, in the record; Result.Err is net/http's own.
func TestSecRedirectPasswordsMasked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/creds":
			http.Redirect(w, r, "http://bob:hunter2@127.0.0.1:1/x", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "http://alice:s3cret@"+r.Host+"/loop", http.StatusFound)
		}
	}))
	defer srv.Close()
	tests := []struct {
		path, want string
	}{
		{"/creds", `Get "http://bob:xxxxx@127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused`},
		{"/loop", "fetch: stopped after 10 redirects (the next to http://alice:xxxxx@" + strings.TrimPrefix(srv.URL, "http://") + "/loop)"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, got := collect(t, context.Background(), []string{srv.URL + tt.path}, fast(fetch.Retries(0))...)
			b, err := json.Marshal(got[srv.URL+tt.path])
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var rec struct{ Error string }
			json.Unmarshal(b, &rec)
			if rec.Error != tt.want {
				t.Errorf("got record error %q; want %q", rec.Error, tt.want)
			}
		})
	}
}
