package fetch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
)

// The record is written as it is when the encoder does not escape HTML
// (spool fetch's does not): "?a=1&b=2", not "?a=1\u0026b=2". It used to
// escape &, < and > whatever the encoder, as json.Marshal does.
func TestAuditRecordNotHTMLEscaped(t *testing.T) {
	tests := []struct {
		name string
		r    fetch.Result
		want string
	}{
		{"query", fetch.Result{URL: "http://h/?a=1&b=2", Status: 200, Attempts: 1},
			`{"url":"http://h/?a=1&b=2","status":200,"bytes":0,"attempts":1,"duration_ms":0,"error":null}`},
		{"angle brackets and an error", fetch.Result{URL: "http://h/<x>", Err: errors.New("a <b> & c")},
			`{"url":"http://h/<x>","status":0,"bytes":0,"attempts":0,"duration_ms":0,"error":"a <b> & c"}`},
		{"path", fetch.Result{URL: "http://h/a&b", Path: "out/h_a_b", Status: 200},
			`{"url":"http://h/a&b","status":200,"bytes":0,"attempts":0,"duration_ms":0,"error":null,"path":"out/h_a_b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.r); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want+"\n" {
				t.Errorf("encoded record:\ngot  %s\nwant %s", got, tt.want)
			}
			// MarshalJSON's own bytes are one line, with no newline.
			raw, err := tt.r.MarshalJSON()
			if err != nil || bytes.ContainsRune(raw, '\n') {
				t.Errorf("MarshalJSON = %q, %v; want one line and no error", raw, err)
			}
		})
	}
}

// A URL given without its scheme gets ErrMalformed with the fix to make
// (127.0.0.1:8601/ok used to fail with "first path segment in URL cannot
// contain colon", and localhost:8080 with the unsupported scheme
// "localhost"); what cannot be read as a host keeps the plain message.
func TestAuditSchemeHint(t *testing.T) {
	tests := []struct {
		url   string
		match error
		want  string
	}{
		{"127.0.0.1:8601/ok", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://127.0.0.1:8601/ok?)"},
		{"localhost:8080", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://localhost:8080?)"},
		{"localhost", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://localhost?)"},
		{"example.com/x?a=1", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://example.com/x?a=1?)"},
		{"example.com:8080/x", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://example.com:8080/x?)"},
		{"//example.com/x", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://example.com/x?)"},
		{"[::1]:8080/x", fetch.ErrMalformed, "fetch: malformed URL: no scheme (did you mean http://[::1]:8080/x?)"},
		{"not a url", fetch.ErrMalformed, "fetch: malformed URL: no scheme (want http:// or https://)"},
		{"https//example.com", fetch.ErrMalformed, "fetch: malformed URL: no scheme (want http:// or https://)"},
		{"ftp://example.com/f", fetch.ErrScheme, `fetch: unsupported scheme "ftp" (want http or https)`},
		{"mailto:me@example.com", fetch.ErrScheme, `fetch: unsupported scheme "mailto" (want http or https)`},
		{"tel:12345", fetch.ErrScheme, `fetch: unsupported scheme "tel" (want http or https)`},
		{"http://", fetch.ErrMalformed, "fetch: malformed URL: no host"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			var got []fetch.Result
			for r := range fetch.Run(context.Background(), func(yield func(string) bool) { yield(tt.url) }) {
				got = append(got, r)
			}
			if len(got) != 1 {
				t.Fatalf("got %d results; want 1", len(got))
			}
			r := got[0]
			if r.Err == nil || r.Err.Error() != tt.want || !errors.Is(r.Err, tt.match) || r.Attempts != 0 {
				t.Errorf("got %d attempts, error %v; want none and %q (matching %v)", r.Attempts, r.Err, tt.want, tt.match)
			}
		})
	}
}

// The records of real failures read in the user's terms: "404 Not Found"
// (it was "httpretry: 404 Not Found"), "timed out after 20ms" (it was
// "task: timed out after 20ms: Get \"URL\": task: time limit passed").
// Err itself is unchanged, for errors.Is and errors.As.
func TestAuditRecordErrorEndToEnd(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		path    string
		retries int
		timeout time.Duration // 0: fast's, which only /stall reaches
		want    string
	}{
		{"/status/404", 2, 0, "404 Not Found"},
		{"/status/503", 2, 0, "503 Service Unavailable (gave up after 3 attempts)"},
		{"/status/503?r=0", 0, 0, "503 Service Unavailable"},
		{"/stall", 0, 20 * time.Millisecond, "timed out after 20ms"},
		{"/stall?r=1", 1, 20 * time.Millisecond, "timed out after 20ms (gave up after 2 attempts)"},
		{"/cut", 0, 0, "fetch: reading body: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			u := s.URL + tt.path
			opts := fast(fetch.Retries(tt.retries))
			if tt.timeout > 0 {
				opts = append(opts, fetch.Timeout(tt.timeout))
			}
			_, got := collect(t, context.Background(), []string{u}, opts...)
			r := got[u]
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var rec struct{ Error string }
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Error != tt.want {
				t.Errorf("record's error: got %q; want %q (Err: %v)", rec.Error, tt.want, r.Err)
			}
			if strings.Contains(rec.Error, "httpretry:") || strings.Contains(rec.Error, "task:") || strings.Contains(rec.Error, "retry:") {
				t.Errorf("record's error %q names a package", rec.Error)
			}
		})
	}
}
