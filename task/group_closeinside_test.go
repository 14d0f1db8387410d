package task_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// TestGroupCloseFromItsTask: Close called from one of the group's own
// tasks (the one that found the answer stops its siblings) cancels the
// others and returns, without waiting for them; the creator's Wait and
// Close then return too. It used to wait for its own task, forever: the
// group and its goroutines stayed stuck, and the creator's Close with
// them. Later it counted the caller's runs of the group's tasks from its
// stack to wait for the others, and a deep stack of another group's runs
// made it count wrong.
func TestGroupCloseFromItsTask(t *testing.T) {
	tests := []struct {
		name    string
		opts    []task.GroupOption
		closers int // tasks that call Close, at once
		nested  int // the closer runs this many levels down, each on its parent task's goroutine
	}{
		{"one closer", nil, 1, 0},
		{"one closer, limit 3", []task.GroupOption{task.Limit(3)}, 1, 0},
		{"two closers at once", nil, 2, 0},
		{"a nested closer, limit 1", []task.GroupOption{task.Limit(1)}, 1, 1},
		// A traceback leaves out the middle of a deep stack: runs nested
		// there went uncounted, and Close waited for its own caller.
		{"a closer nested 40 deep, limit 1", []task.GroupOption{task.Limit(1)}, 1, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := task.NewGroup[int](context.Background(), tt.opts...)
				var closed, cancelled atomic.Int32
				submitted := make(chan struct{}) // no Close before every Go
				closer := func(ctx context.Context) (int, error) {
					<-submitted
					g.Close()
					closed.Add(1)
					return 1, nil
				}
				sibling := func(ctx context.Context) (int, error) {
					<-ctx.Done()
					cancelled.Add(1)
					return 0, ctx.Err()
				}
				if tt.nested > 0 {
					var level func(d int) func(context.Context) (int, error)
					level = func(d int) func(context.Context) (int, error) {
						return func(ctx context.Context) (int, error) {
							if d == tt.nested {
								g.Go(ctx, closer) // the limit is reached: it runs here
							} else {
								g.Go(ctx, level(d+1))
							}
							return d, nil
						}
					}
					g.Go(context.Background(), level(1))
				} else {
					g.Go(context.Background(), sibling)
					for range tt.closers {
						g.Go(context.Background(), closer)
					}
					g.Go(context.Background(), sibling)
				}
				close(submitted)
				_, err := g.Wait(context.Background())
				g.Close()
				if got := closed.Load(); got != int32(tt.closers) {
					t.Errorf("%d of %d Closes called from tasks returned; want all", got, tt.closers)
				}
				if tt.nested == 0 && cancelled.Load() == 0 {
					t.Errorf("no sibling was cancelled; want the closer's Close to cancel them")
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("Wait: %v; want nil or the siblings' cancel", err)
				}
			})
		})
	}
}
