package rt_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestShutdownReportsStuckDetector: an OnBlocking callback that blocks
// keeps the detector's goroutine alive. Shutdown with an ended context
// must return by the end of its grace period, and not with nil, since the
// runtime still owns a goroutine; it used to return nil, after waiting a
// second grace period. Once the callback returns, Shutdown again returns
// nil.
func TestShutdownReportsStuckDetector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = time.Second
		release := make(chan struct{})
		reported := make(chan struct{})
		r, err := rt.New(rt.Logger(quiet), rt.Workers(1), rt.DetectBlocking(10*time.Millisecond),
			rt.ShutdownGrace(grace), rt.OnBlocking(func(rt.BlockingReport) {
				close(reported)
				<-release
			}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		tk := rt.Spawn(r, ctx, func(context.Context) (int, error) {
			time.Sleep(time.Second) // holds the slot: reported after ~10 ms
			return 0, nil
		})
		<-reported
		if _, err := tk.Await(ctx); err != nil {
			t.Fatal(err)
		}
		errCause := errors.New("the deploy is rolling")
		sctx, cancel := context.WithCancelCause(ctx)
		cancel(errCause)
		start := time.Now()
		err = r.Shutdown(sctx)
		if took := time.Since(start); took > grace {
			t.Errorf("Shutdown took %v; want at most the grace period, %v", took, grace)
		}
		if err == nil {
			t.Errorf("Shutdown with the detector stuck in OnBlocking: got nil; want an error")
		}
		for _, target := range []error{context.Canceled, errCause} {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%v, %v) = false; want true (ctx's error and its cause)", err, target)
			}
		}
		close(release)
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("second Shutdown, after the callback returned: got %v; want nil", err)
		}
	})
}

// TestShutdownGraceZeroIdleDetector: with no grace at all and a done ctx,
// Shutdown of an idle runtime returns nil: nothing was left, and the
// detector, not in a callback, stops at its next look. It used to report a
// stuck detector, or a ShutdownError, about half the time.
func TestShutdownGraceZeroIdleDetector(t *testing.T) {
	for range 500 {
		r, err := rt.New(rt.Logger(quiet), rt.ShutdownGrace(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown of an idle runtime with a done ctx: got %v; want nil (nothing was left to cancel)", err)
		}
	}
}
