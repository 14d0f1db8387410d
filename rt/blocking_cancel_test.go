package rt_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestCancelledQueuedBlockingNeverRuns: a blocking task cancelled while it
// waits in the blocking pool's queue must resolve as the Cancel returns,
// and never run, however the pool's goroutine coming free races the
// cancel. When the callback that resolves it ran on a goroutine of its own
// (context.AfterFunc), the pool's goroutine could take it first: it must
// then see the ended context and not run fn (without that check, 934 of
// 2,000 such tasks ran), and the task resolved only a moment after Cancel
// returned.
func TestCancelledQueuedBlockingNeverRuns(t *testing.T) {
	r, err := rt.New(rt.Logger(quiet), rt.MaxBlocking(1), rt.DetectBlocking(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	ctx := context.Background()
	var ran, succeeded, late atomic.Int64
	const n = 2000
	for range n {
		gate := make(chan struct{})
		a := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
		b := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
		b.Cancel() // b is queued: a holds the pool's only goroutine until gate closes
		if _, _, ok := b.Result(); !ok {
			late.Add(1)
		}
		close(gate)
		_, _ = a.Await(ctx)
		if _, err := b.Await(ctx); !errors.Is(err, context.Canceled) {
			succeeded.Add(1)
		}
	}
	if ran.Load() > 0 || succeeded.Load() > 0 || late.Load() > 0 {
		t.Errorf("of %d blocking tasks cancelled while queued: got %d run, %d resolved without context.Canceled and %d not resolved when Cancel returned; want 0, 0 and 0",
			n, ran.Load(), succeeded.Load(), late.Load())
	}
}
