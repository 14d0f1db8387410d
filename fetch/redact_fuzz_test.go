package fetch

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// redactSeeds are the URLs the fuzz target starts from: the shapes a
// password was known to leak in (an audit found the first group: user
// info that net/url does not see, because the scheme or its "//" is
// missing, there are three slashes, or backslashes), passwords that make
// the URL fail to parse, and ordinary URLs.
var redactSeeds = []string{
	"ann:Secr3tPW@127.0.0.1:1/x",
	"http:ann:Secr3tPW@127.0.0.1:1/x",
	"http:/ann:Secr3tPW@127.0.0.1:1/x",
	"http:///ann:Secr3tPW@127.0.0.1:1/x",
	`http:\\ann:Secr3tPW@127.0.0.1:1/x`,
	"http:///:0000@127.0.0.1:1/404",
	"http://ann:1234/xyz@host/file",
	"http://ann@corp.example:12/pw@host/",
	"HTTPS://ann:pw@host/",
	"//ann:pw@host/",
	"ftp://ann:pw@host/",
	"https://ann:AKIA/xyzSECRET@example.com/file",
	"http://ann:se?cret@127.0.0.1/",
	"http://ann:s%zzecret@127.0.0.1/",
	"http://ann:ab#cdef@127.0.0.1/",
	"http://a@b:c@d/",
	"http://dave:@h/x",
	"http://ann:99999/x@h/",
	"ann.example:1234/x@h",
	"http://example.com/a/b.txt?x=1",
	"http://example.com/files/me@work/r%ZZport.pdf",
	"https://example.com/wiki/User:Ann@home",
	"http://h:8080/a@b",
	"localhost:8080",
	"",
}

// parserPassword returns where net/url reads a password in s, as the
// byte offsets of its raw text, if it reads one: the authority follows
// the first "//" (once '#' and '?' are cut off) up to its first '/'; its
// user info runs to its last '@'; the password follows the user info's
// first ':'.
func parserPassword(t *testing.T, s string) (from, to int, ok bool) {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return 0, 0, false
	}
	if _, has := u.User.Password(); !has {
		return 0, 0, false
	}
	head, _, _ := strings.Cut(s, "#")
	head, _, _ = strings.Cut(head, "?")
	k := strings.Index(head, "//")
	if k < 0 {
		t.Fatalf("url.Parse(%q) reads a password, but there is no //", s)
	}
	auth := head[k+2:]
	if i := strings.IndexByte(auth, '/'); i >= 0 {
		auth = auth[:i]
	}
	at := strings.LastIndexByte(auth, '@')
	colon := strings.IndexByte(auth[:max(at, 0)], ':')
	if at < 0 || colon < 0 {
		t.Fatalf("url.Parse(%q) reads a password, but its authority %q holds no user:password@", s, auth)
	}
	return k + 2 + colon + 1, k + 2 + at, true
}

// httpScheme is the scheme Redact skips before looking for user info.
var httpScheme = regexp.MustCompile(`^(?i:https?):`)

// loosePassword returns where a password may be in s, read loosely, as
// Redact's doc states it: after an http: or https: scheme and the slashes
// or backslashes after it, a ':' that comes before any / \ ? # starts it,
// and the last '@' of s ends it.
func loosePassword(s string) (from, to int, ok bool) {
	i := 0
	if m := httpScheme.FindStringIndex(s); m != nil {
		i = m[1]
	}
	for i < len(s) && (s[i] == '/' || s[i] == '\\') {
		i++
	}
	if s[i:] != "" && s[i] == '[' { // an IPv6 literal: its colons are no password's
		if end := strings.IndexByte(s[i:], ']'); end > 0 {
			i += end + 1
		}
	}
	end := strings.IndexAny(s[i:], `/?#`)
	if end < 0 {
		end = len(s) - i
	}
	colon := strings.IndexByte(s[i:i+end], ':')
	at := strings.LastIndexByte(s, '@')
	if colon < 0 || at < i+colon {
		return 0, 0, false
	}
	return i + colon + 1, at, true
}

// errorQuotesNothing reports whether msg, check's error for s, a URL that
// may hold a password, quotes no piece of s but its scheme.
func errorQuotesNothing(s, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "fetch: malformed URL: it does not parse (the reason is hidden"),
		msg == "fetch: malformed URL: no scheme (want http:// or https://)",
		msg == "fetch: malformed URL: no host",
		msg == "fetch: malformed URL: port out of range (want 1 to 65535)":
		return true
	}
	scheme, _, _ := strings.Cut(s, ":")
	return msg == `fetch: unsupported scheme "`+strings.ToLower(scheme)+`" (want http or https)`
}

// FuzzRedactPassword checks, for any string given as a URL, that no
// password in it shows in what fetch prints of it:
//   - Redact(s) is s with one stretch replaced by "xxxxx", or s itself:
//     nothing else changes, so the text of the stretch is gone;
//   - that stretch covers the password as net/url reads it, and the
//     password as read loosely (see loosePassword), whichever exist; when
//     neither does, Redact(s) is s;
//   - Redact is idempotent;
//   - when a password may be there, check's error quotes nothing of s but
//     its scheme (no parser's reason, port or suggested fix);
//   - the record of the URL (Result.MarshalJSON) holds exactly that url
//     and that error.
//
// The seeds run as a regular test; go test -fuzz=FuzzRedactPassword
// -parallel 1 ./fetch/ searches further.
func FuzzRedactPassword(f *testing.F) {
	for _, s := range redactSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		lf, lt, loose := loosePassword(s)
		if !loose {
			if got != s {
				t.Fatalf("Redact(%q) = %q; want it as given (no password)", s, got)
			}
			if pf, pt, ok := parserPassword(t, s); ok {
				t.Fatalf("net/url reads the password %q in %q, but the loose reading finds none", s[pf:pt], s)
			}
		} else {
			if want := s[:lf] + "xxxxx" + s[lt:]; got != want {
				t.Fatalf("Redact(%q) = %q; want %q", s, got, want)
			}
			if pf, pt, ok := parserPassword(t, s); ok && (pf < lf || pt > lt) {
				t.Fatalf("Redact(%q) = %q shows part of the password %q that net/url reads (bytes %d to %d; masked %d to %d)", s, got, s[pf:pt], pf, pt, lf, lt)
			}
		}
		if again := Redact(got); again != got {
			t.Fatalf("Redact(Redact(%q)) = %q; want %q", s, again, got)
		}
		err := check(s, map[string]int{}, 0)
		if err != nil && loose && !errorQuotesNothing(s, err.Error()) {
			t.Fatalf("check(%q), a URL that may hold a password, says %q: it may quote a piece of it", s, err)
		}
		b, jerr := json.Marshal(Result{URL: s, Err: err})
		if jerr != nil {
			t.Fatalf("Marshal(%q): %v", s, jerr)
		}
		var rec struct {
			URL   string  `json:"url"`
			Error *string `json:"error"`
		}
		if jerr := json.Unmarshal(b, &rec); jerr != nil {
			t.Fatalf("Unmarshal(%s): %v", b, jerr)
		}
		if want := viaJSON(t, got); rec.URL != want {
			t.Fatalf("the record of %q has url %q; want %q", s, rec.URL, want)
		}
		if err != nil && (rec.Error == nil || *rec.Error != viaJSON(t, err.Error())) {
			t.Fatalf("the record of %q has error %v; want %q", s, rec.Error, err)
		}
	})
}

// viaJSON is s as a JSON string decodes: invalid UTF-8 reads U+FFFD.
func viaJSON(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
