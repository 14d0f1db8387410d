package pool_test

import (
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/pool"
)

// TestAudit3RunningNeverExceedsBusyWorkers: Metrics().Running was worked
// out as the accepted items not yet counted as ended, less the queued
// ones. A worker publishes its counts only every 64 items or when it goes
// idle, and a submitter blocked on a full queue has been counted as
// submitted, so a pool whose workers went from a run of short jobs
// straight into long ones, or whose submitters waited for room, reported
// more items running than it had workers, and kept doing so for as long as
// the long jobs ran.
func TestAudit3RunningNeverExceedsBusyWorkers(t *testing.T) {
	cases := []struct {
		name      string
		limit     int
		queue     int
		short     int // no-op jobs before the blocking ones
		blocking  int // jobs that wait for the gate
		submitter int // goroutines blocked in Go for room
	}{
		{name: "after a run of short jobs", limit: 4, queue: pool.DefaultQueueSize, short: 200, blocking: 4},
		{name: "after a run of short jobs, some queued", limit: 4, queue: pool.DefaultQueueSize, short: 200, blocking: 7},
		{name: "submitters blocked for room", limit: 2, queue: 1, blocking: 3, submitter: 5},
		{name: "no queue, submitters blocked", limit: 2, queue: 0, short: 100, blocking: 2, submitter: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, c.limit, pool.QueueSize(c.queue))
				g := newGate()
				defer g.open()
				for range c.short {
					if err := p.Go(func() {}); err != nil {
						t.Fatal(err)
					}
				}
				busyWorkers(t, p, c.blocking, g)
				for range c.submitter {
					go p.Go(func() {})
				}
				synctest.Wait()
				m := p.Metrics()
				running := min(c.blocking, c.limit)
				queued := c.blocking - running
				if m.Running != running || m.Queued != queued || m.Workers != c.limit || m.Idle != 0 {
					t.Errorf("%d workers blocked, %d jobs queued: Metrics() has Running = %d, Queued = %d, Workers = %d, Idle = %d; want %d, %d, %d, 0",
						running, queued, m.Running, m.Queued, m.Workers, m.Idle, running, queued, c.limit)
				}
				g.open()
				synctest.Wait()
				checkInvariant(t, p)
			})
		})
	}
}
