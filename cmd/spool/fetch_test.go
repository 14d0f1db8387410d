package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	}{
		{"args", []string{"-c", "2", srv.URL + "/a", srv.URL + "/b"}, "", 0, 2, ""},
		{"one fails", []string{srv.URL + "/a", srv.URL + "/missing"}, "", 1, 2, "some items failed"},
		{"bad url", []string{srv.URL + "/a", "ftp://x"}, "", 1, 2, "some items failed"},
		{"stdin", []string{"--ordered", "-"}, "# urls\n" + srv.URL + "/a\n\n  " + srv.URL + "/b  \n", 0, 2, ""},
		{"stdin duplicate", []string{"-"}, srv.URL + "/a\n" + srv.URL + "/a\n", 1, 2, "some items failed"},
		{"out", []string{"--out", out, "--ordered", srv.URL + "/a/x.txt", srv.URL + "/b"}, "", 0, 2, ""},
		{"no args", nil, "", 2, 0, "no URLs given"},
		{"empty stdin", []string{"-"}, "\n# nothing\n", 2, 0, "no URLs in standard input"},
		{"mixed stdin", []string{"-", srv.URL}, "", 2, 0, "cannot be mixed"},
		{"bad concurrency", []string{"-c", "0", srv.URL}, "", 2, 0, "must be positive"},
		{"bad timeout", []string{"--timeout", "0s", srv.URL}, "", 2, 0, "must be positive"},
		{"bad retries", []string{"--retries", "-1", srv.URL}, "", 2, 0, "must not be negative"},
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
