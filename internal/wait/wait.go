// Package wait holds the small waits that spool's executors share.
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
