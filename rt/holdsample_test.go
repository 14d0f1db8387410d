package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestSlotHoldSamplesEveryKind: SlotHold's one hold in 8 is picked at
// random, so a kind of task that a workload spawns in a fixed pattern is
// sampled too. Picked by spawn order, a task that holds once was timed
// only if its spawn number was 1 mod 8: with requests that each spawn a
// quick task and then a slow one, no slow hold was ever timed (p100 read
// 2 µs while half the holds took 2 ms).
func TestSlotHoldSamplesEveryKind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Workers(2), rt.Logger(quiet), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		const requests = 400
		for range requests {
			quick := rt.Spawn(r, bg, func(context.Context) (int, error) { return 0, nil })
			slow := rt.Spawn(r, bg, func(context.Context) (int, error) { time.Sleep(2 * time.Millisecond); return 0, nil })
			_, _ = quick.Await(bg)
			_, _ = slow.Await(bg)
		}
		if err := r.Shutdown(bg); err != nil {
			t.Fatal(err)
		}
		// The chance that no slow hold of 400 is timed is (7/8)^400.
		if h := r.Metrics().SlotHold; h.Quantile(1) < time.Millisecond {
			t.Errorf("SlotHold's longest bucket ends at %v of %d samples; want the 2 ms holds of half the tasks in it", h.Quantile(1), h.Count())
		}
	})
}
