package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spool-go/spool/cp"
)

func TestCpCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "a"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "b"), []byte("b"), 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int // 0 for no error
		wantErr  string
	}{
		{"tree", []string{"cp", "--verify", "-j", "2", src, filepath.Join(dir, "d1")}, 0, ""},
		{"missing source", []string{"cp", filepath.Join(dir, "nope"), src, filepath.Join(dir, "d1")}, 1, "stat"},
		{"several to non-dir", []string{"cp", src, src, filepath.Join(dir, "x")}, 2, "not a directory"},
		{"bad jobs", []string{"cp", "--jobs", "0", src, filepath.Join(dir, "d2")}, 2, "must be positive"},
		{"huge jobs", []string{"cp", "-j", "1000000000", src, filepath.Join(dir, "d2")}, 2, "--jobs 1000000000: too large (at most 1024)"},
		{"most jobs", []string{"cp", "-j", "1024", src, filepath.Join(dir, "d3")}, 0, ""},
		{"one arg", []string{"cp", src}, 2, "give at least one SRC and a DST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			root := newRoot()
			root.SetArgs(tt.args)
			root.SetErr(&stderr)
			root.SetOut(&stderr)
			err := root.ExecuteContext(context.Background())
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode {
				t.Fatalf("got exit %d (err %v, stderr %q); want %d", code, err, stderr.String(), tt.wantCode)
			}
			if msg := stderr.String() + cpErrString(err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("got %q; want it to mention %q", msg, tt.wantErr)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(dir, "d1", "sub", "b")); err != nil || string(b) != "b" {
		t.Errorf("got %q, %v; want d1/sub/b copied", b, err)
	}
}

func cpErrString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Regressions from the cp audit: two sources with one base name were
// copied into one target, silently (exit 0); per-item lines said
// "spool cp:" where every other error says "spool: CMD:"; "1 files"; the
// usage line ended "SRC... DST [flags]".
func TestCpAudit(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"A", "B", "d", "s", "e"} {
		if err := os.Mkdir(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"A/f", "B/f", "s/x"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(p string) string { return dir + "/" + p }
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stderr and the error, DIR for dir
		wantFile string // a path under dir that must hold its own name as content, "" for none
	}{
		{"same base name", []string{"cp", at("A/f"), at("B/f"), at("d")}, 1,
			"spool: cp: copy DIR/B/f -> DIR/d/f: will not overwrite the copy of an earlier source, DIR/A/f\n", ""},
		{"per-item prefix", []string{"cp", at("nope"), at("d")}, 1, "spool: cp: stat DIR/nope: ", ""},
		{"contents of DIR/.", []string{"cp", at("s/."), at("e")}, 0, "", "e/x"},
		{"usage line", []string{"cp", "--help"}, 0, "Usage:\n  spool cp [flags] SRC... DST\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), &stderr, &stderr, tt.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode {
				t.Fatalf("got exit %d (err %v, stderr %q); want %d", code, err, stderr.String(), tt.wantCode)
			}
			want := strings.ReplaceAll(tt.want, "DIR", dir)
			if got := stderr.String() + cpErrString(err); !strings.Contains(got, want) {
				t.Errorf("got %q; want it to contain %q", got, want)
			}
			if tt.wantFile != "" {
				if b, err := os.ReadFile(filepath.Join(dir, tt.wantFile)); err != nil || string(b) != "s/x" {
					t.Errorf("got %s = %q, %v; want %q", tt.wantFile, b, err, "s/x")
				}
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "d/f")); string(b) != "A/f" {
		t.Errorf("got d/f = %q; want the first source's, %q", b, "A/f")
	}
	if _, err := os.Stat(filepath.Join(dir, "e/s")); err == nil {
		t.Errorf("e/s exists; want s/. copied as its contents, not as a directory s")
	}
}

// Regression: an interrupt after one file said "1 files".
func TestCpInterruptedMessage(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// The interrupt comes when the one file is done: "1 file (1 byte)".
	interrupt := cp.OnItem(func(cp.Result) { cancel(errors.New("interrupt signal received")) })
	err := cpResult(ctx, []string{src}, filepath.Join(dir, "g"), []cp.Option{interrupt})
	want := "cp: interrupted after 1 file (1 byte): interrupt signal received; to finish, run the same command again"
	if err == nil || err.Error() != want || exitCode(err) != 2 {
		t.Errorf("got %v; want %q, exit 2", err, want)
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 files"}, {1, "1 file"}, {2, "2 files"}, {1 << 40, "1099511627776 files"}} {
		if got := plural(tc.n, "file"); got != tc.want {
			t.Errorf("plural(%d, file) = %q; want %q", tc.n, got, tc.want)
		}
	}
}
