// Package wait holds the small waits and wake-ups that spool's executors
// share.
package wait

import "time"

// Closed waits up to d for ch to close and reports whether it did. With
// d <= 0 it only looks.
func Closed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ch:
		return true
	case <-tm.C:
		return false
	}
}

// Wake puts a token on ch, a 1-buffered channel a waiter receives from,
// unless one is there already: a wake-up that the waiter takes whether it
// is waiting now or comes to wait later, and that two wakers cannot lose
// or double. A stale token only makes the waiter look again.
func Wake(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
