package rt

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// TestBlockingBusyAfterExit: a blocking goroutine whose task has left the
// registry, and that has not yet gone back to the idle list, is not busy.
// Metrics counted it as busy (live goroutines less idle ones), so a
// snapshot taken in between, when the goroutine waits for the runtime's
// lock to go idle, had BlockingBusy > BlockingTasks. The test stands in
// for a second goroutine of the pool: it takes the queued task as one
// does (popLocked), runs it (run, which ends with exit), and looks at
// Metrics where such a goroutine would take the lock again.
func TestBlockingBusyAfterExit(t *testing.T) {
	r, err := New(MaxBlocking(1), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gate := make(chan struct{})
	running := SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
	queued := SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 1, nil })

	r.mu.Lock()
	r.bp.live++ // the test is a goroutine of the pool
	e := r.bp.popLocked()
	r.mu.Unlock()
	if e == nil {
		t.Fatal("no queued task to take")
	}
	r.bp.run(e)
	if v, err, ok := queued.Result(); !ok || v != 1 || err != nil {
		t.Fatalf("the queued task: %v, %v, %v; want 1, nil, true", v, err, ok)
	}
	m := r.Metrics()
	if m.BlockingBusy != 1 || m.BlockingTasks != 1 {
		t.Errorf("one blocking task running and a goroutine that has just ended another: BlockingBusy %d, BlockingTasks %d; want 1, 1",
			m.BlockingBusy, m.BlockingTasks)
	}

	r.mu.Lock()
	r.bp.live--
	r.mu.Unlock()
	close(gate)
	_, _ = running.Await(ctx)
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if m := r.Metrics(); m.BlockingBusy != 0 || m.BlockingIdle != 0 {
		t.Errorf("after Shutdown: BlockingBusy %d, BlockingIdle %d; want 0, 0", m.BlockingBusy, m.BlockingIdle)
	}
}
