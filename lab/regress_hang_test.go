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

// measureWaiting's "rt task" unit: a task still waiting for a worker slot
// when ctx ends is aborted by the runtime without running, so it never
// calls ready.Done, and measureWaiting's ready.Wait() (memory.go:155)
// never returns: Ctrl-C during the memory experiment hangs the lab. Here
// ctx is done before the units start; after every task has ended (wait()
// returns), the test counts the ready.Done calls that never came.
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
