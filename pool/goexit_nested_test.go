package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestGoexitInItemRunInline checks what the package doc says of a
// runtime.Goexit in an item that runs on the goroutine of the Go job that
// submitted it (caller-runs, on a pool of one worker with no queue): it
// ends that job too, both count in Panicked, each Go job among them goes
// to OnPanic, and Metrics' sum holds.
func TestGoexitInItemRunInline(t *testing.T) {
	for _, tc := range []struct {
		name        string
		inner       func(p *pool.Pool)
		wantReports int64
	}{
		{"Go job", func(p *pool.Pool) { _ = p.Go(func() { runtime.Goexit() }) }, 2},
		{"task", func(p *pool.Pool) {
			_, _ = pool.Submit(context.Background(), p, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }).Await(context.Background())
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reports atomic.Int64
			p, err := pool.New(1, pool.QueueSize(0), pool.OnPanic(func(*task.PanicError) { reports.Add(1) }))
			if err != nil {
				t.Fatal(err)
			}
			ended := make(chan bool)
			if err := p.Go(func() {
				finished := false
				defer func() { ended <- finished }()
				tc.inner(p)
				finished = true
			}); err != nil {
				t.Fatal(err)
			}
			if <-ended {
				t.Errorf("the submitting job went on after its inline item's Goexit; want it ended")
			}
			p.Close()
			m := p.Metrics()
			if m.Submitted != 2 || m.Panicked != 2 || m.Completed+m.Failed+m.Cancelled+m.Rejected != 0 {
				t.Errorf("got Submitted %d, Panicked %d, Completed %d, Failed %d, Cancelled %d, Rejected %d; want 2, 2 and the rest 0",
					m.Submitted, m.Panicked, m.Completed, m.Failed, m.Cancelled, m.Rejected)
			}
			if got := reports.Load(); got != tc.wantReports {
				t.Errorf("got %d OnPanic reports, want %d", got, tc.wantReports)
			}
		})
	}
}
