package pool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestDoneCtxComesFirst: Submit and TrySubmit with a ctx done already
// give a task failed with task.ErrNotStarted, counted as cancelled, on an
// open, a full and a closed pool alike, and TrySubmit returns the task's
// error. On a full or closed pool, TrySubmit returned ErrFull or
// ErrClosed while its task said not started, and Metrics counted it as
// rejected, so errors and counts disagreed.
func TestDoneCtxComesFirst(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	fn := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name  string
		state func(t *testing.T, p *pool.Pool) (undo func())
	}{
		{"open", func(*testing.T, *pool.Pool) func() { return func() {} }},
		{"full", func(t *testing.T, p *pool.Pool) func() {
			gate := make(chan struct{})
			if err := p.Go(func() { <-gate }); err != nil {
				t.Fatal(err)
			}
			return func() { close(gate) }
		}},
		{"closed", func(_ *testing.T, p *pool.Pool) func() { p.Close(); return func() {} }},
	}
	submits := []struct {
		name   string
		submit func(p *pool.Pool) (tk *task.Task[int], returned error)
	}{
		{"Submit", func(p *pool.Pool) (*task.Task[int], error) { return pool.Submit(done, p, fn), nil }},
		{"TrySubmit", func(p *pool.Pool) (*task.Task[int], error) { return pool.TrySubmit(done, p, fn) }},
	}
	for _, st := range tests {
		for _, sb := range submits {
			t.Run(st.name+"/"+sb.name, func(t *testing.T) {
				p, err := pool.New(1, pool.QueueSize(0))
				if err != nil {
					t.Fatal(err)
				}
				undo := st.state(t, p)
				before := p.Metrics()
				tk, returned := sb.submit(p)
				_, terr, ok := tk.Result()
				if !ok || !errors.Is(terr, task.ErrNotStarted) || !errors.Is(terr, context.Canceled) {
					t.Errorf("task: ended %v, err %v; want it failed, matching task.ErrNotStarted and context.Canceled", ok, terr)
				}
				if sb.name == "TrySubmit" && returned != terr {
					t.Errorf("TrySubmit returned %v; want the task's error, %v", returned, terr)
				}
				m := p.Metrics()
				if got := [3]uint64{m.Submitted - before.Submitted, m.Cancelled - before.Cancelled, m.Rejected - before.Rejected}; got != [3]uint64{1, 1, 0} {
					t.Errorf("Metrics grew by Submitted %d, Cancelled %d, Rejected %d; want 1, 1, 0", got[0], got[1], got[2])
				}
				undo()
				p.Close()
			})
		}
	}
}
