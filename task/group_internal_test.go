package task

import (
	"context"
	"testing"
	"testing/synctest"
)

// TestGroupLastEndWakesNext replays, step by step, the interleaving that
// lost Next's wake-up. A task ends in two steps (record): it queues its
// result, which puts a token on ready, then counts itself out of pending
// (leave). In between, one Next takes the result, leaving the token, and
// a second Next finds nothing while the task still counts, takes the stale
// token, looks again and goes to sleep. The task's leave must wake it: if
// it does not, the second Next sleeps for good and synctest reports a
// deadlock.
func TestGroupLastEndWakesNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := NewGroup[int](ctx)
		defer g.Close()
		// A first Next turns on the completion-order queue.
		if _, err, ok := g.Next(ctx); ok || err != nil {
			t.Fatalf("Next() on an empty group = %v, %v; want nil, false", err, ok)
		}
		// A task that has ended, up to the middle of record.
		g.mu.Lock()
		o := g.results.push()
		g.pending.Add(1)
		g.mu.Unlock()
		o.val = 42
		o.state.Store(outDone)
		g.enqueue(o)
		if v, err, ok := g.Next(ctx); v != 42 || err != nil || !ok {
			t.Fatalf("Next() = %d, %v, %v; want 42, nil, true", v, err, ok)
		}
		got := make(chan bool)
		go func() {
			_, err, ok := g.Next(ctx)
			if err != nil {
				t.Errorf("Next() after the last result = %v; want nil", err)
			}
			got <- ok
		}()
		synctest.Wait() // the second Next is asleep, the task still pending
		g.leave()       // the rest of record
		if ok := <-got; ok {
			t.Error("Next() after the last result: ok = true; want false")
		}
	})
}
