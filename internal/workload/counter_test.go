package workload_test

import (
	"sync"
	"testing"

	"github.com/spool-go/spool/internal/workload"
)

func TestCounters(t *testing.T) {
	const callers, adds = 4, 1000
	ch := workload.NewChannelCounter(callers)
	defer ch.Close()
	for _, tc := range []struct {
		name string
		c    workload.Counter
	}{
		{"mutex", new(workload.MutexCounter)},
		{"rwmutex", new(workload.RWMutexCounter)},
		{"atomic", new(workload.AtomicCounter)},
		{"sharded", workload.NewShardedCounter(callers)},
		{"channel", ch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for id := range callers {
				wg.Go(func() {
					for range adds {
						tc.c.Add(id)
						_ = tc.c.Load(id)
					}
				})
			}
			wg.Wait()
			if got, want := tc.c.Load(0), int64(callers*adds); got != want {
				t.Errorf("Load() = %d; want %d", got, want)
			}
		})
	}
}
