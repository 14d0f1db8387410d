package task

import (
	"context"
	"testing"
	"testing/synctest"
)

// kidCount counts the task contexts linked into c's list of kids.
func (c *taskCtx) kidCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k := c.kids; k != nil; k = k.next {
		n++
	}
	return n
}

// TestKidsUnlinkAtEnd checks that a task context started under another
// task's context, or a group's, leaves its parent's list of kids once it
// has ended, whether or not it attached (a kid attaches when someone asks
// for its Done channel), and that a kid still running stays linked. A kid
// unlinks after its result is out, so the checks come once every goroutine
// of the bubble is blocked.
func TestKidsUnlinkAtEnd(t *testing.T) {
	tests := []struct {
		name   string
		attach bool // the kids call ctx.Done()
		group  bool // the kids are a Group's tasks, under the group's context
	}{
		{"tasks that attach", true, false},
		{"tasks that do not attach", false, false},
		{"group tasks that attach", true, true},
		{"group tasks that do not attach", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				kid := func(ctx context.Context) (int, error) {
					if tt.attach {
						_ = ctx.Done()
					}
					return 1, nil
				}
				var parent *taskCtx
				hold, done := make(chan struct{}), make(chan struct{})
				owner := Go(ctx, func(ctx context.Context) (int, error) {
					_ = ctx.Done() // the owner attaches, so its kids can link
					if tt.group {
						g := NewGroup[int](ctx)
						parent = &g.ctx
						for range 100 {
							g.Go(ctx, kid)
						}
						g.Go(ctx, func(ctx context.Context) (int, error) {
							_ = ctx.Done() // attaches and links
							<-hold
							return 0, nil
						})
						<-done
						_, _ = g.Wait(ctx)
						return 0, nil
					}
					parent = ctx.(*taskCtx)
					running := Go(ctx, func(ctx context.Context) (int, error) {
						_ = ctx.Done() // attaches and links
						<-hold
						return 0, nil
					})
					for range 100 {
						if _, err := Go(ctx, kid).Await(ctx); err != nil {
							return 0, err
						}
					}
					<-done
					_, err := running.Await(ctx)
					return 0, err
				})
				synctest.Wait()
				if got := parent.kidCount(); got != 1 {
					t.Errorf("kids with 100 ended and 1 running = %d; want 1", got)
				}
				close(hold)
				close(done)
				if _, err := owner.Await(ctx); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got := parent.kidCount(); got != 0 {
					t.Errorf("kids after all ended = %d; want 0", got)
				}
			})
		})
	}
}
