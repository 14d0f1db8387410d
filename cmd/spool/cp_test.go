package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
