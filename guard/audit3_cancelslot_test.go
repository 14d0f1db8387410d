package guard_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/task"
)

// gatedSlot is a task.Slot whose Acquire blocks until the gate opens, as a
// runtime's does while every worker is busy.
type gatedSlot struct{ gate chan struct{} }

func (s *gatedSlot) Release() bool { return true }
func (s *gatedSlot) Acquire()      { <-s.gate }

// TestAudit3CancelledWaiterLeavesAtOnce: a waiter whose ctx ends leaves
// the queue at once, as the package doc says, even when its task cannot
// get a runtime slot back yet. It used to take its slot back first and
// only then leave the queue, so while every worker was busy it stayed at
// the head: the waiters behind it did not get a free lock or free permits,
// and a lock released meanwhile was handed to it, held by a waiter that no
// longer wanted it.
func TestAudit3CancelledWaiterLeavesAtOnce(t *testing.T) {
	tests := []struct {
		name string
		// setup takes what the cancelled waiter will queue behind, and
		// returns its wait, the wait of a plain waiter queued behind it, and
		// what to release once the cancelled waiter has given up (nil: the
		// waiter behind can go on at once).
		setup func() (cancelled, behind func(context.Context) error, release func())
	}{
		{"RWMutex reader behind a cancelled writer", func() (_, _ func(context.Context) error, _ func()) {
			var m guard.RWMutex[int]
			m.TryRLock() // a reader holds the lock throughout
			return func(ctx context.Context) error {
					g, err := m.Lock(ctx)
					if err == nil {
						g.Unlock()
					}
					return err
				}, func(ctx context.Context) error {
					g, err := m.RLock(ctx)
					if err == nil {
						g.Unlock()
					}
					return err
				}, nil
		}},
		{"Mutex released after the cancel", func() (_, _ func(context.Context) error, _ func()) {
			var m guard.Mutex[int]
			held, _ := m.TryLock()
			lock := func(ctx context.Context) error {
				g, err := m.Lock(ctx)
				if err == nil {
					g.Unlock()
				}
				return err
			}
			return lock, lock, held.Unlock
		}},
		{"Semaphore small Acquire behind a cancelled big one", func() (_, _ func(context.Context) error, _ func()) {
			s, _ := guard.NewSemaphore(2)
			s.TryAcquire(1)
			return func(ctx context.Context) error { return s.Acquire(ctx, 2) },
				func(ctx context.Context) error { return s.Acquire(ctx, 1) }, nil
		}},
		{"Semaphore released after the cancel", func() (_, _ func(context.Context) error, _ func()) {
			s, _ := guard.NewSemaphore(2)
			s.TryAcquire(2)
			return func(ctx context.Context) error { return s.Acquire(ctx, 2) },
				func(ctx context.Context) error { return s.Acquire(ctx, 2) }, func() { s.Release(2) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cancelled, behind, release := tt.setup()
				slot := &gatedSlot{gate: make(chan struct{})}
				ctx, cancel := context.WithCancel(t.Context())
				tk, job := task.Prepare(ctx, func(ctx context.Context) (int, error) {
					return 0, cancelled(ctx)
				}, task.WithSlot(slot))
				go job.Run()
				synctest.Wait()
				done := make(chan error, 1)
				go func() { done <- behind(t.Context()) }()
				synctest.Wait()

				cancel() // the task gives up, but cannot get its slot back yet
				synctest.Wait()
				if release != nil {
					release()
					synctest.Wait()
				}
				served := false
				select {
				case err := <-done:
					served = true
					if err != nil {
						t.Errorf("waiter behind: %v; want nil", err)
					}
				default:
					t.Errorf("waiter behind the cancelled one still waits while the cancelled task waits for a slot; want it served at once")
				}
				close(slot.gate)
				if _, err := tk.Await(t.Context()); !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled waiter: %v; want context.Canceled", err)
				}
				if !served {
					<-done
				}
			})
		})
	}
}
