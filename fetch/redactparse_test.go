package fetch_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// TestUnparsedURLPasswordMasked checks that a URL that does not parse
// because its password holds / ? # or a bad escape shows no piece of that
// password in its record: the mask stopped at the first /, and the
// parser's reason quoted a piece ("invalid port \":AKIA\" after host").
func TestUnparsedURLPasswordMasked(t *testing.T) {
	tests := []struct {
		url    string
		pieces []string // no piece of the password may show
	}{
		{"https://ann:AKIA/xyzSECRET@example.com/file", []string{"AKIA", "xyzSECRET"}},
		{"http://ann:se?cret@127.0.0.1/", []string{"se?cret", "cret"}},
		{"http://ann:s%zzecret@127.0.0.1/", []string{"%zz", "zzecret"}},
		{"http://ann:ab#cdef@127.0.0.1/", []string{"ab#cdef", "cdef"}},
	}
	for _, tt := range tests {
		for r := range fetch.Run(context.Background(), slices.Values([]string{tt.url})) {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.pieces {
				if strings.Contains(string(b), p) {
					t.Errorf("%q: the record shows %q: %s", tt.url, p, b)
				}
			}
		}
	}
}

// TestUnparsedURLReasonShown checks that a URL that does not parse and
// holds no password keeps the parser's reason: any @ hid it (review of
// 50a583f).
func TestUnparsedURLReasonShown(t *testing.T) {
	for _, u := range []string{"http://example.com/files/me@work/r%ZZport.pdf", "http://ann@example.com/%zz"} {
		for r := range fetch.Run(context.Background(), slices.Values([]string{u})) {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "invalid URL escape") {
				t.Errorf("%q: got %v; want the parser's reason (an invalid escape)", u, r.Err)
			}
		}
	}
}
