package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestAudit3NoSlotIdleWhileTasksWait: tasks alternate holds of their slot
// (a time.Sleep, which keeps it) with awaits (task.Sleep, which gives it
// back). Whenever the runtime is quiet, no task waits for a slot while one
// is free (the runtime runs N tasks whenever N want to run), no more than
// N hold one, and every task gets through all its rounds.
func TestAudit3NoSlotIdleWhileTasksWait(t *testing.T) {
	tests := []struct{ workers, tasks int }{{1, 3}, {2, 4}, {2, 5}, {3, 7}, {4, 16}}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			r, err := rt.New(rt.Workers(tt.workers), rt.DetectBlocking(0))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Shutdown(context.Background())
			ctx := context.Background()
			const rounds = 40
			done := make(chan struct{})
			checked := make(chan int)
			go func() { // looks half-way between the instants where tasks move
				n := 0
				defer func() { checked <- n }()
				time.Sleep(time.Millisecond / 2)
				for {
					select {
					case <-done:
						return
					default:
					}
					synctest.Wait()
					m := r.Metrics()
					if m.WaitingTasks > 0 && m.BusySlots < tt.workers {
						t.Errorf("%v: %d tasks wait for a slot while %d of %d are held", time.Now(), m.WaitingTasks, m.BusySlots, tt.workers)
					}
					if m.BusySlots > tt.workers {
						t.Errorf("%d slots held; want at most %d", m.BusySlots, tt.workers)
					}
					n++
					time.Sleep(time.Millisecond)
				}
			}()
			ts := make([]*task.Task[int], tt.tasks)
			for i := range ts {
				ts[i] = rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
					n := 0
					for range rounds {
						time.Sleep(time.Millisecond) // holds the slot
						if err := task.Sleep(ctx, time.Millisecond); err != nil {
							return n, err
						}
						n++
					}
					return n, nil
				})
			}
			got, err := task.All(ctx, ts...)
			close(done)
			if n := <-checked; n == 0 {
				t.Errorf("no look at the slots")
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range got {
				if n != rounds {
					t.Errorf("task %d went through %d rounds; want %d", i, n, rounds)
				}
			}
		})
	}
}
