package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/fetch"
)

// Run yields one Result per URL, in completion order; Index says where the
// URL was in the input. A 503 is retried, a 404 fails at once, and neither
// stops the batch.
func ExampleRun() {
	var flakyHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if flakyHits.Add(1) == 1 {
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
		case "/gone":
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	urls := []string{srv.URL + "/report.csv", srv.URL + "/flaky", srv.URL + "/gone"}
	results := make([]fetch.Result, len(urls))
	for r := range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(4), fetch.Timeout(10*time.Second)) {
		results[r.Index] = r
	}
	for _, r := range results {
		fmt.Printf("%s: status %d after %d attempt(s), err=%v\n",
			strings.TrimPrefix(r.URL, srv.URL), r.Status, r.Attempts, r.Err)
	}
	// Output:
	// /report.csv: status 200 after 1 attempt(s), err=<nil>
	// /flaky: status 200 after 2 attempt(s), err=<nil>
	// /gone: status 404 after 1 attempt(s), err=httpretry: 404 Not Found
}
