package fetch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// TestRedact: Redact masks whatever could be a password and leaves the
// rest as given. The URLs of the first group showed their password in
// the record: net/url reads no user info in them (no scheme, no "//",
// three slashes, backslashes, or a password read as a port), and the
// record's url was the URL as given.
func TestRedact(t *testing.T) {
	tests := []struct{ url, want string }{
		{"ann:Secr3tPW@127.0.0.1:1/x", "ann:xxxxx@127.0.0.1:1/x"},
		{"http:ann:Secr3tPW@127.0.0.1:1/x", "http:ann:xxxxx@127.0.0.1:1/x"},
		{"http:/ann:Secr3tPW@127.0.0.1:1/x", "http:/ann:xxxxx@127.0.0.1:1/x"},
		{"http:///ann:Secr3tPW@127.0.0.1:1/x", "http:///ann:xxxxx@127.0.0.1:1/x"},
		{`http:\\ann:Secr3tPW@127.0.0.1:1/x`, `http:\\ann:xxxxx@127.0.0.1:1/x`},
		{"http:///:0000@127.0.0.1:1/404", "http:///:xxxxx@127.0.0.1:1/404"},
		{"http://ann:1234/xyz@host/file", "http://ann:xxxxx@host/file"},
		{"http://ann@corp.example:12/pw@host/", "http://ann@corp.example:xxxxx@host/"},
		{"http://h:8080/a@b", "http://h:xxxxx@b"},                                         // more than needed, as documented
		{`https://CORP\ann:Secr3t@127.0.0.1:1/x`, `https://CORP\ann:xxxxx@127.0.0.1:1/x`}, // shown by the first version (a review)
		{`http://CORP\ann::Secr3t/x@127.0.0.1:1/`, `http://CORP\ann:xxxxx@127.0.0.1:1/`},
		{"http://ann:pw@[::1]:80/", "http://ann:xxxxx@[::1]:80/"},
		{"http://[::1]/@alice", "http://[::1]/@alice"}, // the host was hidden: "http://[:xxxxx@alice"
		{"http://[fe80::1]/?email=a@b.example", "http://[fe80::1]/?email=a@b.example"},
		{"http://[ann:Secret99]@127.0.0.1:1/", "http://[ann:xxxxx@127.0.0.1:1/"}, // no IPv6 literal: shown by 1d5d51e (a review)
		{"https://[ops:Hunter22@[::1]:1/", "https://[ops:xxxxx@[::1]:1/"},

		{"http://dave:pw@h/x", "http://dave:xxxxx@h/x"},
		{"HTTPS://dave:pw@h/x", "HTTPS://dave:xxxxx@h/x"},
		{"http://dave:@h/x", "http://dave:xxxxx@h/x"},
		{"http://a@b:c@d/", "http://a@b:xxxxx@d/"}, // as given: url.URL.Redacted wrote a%40b
		{"https://ann:AKIA/xyzSECRET@example.com/file", "https://ann:xxxxx@example.com/file"},
		{"http://bob:***@elsewhere/y", "http://bob:xxxxx@elsewhere/y"},

		{"http://dave@h/x", "http://dave@h/x"},
		{"http://example.com/files/me@work/r%ZZport.pdf", "http://example.com/files/me@work/r%ZZport.pdf"},
		{"https://example.com/wiki/User:Ann@home", "https://example.com/wiki/User:Ann@home"},
		{"http://h/x?at=10:30&by=a@b", "http://h/x?at=10:30&by=a@b"},
		{"http://localhost:8080/x", "http://localhost:8080/x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := fetch.Redact(tt.url); got != tt.want {
			t.Errorf("Redact(%q) = %q; want %q", tt.url, got, tt.want)
		}
	}
}

// TestRecordHidesLoosePassword: the record of a URL whose user info
// net/url does not see shows no piece of its password, in its url or its
// error: it used to show the URL as given, and the error of
// http://ann:99999/x@h/ quoted the "port" 99999.
func TestRecordHidesLoosePassword(t *testing.T) {
	tests := []struct {
		url    string
		secret string
	}{
		{"ann:Secr3tPW@127.0.0.1:1/x", "Secr3tPW"},
		{"http:ann:Secr3tPW@127.0.0.1:1/x", "Secr3tPW"},
		{"http:/ann:Secr3tPW@127.0.0.1:1/x", "Secr3tPW"},
		{"http:///ann:Secr3tPW@127.0.0.1:1/x", "Secr3tPW"},
		{`http:\\ann:Secr3tPW@127.0.0.1:1/x`, "Secr3tPW"},
		{"http:///:0000@127.0.0.1:1/404", "0000"},
		{"http://ann:99999/Secr3t@127.0.0.1:1/", "99999"},
		{"ann.example:4321/Secr3t@127.0.0.1:1/", "4321/Secr3t"}, // no "did you mean http://ann.example:4321/Secr3t@..."
		{`https://CORP\ann:Secr3t@127.0.0.1:1/x`, "Secr3t"},     // nor net/url's "invalid userinfo" with it
	}
	for _, tt := range tests {
		for r := range fetch.Run(context.Background(), slices.Values([]string{tt.url}), fetch.Retries(0)) {
			var b bytes.Buffer
			if err := json.NewEncoder(&b).Encode(r); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), tt.secret) {
				t.Errorf("%q: the record shows %q: %s", tt.url, tt.secret, b.Bytes())
			}
		}
	}
}

// TestRedirectLocationPasswordMasked: a redirect whose Location does not
// parse fails with net/http's error, which quotes the Location whole: its
// password was in the record (a review). The server listens on 127.0.0.1.
func TestRedirectLocationPasswordMasked(t *testing.T) {
	const pw = "Zq7PwSecret"
	for _, loc := range []string{
		"http://ann:se cret" + pw + "@127.0.0.1:1/",
		"//ann:se\"cret" + pw + "@127.0.0.1:1/", // %q escapes the '"': the first version's match stopped there
		"//ann:" + pw + "/x@127.0.0.1:1/",
		`http://a\b:` + pw + "@127.0.0.1:1/",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Location"] = []string{loc}
			w.WriteHeader(http.StatusFound)
		}))
		for r := range fetch.Run(context.Background(), slices.Values([]string{srv.URL + "/r"}), fetch.Retries(0)) {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), pw) {
				t.Errorf("Location %q: the record shows the password: %s", loc, b)
			}
		}
		srv.Close()
	}
}
