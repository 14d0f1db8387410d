package lab

import (
	"context"
	"sync"
	"testing"
)

// missingDones calls ready.Done until the counter would go negative and
// returns how many calls succeeded: the units that never called Done.
func missingDones(ready *sync.WaitGroup) (missing int) {
	for {
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			ready.Done()
			return true
		}()
		if !ok {
			return missing
		}
		missing++
	}
}

// TestNoMemoryRtTaskHangsOnCancel: measureWaiting's "rt task" unit must
// call ready.Done even when ctx ends while its tasks wait for a slot.
// Those tasks used to be aborted without running, so measureWaiting's wait
// for them never returned and Ctrl-C during the memory experiment hung the
// lab. Here ctx is done before the units start; once every task has ended,
// the test counts the ready.Done calls that never came.
func TestNoMemoryRtTaskHangsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	const n = 2000
	worst := 0
	for range 50 {
		release := make(chan struct{})
		var ready sync.WaitGroup
		ready.Add(n)
		wait := parkedRuntimeTasks(ctx, n, release, &ready)
		close(release)
		wait() // every task has ended: ran (and called Done) or was aborted
		worst = max(worst, missingDones(&ready))
	}
	if worst > 0 {
		t.Errorf("up to %d of %d rt tasks never ran: measureWaiting's ready.Wait() would block forever", worst, n)
	}
}
