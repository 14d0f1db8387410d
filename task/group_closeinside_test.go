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
// others, waits for them, and returns; the creator's Wait and Close then
// return too. It used to wait for its own task, forever: the group and
// its goroutines stayed stuck, and the creator's Close with them.
func TestGroupCloseFromItsTask(t *testing.T) {
	tests := []struct {
		name    string
		opts    []task.GroupOption
		closers int  // tasks that call Close, at once
		nested  bool // the closer runs nested, on its parent task's goroutine
	}{
		{"one closer", nil, 1, false},
		{"one closer, limit 3", []task.GroupOption{task.Limit(3)}, 1, false},
		{"two closers at once", nil, 2, false},
		{"a nested closer, limit 1", []task.GroupOption{task.Limit(1)}, 1, true},
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
				if tt.nested {
					g.Go(context.Background(), func(ctx context.Context) (int, error) {
						g.Go(ctx, closer) // the limit is reached: it runs here
						return 2, nil
					})
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
				if !tt.nested && cancelled.Load() == 0 {
					t.Errorf("no sibling was cancelled; want the closer's Close to cancel them")
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("Wait: %v; want nil or the siblings' cancel", err)
				}
			})
		})
	}
}
