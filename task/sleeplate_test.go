package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// lateCtx has a deadline, but its Done channel closes only at closeAt:
// what a loaded machine does to a context.WithTimeout, whose deadline
// timer has not run yet when a longer sleep's timer wakes its goroutine.
type lateCtx struct {
	context.Context
	deadline time.Time
	done     chan struct{}
}

func (c *lateCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *lateCtx) Done() <-chan struct{} {
	if c.done == nil {
		return nil // a context that can never end (a detached one)
	}
	return c.done
}
func (c *lateCtx) Err() error {
	if c.done == nil {
		return nil
	}
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestSleepPastADeadline checks that a Sleep that wakes after its
// context's deadline passed returns the context's error, not nil, even if
// Done has not closed yet: task.Example_withTimeout failed 5 times in 30
// under load, its 20 ms operation completing under a 10 ms Timeout.
func TestSleepPastADeadline(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration // from the start
		sleep    time.Duration
		neverEnd bool // Done is nil: the context reports a deadline it never keeps
		wantErr  error
	}{
		{"deadline before the sleep's end", 10 * time.Millisecond, 20 * time.Millisecond, false, context.DeadlineExceeded},
		{"deadline after the sleep's end", 30 * time.Millisecond, 20 * time.Millisecond, false, nil},
		// Waiting for the end of such a context hung (review of 9821afe).
		{"deadline before the end, Done nil", 10 * time.Millisecond, 20 * time.Millisecond, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := &lateCtx{Context: context.Background(), deadline: time.Now().Add(tt.deadline)}
				if !tt.neverEnd {
					ctx.done = make(chan struct{})
					go func() { // Done closes 20 ms after the sleep's end, late
						time.Sleep(tt.sleep + 20*time.Millisecond)
						close(ctx.done)
					}()
				}
				err := task.Sleep(ctx, tt.sleep)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Errorf("Sleep(%v) under a deadline at %v = %v; want %v", tt.sleep, tt.deadline, err, tt.wantErr)
				}
				synctest.Wait()
				if ctx.done != nil {
					<-ctx.done
				}
			})
		})
	}
}
