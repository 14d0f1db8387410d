package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spool-go/spool/retry"
)

// Do calls fn until it succeeds or a limit ends the call. attempt counts
// the calls from 1: MaxAttempts(4) is the first call and up to three
// retries. If picks the errors worth retrying; any other ends the call at
// once, and the *retry.Error says why and keeps the last error.
func ExampleDo() {
	ctx := context.Background()
	errConflict := errors.New("version conflict")
	policy, err := retry.New(retry.MaxAttempts(4),
		retry.Backoff(retry.Constant(time.Millisecond)),
		retry.If(func(err error) bool { return errors.Is(err, errConflict) }),
		retry.OnRetry(func(attempt int, err error, _ time.Duration) {
			fmt.Printf("attempt %d: %v\n", attempt, err)
		}))
	if err != nil {
		fmt.Println(err)
		return
	}

	version, err := retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
		if attempt < 3 { // another writer got there first, twice
			return 0, errConflict
		}
		return attempt, nil // saved as version 3
	}, policy)
	fmt.Println(version, err)

	_, err = retry.Do(ctx, func(ctx context.Context, attempt int) (int, error) {
		return 0, errors.New("invalid record")
	}, policy)
	fmt.Println(err)
	// Output:
	// attempt 1: version conflict
	// attempt 2: version conflict
	// 3 <nil>
	// retry: permanent error after 1 attempt: invalid record
}
