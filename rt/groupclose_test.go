package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestGroupCloseGivesSlotBack: a task of a one-slot runtime that makes a
// Group and closes it (defer g.Close()) gives its slot back while Close
// waits, so the group's tasks, cancelled, can take the slot to return.
// Close waited holding it: the runtime hung until Shutdown's deadline.
func TestGroupCloseGivesSlotBack(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(map[int]string{1: "1 slot", 2: "2 slots"}[workers], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Workers(workers), rt.Logger(quiet), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				_, err = rt.BlockOn(r, context.Background(), func(ctx context.Context) (int, error) {
					g := task.NewGroup[int](ctx)
					defer g.Close()
					for range 2 {
						g.Go(ctx, func(gctx context.Context) (int, error) {
							return rt.BlockOn(r, gctx, func(ctx context.Context) (int, error) {
								return 0, task.Sleep(ctx, time.Hour)
							})
						})
					}
					return 0, task.Sleep(ctx, time.Millisecond) // the children sleep
				})
				if err != nil {
					t.Errorf("BlockOn = %v; want nil", err)
				}
				if err := r.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown = %v; want nil", err)
				}
			})
		})
	}
}
