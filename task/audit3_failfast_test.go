package task_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// TestAudit3FailFastGoAtLimit: FailFast promises that once the group has
// failed, "tasks submitted after it with Go fail at once without
// running". A Go at the limit used to wait for a place first, for as long
// as a running task that ignores its context kept it: the producer stayed
// blocked on a group that had already failed. Both a Go made after the
// failure and one already waiting for a place when it came must return a
// failed task at once.
func TestAudit3FailFastGoAtLimit(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name        string
		waitsBefore bool // the Gos are waiting for a place when the group fails
		submitters  int
	}{
		{"go after the failure", false, 1},
		{"go waiting when the group fails", true, 1},
		{"five goes waiting when the group fails", true, 5},
		{"five goes after the failure", false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bg := context.Background()
				g := task.NewGroup[int](bg, task.Limit(1), task.FailFast())
				defer g.Close()
				trip, hold := make(chan struct{}), make(chan struct{})
				defer close(hold)
				// The one place is held by a task that, once told to, makes
				// the group fail through a nested task (run inline, the
				// group being full) and then blocks, ignoring its context,
				// as a task stuck in a system call does.
				g.Go(bg, func(ctx context.Context) (int, error) {
					<-trip
					g.Go(ctx, func(context.Context) (int, error) { return 0, errBoom })
					<-hold
					return 1, nil
				})
				var ran atomic.Int64
				got := make([]*task.Task[int], tt.submitters)
				var returned atomic.Int64
				submit := func() {
					for i := range got {
						go func() {
							got[i] = g.Go(bg, func(context.Context) (int, error) {
								ran.Add(1)
								return 2, nil
							})
							returned.Add(1)
						}()
					}
				}
				if tt.waitsBefore {
					submit()
					synctest.Wait() // the submitters wait for the place
					close(trip)
				} else {
					close(trip)
					synctest.Wait() // the group has failed
					submit()
				}
				synctest.Wait()
				if n := returned.Load(); n != int64(tt.submitters) {
					t.Fatalf("Gos at the limit of a failed FailFast group that returned: got %d, want %d (the others are still blocked)", n, tt.submitters)
				}
				for i, tk := range got {
					if _, err, ok := tk.Result(); !ok || !errors.Is(err, errBoom) {
						t.Errorf("task %d submitted after the failure: got error %v (ended %v), want one wrapping %v", i, err, ok, errBoom)
					}
				}
				if n := ran.Load(); n != 0 {
					t.Errorf("tasks submitted after the failure that ran: got %d, want 0", n)
				}
			})
		})
	}
}
