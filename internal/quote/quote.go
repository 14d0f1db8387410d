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
// character that is not printable (a control character such as a newline
// or ESC, which would break the line or drive the terminal; a format
// character such as U+202E, which reorders what follows; a space other
// than ' '), starts with '"' (it would read as quoted) or with a space,
// ends with a space, or holds ": " or " -> ", which separate the parts of
// an error message ("cp: open SRC -> DST: cause").
func Name(s string) string {
	if needsQuotes(s) {
		return strconv.Quote(s)
	}
	return s
}

func needsQuotes(s string) bool {
	return s == "" || !utf8.ValidString(s) ||
		s[0] == '"' || s[0] == ' ' || s[len(s)-1] == ' ' ||
		strings.Contains(s, ": ") || strings.Contains(s, " -> ") ||
		strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
}

// Printable reports whether s is valid UTF-8 of printable characters
// and ' ' only: no control or format character.
func Printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
}
