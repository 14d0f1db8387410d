package rt_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestCancelledQueuedBlockingNeverRuns: a blocking task cancelled while it
// waits in the blocking pool's queue must resolve without running. The
// callback that resolves it runs on a goroutine of its own
// (context.AfterFunc), so a goroutine of the pool that comes free first
// may take it; it must then see the ended context and not run fn. Without
// that check, 934 of 2,000 such tasks ran. (Resolution itself may come a
// moment after Cancel returns: Await waits for it.)
func TestCancelledQueuedBlockingNeverRuns(t *testing.T) {
	r, err := rt.New(rt.Logger(quiet), rt.MaxBlocking(1), rt.DetectBlocking(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	ctx := context.Background()
	var ran, succeeded atomic.Int64
	const n = 2000
	for range n {
		gate := make(chan struct{})
		a := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
		b := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
		b.Cancel()
		close(gate)
		_, _ = a.Await(ctx)
		if _, err := b.Await(ctx); !errors.Is(err, context.Canceled) {
			succeeded.Add(1)
		}
	}
	if ran.Load() > 0 || succeeded.Load() > 0 {
		t.Errorf("of %d blocking tasks cancelled while queued: got %d run and %d resolved without context.Canceled; want 0 and 0", n, ran.Load(), succeeded.Load())
	}
}
