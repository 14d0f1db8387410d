// Package quote writes file names and other text that came from outside
// into messages meant for a terminal, one line each.
package quote

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name returns s as it is when it reads as itself within a line of a
// message, and otherwise quoted in Go syntax (strconv.Quote, as GNU ls
// and cp quote such names): when s is empty, is not valid UTF-8, holds a
// character that could break the line, drive the terminal or hide what
// the name is (see Unsafe), starts with '"' (it would read as quoted) or
// with a space, ends with a space, or holds ": " or " -> ", which
// separate the parts of an error message ("cp: open SRC -> DST: cause").
func Name(s string) string {
	if needsQuotes(s) {
		return strconv.Quote(s)
	}
	return s
}

func needsQuotes(s string) bool {
	return s == "" || !Printable(s) ||
		s[0] == '"' || s[0] == ' ' || s[len(s)-1] == ' ' ||
		strings.Contains(s, ": ") || strings.Contains(s, " -> ")
}

// Printable reports whether s is valid UTF-8 with no Unsafe character.
func Printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, Unsafe)
}

// Unsafe reports whether r, in a name shown on a terminal, could break
// the line or drive the terminal (a control character: newline, ESC),
// reorder what follows (a bidirectional control such as U+202E), hide
// itself (U+200B, U+2060, U+FEFF) or pass for a plain space (U+00A0, a
// line separator), or is no character at all (unassigned, a surrogate).
// The format characters that names hold for good reasons are safe: the
// joiners of emoji and of scripts such as Persian (U+200D, U+200C),
// variation selectors, tag characters, the soft hyphen.
func Unsafe(r rune) bool {
	switch {
	case r == ' ' || unicode.IsPrint(r):
		return false
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069,
		r == 0x061C, r == 0x200E, r == 0x200F, // bidirectional controls
		r == 0x200B, 0x2060 <= r && r <= 0x2064, r == 0xFEFF: // invisible
		return true
	case r == 0x200C, r == 0x200D, r == 0x00AD, // joiners, soft hyphen
		0xE0020 <= r && r <= 0xE007F, // tag characters (flags)
		unicode.Is(unicode.Variation_Selector, r):
		return false
	}
	return true // other format characters too: many are invisible (U+206A, U+180E)
}
