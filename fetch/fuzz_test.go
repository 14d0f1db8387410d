package fetch_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spool-go/spool/fetch"
)

// FuzzFileName checks that any URL, valid or not, gives a name that is
// safe in a directory: no separator, no leading dot or dash, not "." or "..",
// printable ASCII, at most 80+1+24+9 bytes, and the same name every time.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{
		"http://example.com/a/b.txt?x=1", "https://h", "http://h/../../etc/passwd",
		"http://[::1]:8080/%2e%2e/x", "not a url", "", "http://h/\x00\n/.tar.gz", "http://h/é/ü.html", "http://-rf/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		name := fetch.FileName(u)
		switch {
		case name == "" || name == "." || name == "..":
			t.Fatalf("FileName(%q) = %q", u, name)
		case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-"):
			t.Fatalf("FileName(%q) = %q starts with a dot or a dash", u, name)
		case strings.ContainsAny(name, "/\\\x00"):
			t.Fatalf("FileName(%q) = %q has a separator or NUL", u, name)
		case len(name) > 80+1+24+9:
			t.Fatalf("FileName(%q) = %q is %d bytes", u, name, len(name))
		case name != fetch.FileName(u):
			t.Fatalf("FileName(%q) is not stable", u)
		}
		for _, r := range name {
			if r >= utf8.RuneSelf || r < ' ' {
				t.Fatalf("FileName(%q) = %q has %q", u, name, r)
			}
		}
	})
}
