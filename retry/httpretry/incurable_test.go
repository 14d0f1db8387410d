package httpretry_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
)

// Transport errors that no attempt can cure (a scheme net/http does not
// support, a URL with no host) used to be retried like a refused
// connection: they take one attempt.
func TestIncurableRequestErrorsNotRetried(t *testing.T) {
	for _, u := range []string{"ftp://example.com/x", "http:///x"} {
		attempts := 0
		_, err := httpretry.Do(context.Background(), nil, func(ctx context.Context) (*http.Request, error) {
			attempts++
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}, retry.MaxAttempts(4), retry.Backoff(retry.Constant(time.Millisecond)))
		if attempts != 1 {
			t.Errorf("%s: %d attempts (err %v); want 1: another attempt cannot cure it", u, attempts, err)
		}
	}
}
