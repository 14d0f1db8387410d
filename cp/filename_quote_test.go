package cp_test

import (
	"errors"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestFileErrorQuotesOddNames: FileError's message is one line whatever
// the paths hold: a path that would not read as itself is quoted in Go
// syntax, others are written as they are. A newline in a name made two
// lines, the second one the name's to choose.
func TestFileErrorQuotesOddNames(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		src, dst string
		want     string
	}{
		{"a/b", "", "cp: open a/b: boom"},
		{"a b", "c d", "cp: open a b -> c d: boom"},
		{"x\nspool: cp: all good", "", `cp: open "x\nspool: cp: all good": boom`},
		{"esc\x1b[2K", "ok", `cp: open "esc\x1b[2K" -> ok: boom`},
		{"ok", "bad\xff", `cp: open ok -> "bad\xff": boom`},
		{"a: b", "", `cp: open "a: b": boom`},
	}
	for _, tt := range tests {
		err := &cp.FileError{Op: "open", Src: tt.src, Dst: tt.dst, Err: cause}
		if got := err.Error(); got != tt.want {
			t.Errorf("FileError{%q, %q}.Error() = %q; want %q", tt.src, tt.dst, got, tt.want)
		}
	}
}
