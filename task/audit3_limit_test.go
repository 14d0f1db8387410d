package task_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestAudit3GroupLimitReached submits blocking tasks to a Group and counts,
// in fake time, how many run at once: the limit must be reached (not the
// few workers a busy group keeps awake), the batch must take
// ceil(tasks/limit) rounds, and Close with tasks still queued must run them
// all at once too.
func TestAudit3GroupLimitReached(t *testing.T) {
	tests := []struct {
		name         string
		limit, tasks int // limit 0: no limit
		closeEarly   bool
		want         time.Duration
	}{
		{"limit 8", 8, 100, false, 13 * time.Second},
		{"limit 64", 64, 200, false, 4 * time.Second},
		{"no limit", 0, 200, false, time.Second},
		{"close with all queued", 32, 32, true, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var opts []task.GroupOption
				if tt.limit > 0 {
					opts = append(opts, task.Limit(tt.limit))
				}
				g := task.NewGroup[int](context.Background(), opts...)
				defer g.Close()
				var cur, peak, ran atomic.Int64
				work := func(context.Context) (int, error) {
					n := cur.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(time.Second) // ignores ctx, as blocking I/O may
					cur.Add(-1)
					ran.Add(1)
					return 1, nil
				}
				start := time.Now()
				for range tt.tasks {
					g.Go(context.Background(), work)
				}
				if tt.closeEarly {
					g.Close()
				} else if _, err := g.Wait(context.Background()); err != nil {
					t.Fatalf("Wait: got %v, want nil", err)
				}
				elapsed := time.Since(start)
				wantPeak := int64(tt.limit)
				if tt.limit == 0 {
					wantPeak = int64(tt.tasks)
				}
				if got := peak.Load(); got != wantPeak {
					t.Errorf("tasks at once: got %d, want %d", got, wantPeak)
				}
				if got := ran.Load(); got != int64(tt.tasks) {
					t.Errorf("tasks that ran: got %d, want %d", got, tt.tasks)
				}
				if elapsed != tt.want {
					t.Errorf("elapsed (fake time): got %v, want %v", elapsed, tt.want)
				}
			})
		})
	}
}
