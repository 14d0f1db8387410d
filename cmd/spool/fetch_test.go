package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFetchCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "body of ", r.URL.Path)
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "out")
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantRecs int
		wantMsg  string // in the error, when it fails
		wantNote string // on stderr
	}{
		{"args", []string{"-c", "2", srv.URL + "/a", srv.URL + "/b"}, "", 0, 2, "", ""},
		{"one fails", []string{srv.URL + "/a", srv.URL + "/missing"}, "", 1, 2, "some items failed", ""},
		{"bad url", []string{srv.URL + "/a", "ftp://x"}, "", 1, 2, "some items failed", ""},
		{"stdin", []string{"--ordered", "-"}, "# urls\n" + srv.URL + "/a\n\n  " + srv.URL + "/b  \n", 0, 2, "", ""},
		// A UTF-8 BOM (as some Windows editors write) before the first URL
		// made it malformed, unseen in its record.
		{"stdin with a BOM", []string{"-"}, "\ufeff" + srv.URL + "/a\r\n" + srv.URL + "/b\r\n", 0, 2, "", ""},
		{"stdin duplicate", []string{"-"}, srv.URL + "/a\n" + srv.URL + "/b\n" + srv.URL + "/a\n", 0, 2, "", "skipped " + srv.URL + "/a: duplicate URL (first at index 0)"},
		{"arg duplicate", []string{srv.URL + "/a", srv.URL + "/a"}, "", 0, 1, "", "skipped"},
		{"out", []string{"--out", out, "--ordered", srv.URL + "/a/x.txt", srv.URL + "/b"}, "", 0, 2, "", ""},
		{"no args", nil, "", 2, 0, "no URLs given", ""},
		{"empty stdin", []string{"-"}, "\n# nothing\n", 2, 0, "no URLs in standard input", ""},
		{"mixed stdin", []string{"-", srv.URL}, "", 2, 0, "comes alone", ""},
		{"two stdins", []string{"-", "-"}, "", 2, 0, "no second -", ""},
		{"long stdin line", []string{"-"}, srv.URL + "/a\n" + strings.Repeat("x", 1<<20+1) + "\n" + srv.URL + "/b\n", 2, 1, "line 2 is longer than 1048576 bytes", ""},
		{"bad concurrency", []string{"-c", "0", srv.URL}, "", 2, 0, "must be positive", ""},
		{"huge concurrency", []string{"-c", "1000000000", srv.URL}, "", 2, 0, "--concurrency 1000000000: too large (at most 10000)", ""},
		{"huge retries", []string{"--retries", "2000000000", srv.URL}, "", 2, 0, "--retries 2000000000: too large (at most 100)", ""},
		{"too many retries", []string{"--retries", "101", srv.URL}, "", 2, 0, "too large", ""},
		{"empty out", []string{"-o", "", srv.URL}, "", 2, 0, `--out "": give a directory`, ""},
		{"empty out, long", []string{"--out=", srv.URL}, "", 2, 0, `--out "": give a directory`, ""},
		{"bad timeout", []string{"--timeout", "0s", srv.URL}, "", 2, 0, "must be positive", ""},
		{"bad retries", []string{"--retries", "-1", srv.URL}, "", 2, 0, "must not be negative", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			root := newRoot()
			root.SetArgs(append([]string{"fetch"}, tt.args...))
			root.SetIn(strings.NewReader(tt.stdin))
			root.SetOut(&stdout)
			root.SetErr(&stderr)
			err := root.ExecuteContext(context.Background())
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode || err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got exit %d, error %v; want %d mentioning %q", code, err, tt.wantCode, tt.wantMsg)
			}
			if !strings.Contains(stderr.String(), tt.wantNote) {
				t.Errorf("got stderr %q; want it to hold %q", stderr.String(), tt.wantNote)
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if stdout.Len() == 0 {
				lines = nil
			}
			if len(lines) != tt.wantRecs {
				t.Fatalf("got %d records %q; want %d", len(lines), stdout.String(), tt.wantRecs)
			}
			for _, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("record %q: %v", l, err)
				}
				for _, k := range []string{"url", "status", "bytes", "attempts", "duration_ms", "error"} {
					if _, ok := rec[k]; !ok {
						t.Errorf("record %q lacks %q", l, k)
					}
				}
			}
		})
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 2 || !strings.HasSuffix(entries[0].Name(), ".txt") {
		t.Errorf("got %v, %v in --out; want two bodies, the first (sorted) ending .txt", entries, err)
	}
}

// An interrupt stops reading standard input even when its writer never
// closes it (tail -f): the run ends with the URLs read so far.
func TestFetchStdinInterrupted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()                  // ends the reading goroutine, blocked in Read, after the test
	go fmt.Fprintln(pw, srv.URL+"/a") // then nothing more, and no EOF
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// Ctrl-C as soon as the first record is out.
	stdout := writerFunc(func(p []byte) (int, error) {
		cancel(errors.New("interrupt signal received"))
		return len(p), nil
	})
	done := make(chan error, 1)
	go func() {
		done <- runFetch(ctx, []string{"-"}, pr, stdout, io.Discard, fetchOpts{concurrency: 2, timeout: time.Minute, maxBytes: defaultFetchMaxBytes})
	}()
	select {
	case err := <-done:
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "interrupted (1 URL reported, 0 failed or cancelled; input not read further): interrupt signal received") {
			t.Errorf("got %v; want an interrupted error (exit 2) after 1 URL", err)
		}
	case <-time.After(safety):
		t.Fatal("fetch - kept reading standard input after the interrupt")
	}
}

// When stdout fails, fetch stops at once rather than fetching the rest.
func TestFetchStopsWhenStdoutFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stall" {
			<-r.Context().Done() // answers only once cancelled
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	full := writerFunc(func([]byte) (int, error) { return 0, errors.New("no space left on device") })
	done := make(chan error, 1)
	go func() {
		done <- runFetch(context.Background(), []string{srv.URL + "/a", srv.URL + "/stall"}, nil, full, io.Discard, fetchOpts{concurrency: 2, timeout: time.Hour, maxBytes: defaultFetchMaxBytes})
	}()
	select {
	case err := <-done:
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "writing records: no space left on device") {
			t.Errorf("got %v; want a write error (exit 2)", err)
		}
	case <-time.After(safety):
		t.Fatal("fetch went on fetching after stdout failed")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// An --out directory that cannot be written to is refused once, before any
// request, instead of failing every URL after fetching it. Root writes to
// a mode-0555 directory, so as root the directory is one of procfs, where
// no one can create a file.
func TestFetchOutNotWritable(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "ro")
	if os.Geteuid() == 0 {
		out = "/proc/self"
		if fi, err := os.Stat(out); err != nil || !fi.IsDir() {
			t.Skipf("running as root without procfs (%v): no directory root cannot write to", err)
		}
	} else if err := os.Mkdir(out, 0o555); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), io.Discard, io.Discard, "fetch", "--out", out, srv.URL+"/a")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "cannot write there") || requests.Load() != 0 {
		t.Errorf("fetch --out %s = %v (exit %d, %d requests); want exit 2 saying it cannot write there, and no request", out, err, exitCode(err), requests.Load())
	}
}
