package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/spool-go/spool/fetch"
)

// The chapter's fetch_many_urls: join_all over every URL's request. Run
// bounds how many are in flight, retries what is worth retrying, and gives
// each URL its own result instead of failing the batch.
func Example_fetchManyURLs() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "page %s", r.URL.Path)
	}))
	defer srv.Close()

	urls := []string{srv.URL + "/a", srv.URL + "/b", srv.URL + "/missing", "not a url"}
	for r := range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(2), fetch.Ordered()) {
		u := strings.TrimPrefix(r.URL, srv.URL)
		fmt.Printf("%-10s status=%d bytes=%d attempts=%d error=%v\n", u, r.Status, r.Bytes, r.Attempts, r.Err)
	}
	// Output:
	// /a         status=200 bytes=7 attempts=1 error=<nil>
	// /b         status=200 bytes=7 attempts=1 error=<nil>
	// /missing   status=404 bytes=0 attempts=1 error=httpretry: 404 Not Found
	// not a url  status=0 bytes=0 attempts=0 error=fetch: malformed URL: no scheme (want http:// or https://)
}
