//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestCpResumeOddNames: the command an interrupted spool cp suggests to
// finish the copy is one line, and run by a shell it finishes the copy,
// whatever the names hold. For a name starting with '-' it failed
// ("unknown shorthand flag: 'p'"), as it had no "--"; a name with a
// newline broke it over two lines.
func TestCpResumeOddNames(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the suggested command")
	}
	tests := []struct {
		src, dst string
		wantArgs []string // of the suggested command, after "spool"
	}{
		{"photos", "backup", []string{"cp", "photos/.", "backup"}},
		{"-photos", "backup", []string{"cp", "--", "-photos/.", "backup"}},
		{"photos", "-backup", []string{"cp", "--", "photos/.", "-backup"}},
		{"it's mine", "backup", []string{"cp", "it's mine/.", "backup"}},
		{"a\nb\x1b[2K", "backup", []string{"cp", "a\nb\x1b[2K/.", "backup"}},
		{"\u00e9t\u00e9 rlo\u202ex", "backup", []string{"cp", "\u00e9t\u00e9 rlo\u202ex/.", "backup"}}, // \xNN escapes, right in the C locale; \u202e read as text there
	}
	for _, tt := range tests {
		t.Run(tt.src+" "+tt.dst, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.Mkdir(tt.src, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tt.src, "f"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			hint := cpResume([]string{tt.src}, tt.dst)
			cmd, ok := strings.CutPrefix(hint, "to finish, copy its contents: spool ")
			if !ok || strings.ContainsAny(hint, "\n\x1b") {
				t.Fatalf("got hint %q; want one line, with no escape, suggesting a command", hint)
			}
			sh := exec.Command(bash, "-c", `printf '%s\0' `+cmd)
			sh.Env = append(os.Environ(), "LC_ALL=C") // escapes must not depend on the locale
			out, err := sh.Output()
			if err != nil {
				t.Fatalf("bash could not read %q: %v", cmd, err)
			}
			args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if !slices.Equal(args, tt.wantArgs) {
				t.Fatalf("the suggestion %q reads as %q; want %q", cmd, args, tt.wantArgs)
			}
			if err := os.Mkdir(tt.dst, 0o700); err != nil { // the partial copy
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), &stdout, &stderr, args...); err != nil {
				t.Fatalf("spool %q: %v (stderr %q)", args, err, stderr.String())
			}
			if _, err := os.Stat(filepath.Join(tt.dst, "f")); err != nil {
				t.Errorf("after spool %q: %v", args, err)
			}
		})
	}
}

// TestCpFailedItemOneLine: each failed item is one line on stderr, its
// name quoted when it would not read as itself (a newline, an escape,
// ": ") and written as it is otherwise. A FIFO named with a newline and
// "spool: cp: all good" printed a forged line, and the escape went raw to
// the terminal.
func TestCpFailedItemOneLine(t *testing.T) {
	tests := []struct {
		name string
		want string // the name as the line shows it
	}{
		{"plain", "/plain"},
		{"with space", "/with space"},
		{"été", "/été"},
		{"evil\nspool: cp: all good\x1b[2K", `/evil\nspool: cp: all good\x1b[2K"`},
		{"tab\there", `/tab\there"`},
		{"notes: x", `/notes: x"`},
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if err := syscall.Mkfifo(filepath.Join(src, tt.name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), &stdout, &stderr, "cp", src, filepath.Join(dir, "dst"))
	if err == nil {
		t.Fatal("spool cp of FIFOs: got nil; want the items failed")
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != len(tests) || strings.Contains(stderr.String(), "\x1b") {
		t.Fatalf("%d failed items: got %d lines on stderr, want one each and no escape:\n%q", len(tests), len(lines), stderr.String())
	}
	for _, tt := range tests {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, "spool: cp: copy ") && strings.Contains(l, tt.want+" -> ") {
				found = true
			}
		}
		if !found {
			t.Errorf("no line shows %q as %q:\n%s", tt.name, tt.want, stderr.String())
		}
	}
}
