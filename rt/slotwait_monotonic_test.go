package rt_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestSlotWaitNeverGoesBackwards: under load, no bucket of SlotWait
// shrinks from one Metrics snapshot to the next. The first bucket, the
// slot takes that did not wait, is the takes less the timed waits, read a
// moment apart: it went backwards hundreds of times a second (2556 ->
// 2486), which a rate over it reads as a counter reset.
func TestSlotWaitNeverGoesBackwards(t *testing.T) {
	r, err := rt.New(rt.Workers(2), rt.MaxBlocking(4), rt.Logger(quiet), rt.DetectBlocking(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bg := context.Background()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ts := []*task.Task[int]{
					rt.Spawn(r, bg, func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Millisecond) }),
					rt.Spawn(r, bg, func(ctx context.Context) (int, error) {
						return rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 1, nil }).Await(ctx)
					}),
					rt.Spawn(r, bg, func(context.Context) (int, error) {
						s := 0
						for j := range 100_000 {
							s += j
						}
						return s, nil
					}),
				}
				for _, tk := range ts {
					_, _ = tk.Await(bg)
				}
			}
		}()
	}
	prev := r.Metrics().SlotWait
	backwards := 0
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
		m := r.Metrics().SlotWait
		before := map[time.Duration]uint64{}
		for _, b := range prev.Buckets {
			before[b.Below] = b.Count
		}
		for _, b := range m.Buckets {
			if b.Count < before[b.Below] {
				if backwards == 0 {
					t.Errorf("SlotWait's bucket below %v went from %d to %d; want it never to shrink", b.Below, before[b.Below], b.Count)
				}
				backwards++
			}
		}
		prev = m
	}
	close(stop)
	wg.Wait()
	if backwards > 1 {
		t.Errorf("%d buckets shrank in all", backwards)
	}
}
