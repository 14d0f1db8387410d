package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFetchMaxBytes: --max-bytes N fails a URL whose body is over N
// bytes (exit 1, its record saying so), must be positive, and defaults
// to 1 GiB, as --help says. There was no limit at all.
func TestFetchMaxBytes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 100)) // with a Content-Length
	}))
	defer srv.Close()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantMsg  string // in the error
	}{
		{"over", []string{"--max-bytes", "99", srv.URL}, 1,
			`"error":"fetch: body too large: Content-Length 100 is over the limit of 99 bytes"`, "some items failed"},
		{"exactly", []string{"--max-bytes", "100", srv.URL}, 0, `"bytes":100,`, ""},
		{"zero", []string{"--max-bytes", "0", srv.URL}, 2, "", "fetch: --max-bytes 0: must be positive"},
		{"negative", []string{"--max-bytes", "-1", srv.URL}, 2, "", "fetch: --max-bytes -1: must be positive"},
		{"help", []string{"--help"}, 0, "--max-bytes N", ""},
		{"help: default", []string{"--help"}, 0, "(default 1073741824)", ""},
		{"help: gzip", []string{"--help"}, 0, "after the gzip that servers are asked for is undone", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), &stdout, &stderr, append([]string{"fetch"}, tt.args...)...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode || err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got exit %d, error %v; want %d mentioning %q", code, err, tt.wantCode, tt.wantMsg)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("got stdout %q; want it to hold %q", stdout.String(), tt.wantOut)
			}
		})
	}
}

// TestFetchMasksPasswords: a password in a URL is printed masked, as
// fetch.Redact masks it, in the records (the url field, and a URL
// the error names, which net/http masked otherwise, as ***) and in the
// notes on stderr. Both used to print it as given.
func TestFetchMasksPasswords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/creds" {
			http.Redirect(w, r, "http://bob:hunter2@127.0.0.1:1/x", http.StatusFound)
		}
	}))
	defer srv.Close()
	withPW := strings.Replace(srv.URL, "http://", "http://dave:pw@", 1)
	masked := strings.Replace(srv.URL, "http://", "http://dave:xxxxx@", 1)
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
	}{
		{"record", []string{withPW + "/a"}, `"url":"` + masked + `/a"`, ""},
		{"note", []string{withPW + "/a", withPW + "/a"}, `"url":"` + masked + `/a"`,
			"spool fetch: skipped " + masked + "/a: duplicate URL (first at index 0)"},
		{"error", []string{"--retries", "0", srv.URL + "/creds"},
			`"error":"Get \"http://bob:xxxxx@127.0.0.1:1/x\": dial tcp 127.0.0.1:1: connect: connection refused"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), &stdout, &stderr, append([]string{"fetch"}, tt.args...)...)
			for _, secret := range []string{":pw@", "hunter2", "***"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("got stdout %q, stderr %q; want no %q", stdout.String(), stderr.String(), secret)
				}
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("got stdout %q, stderr %q; want them to hold %q, %q", stdout.String(), stderr.String(), tt.wantOut, tt.wantStderr)
			}
		})
	}
}

// TestFetchMasksLoosePasswords: a password that net/url does not read as
// one (the scheme or its "//" missing, or read as a port) is masked too,
// in the record and in the note of a duplicate: spool fetch printed them
// as given.
func TestFetchMasksLoosePasswords(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
	}{
		{"no scheme", []string{"ann:Secr3tPW@127.0.0.1:1/x"}, `"url":"ann:xxxxx@127.0.0.1:1/x"`, ""},
		{"one slash", []string{"http:/ann:Secr3tPW@127.0.0.1:1/x"}, `"url":"http:/ann:xxxxx@127.0.0.1:1/x"`, ""},
		{"read as a port, repeated", []string{"--retries", "0", "http://127.0.0.1:1/Secr3tPW@h/x", "http://127.0.0.1:1/Secr3tPW@h/x"},
			`"url":"http://127.0.0.1:xxxxx@h/x"`, "spool fetch: skipped http://127.0.0.1:xxxxx@h/x: duplicate URL (first at index 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), &stdout, &stderr, append([]string{"fetch"}, tt.args...)...)
			if err != nil && strings.Contains(err.Error(), "Secr3tPW") || strings.Contains(stdout.String()+stderr.String(), "Secr3tPW") {
				t.Errorf("got stdout %q, stderr %q, error %v; want no Secr3tPW", stdout.String(), stderr.String(), err)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("got stdout %q, stderr %q; want them to hold %q, %q", stdout.String(), stderr.String(), tt.wantOut, tt.wantStderr)
			}
		})
	}
}

// TestFetchNoteQuotesOddURL: the note of a repeated URL quotes a URL that
// would not read as itself (here U+202E, which shows what follows
// reversed), and writes a plain one as it is. It was written raw.
func TestFetchNoteQuotesOddURL(t *testing.T) {
	tests := []struct{ url, wantNote string }{
		{"http://127.0.0.1:1/a", "spool fetch: skipped http://127.0.0.1:1/a: duplicate URL"},
		{"http://127.0.0.1:1/\u202etxt.exe", `spool fetch: skipped "http://127.0.0.1:1/\u202etxt.exe": duplicate URL`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		run(context.Background(), &stdout, &stderr, "fetch", "--retries", "0", tt.url, tt.url)
		if !strings.Contains(stderr.String(), tt.wantNote) {
			t.Errorf("%q given twice: got stderr %q; want it to hold %q", tt.url, stderr.String(), tt.wantNote)
		}
	}
}
