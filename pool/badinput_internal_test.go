package pool

import "testing"

// TestQueueSizeBounds: QueueSize takes 0 and MaxQueueSize itself, and
// records nothing bad for them. Checked on the option alone: a pool with
// the largest queue would allocate 256 MiB.
func TestQueueSizeBounds(t *testing.T) {
	for _, k := range []int{0, 1, MaxQueueSize} {
		var c config
		c.queue = -1
		QueueSize(k)(&c)
		if c.queue != k || c.errs != nil {
			t.Errorf("QueueSize(%d) set queue %d, errors %v; want %d and none", k, c.queue, c.errs, k)
		}
	}
}
