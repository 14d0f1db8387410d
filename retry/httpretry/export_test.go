package httpretry

import "time"

// SetDrainWait sets how long Drain reads a body, for a test, and returns
// a function that puts it back.
func SetDrainWait(d time.Duration) (restore func()) {
	old := drainWait
	drainWait = d
	return func() { drainWait = old }
}
