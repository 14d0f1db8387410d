package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// TestCallerClientRedirectErrors: with a Client of the caller's own, a
// redirect refused reads as clearly as with Run's own client, naming the
// absolute URL of the redirect not taken (and, under net/http's default
// policy, the limit, matching ErrRedirects), while errors.Is/As still reach
// the *url.Error that the client returned and the CheckRedirect's own
// error; the caller's Client is left as it was. It used to be net/http's
// raw error, naming the Location header as it came: Get "/loop": stopped
// after 10 redirects.
func TestCallerClientRedirectErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, ok := strings.CutPrefix(r.URL.Path, "/hop/"); ok {
			i, _ := strconv.Atoi(n)
			w.Header().Set("Location", strconv.Itoa(i+1)) // relative to /hop/
			w.WriteHeader(http.StatusFound)
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusFound) // Location: the same path
	}))
	defer srv.Close()
	errStop := errors.New("stop: 3 redirects are enough")
	limit3 := func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errStop
		}
		return nil
	}
	lastResponse := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	// No refused redirect is retried: the same policy would refuse it
	// again. (A refusal by the caller's own CheckRedirect was retried, as
	// a transport error, 5 times here.)
	tests := []struct {
		name     string
		client   *http.Client // nil: Run's own
		url      string
		retries  int    // 5 where the error must not be retried
		wantErr  string // the whole error; "" for none
		is       []error
		isNot    []error
		location string // the *url.Error's URL: the Location header as it came
		status   int
	}{
		{"Run's client, loop", nil, srv.URL + "/loop", 5,
			"fetch: stopped after 10 redirects (the next to " + srv.URL + "/loop)", []error{fetch.ErrRedirects}, nil, "/loop", http.StatusFound},
		{"caller's client, loop", &http.Client{}, srv.URL + "/loop", 5,
			"fetch: stopped after 10 redirects (the next to " + srv.URL + "/loop)", []error{fetch.ErrRedirects}, nil, "/loop", http.StatusFound},
		{"caller's client, relative hops", &http.Client{}, srv.URL + "/hop/1", 5,
			"fetch: stopped after 10 redirects (the next to " + srv.URL + "/hop/11)", []error{fetch.ErrRedirects}, nil, "11", http.StatusFound},
		{"caller's CheckRedirect refuses", &http.Client{CheckRedirect: limit3}, srv.URL + "/hop/1", 5,
			"fetch: redirect to " + srv.URL + "/hop/4 refused: " + errStop.Error(), []error{errStop}, []error{fetch.ErrRedirects}, "4", http.StatusFound},
		{"caller's CheckRedirect uses the last response", &http.Client{CheckRedirect: lastResponse}, srv.URL + "/hop/1", 5,
			"", nil, nil, "", http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []fetch.Option{fetch.Retries(tt.retries)}
			var before http.Client
			if tt.client != nil {
				before = *tt.client
				opts = append(opts, fetch.Client(tt.client))
			}
			_, got := collect(t, context.Background(), []string{tt.url}, fast(opts...)...)
			r := got[tt.url]
			if tt.client != nil && (tt.client.Transport != before.Transport || tt.client.Jar != before.Jar || tt.client.Timeout != before.Timeout ||
				reflect.ValueOf(tt.client.CheckRedirect).Pointer() != reflect.ValueOf(before.CheckRedirect).Pointer()) {
				t.Errorf("got the caller's client changed to %+v; want it as it was, %+v", *tt.client, before)
			}
			if r.Attempts != 1 || r.Status != tt.status {
				t.Errorf("got %d attempts, status %d; want 1 attempt, status %d", r.Attempts, r.Status, tt.status)
			}
			if tt.wantErr == "" {
				if r.Err != nil {
					t.Errorf("got error %v; want none", r.Err)
				}
				return
			}
			if r.Err == nil || r.Err.Error() != tt.wantErr {
				t.Fatalf("got error %v; want %q", r.Err, tt.wantErr)
			}
			for _, e := range tt.is {
				if !errors.Is(r.Err, e) {
					t.Errorf("got error %v; want it to match %v", r.Err, e)
				}
			}
			for _, e := range tt.isNot {
				if errors.Is(r.Err, e) {
					t.Errorf("got error %v matching %v; want it not to", r.Err, e)
				}
			}
			var ue *url.Error
			if !errors.As(r.Err, &ue) {
				t.Fatalf("got error %v (%T); want errors.As to find the client's *url.Error", r.Err, r.Err)
			}
			if ue.URL != tt.location {
				t.Errorf("got *url.Error URL %q; want the Location header as it came, %q", ue.URL, tt.location)
			}
		})
	}
}
