package fetch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/retry"
)

// TestNoHostlessURLIsRequestedAndRetried: a URL with a port but no host
// name, or a port out of range, is ErrMalformed with no request ("Each
// URL must be absolute, http or https, with a host"). It used to pass the
// check (p.Host is ":80") and be requested and retried.
func TestNoHostlessURLIsRequestedAndRetried(t *testing.T) {
	for _, u := range []string{"http://:80/x", "http://127.0.0.1:99999/x"} {
		var last fetch.Result
		for r := range fetch.Run(context.Background(), func(yield func(string) bool) { yield(u) },
			fetch.Retry(retry.Backoff(retry.Constant(time.Millisecond)))) {
			last = r
		}
		if !errors.Is(last.Err, fetch.ErrMalformed) || last.Attempts != 0 {
			t.Errorf("%s: Attempts = %d, Err = %v; want ErrMalformed and no request", u, last.Attempts, last.Err)
		}
	}
}
