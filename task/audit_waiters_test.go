package task

import (
	"context"
	"testing"
)

// TestAuditSettleDropsWaiters: a combinator that gives up because its ctx
// is done leaves nothing behind on the tasks that go on. It used to leave
// its callback (and with it its channel) on each of them until they
// ended, so a loop that awaits a long task with a fresh deadline each time
// grew without bound.
func TestAuditSettleDropsWaiters(t *testing.T) {
	bg := context.Background()
	long := Go(bg, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	defer long.Await(bg)
	defer long.Cancel()
	done, cancel := context.WithCancel(bg)
	cancel()
	calls := []struct {
		name string
		call func()
	}{
		{"All", func() { All(done, long) }},
		{"Join2", func() { Join2(done, long, long) }},
		{"Join3", func() { Join3(done, long, long, long) }},
		{"Race", func() { Race(done, long) }},
		{"Any", func() { Any(done, long, long) }},
	}
	for _, c := range calls {
		for range 10 {
			c.call()
		}
		long.ctx.mu.Lock()
		n := 0
		if long.ctx.x != nil {
			n = len(long.ctx.x.waiters)
		}
		long.ctx.mu.Unlock()
		if n != 0 {
			t.Errorf("after 10 calls of %s(done ctx, running task): %d callbacks left on the task; want 0", c.name, n)
		}
	}
}
