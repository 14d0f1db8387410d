package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestTaskAgesGrowAfterShutdown: the ages of tasks left behind by Shutdown
// keep growing. The runtime's clock used to stay on the detector's coarse
// copy of now after Shutdown stopped the detector, so Tasks reported ages
// frozen at its last look.
func TestTaskAgesGrowAfterShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.ShutdownGrace(0))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		tk := rt.Spawn(r, context.Background(), func(context.Context) (int, error) { <-gate; return 0, nil }) // ignores its context
		time.Sleep(time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = r.Shutdown(ctx) // leaves tk behind
		time.Sleep(time.Minute)
		ts := r.Tasks()
		if len(ts) != 1 {
			t.Fatalf("Tasks = %v", ts)
		}
		if ts[0].Age < time.Minute {
			t.Errorf("a task left behind, spawned 61s ago: Tasks()[0].Age = %v", ts[0].Age)
		}
		close(gate)
		_, _ = tk.Await(context.Background())
		if err := r.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
}
