package lab

import (
	"context"
	"testing"
	"testing/synctest"
)

// TestNoSwitchRuntimePingPongHangsOnCancel: runtimePingPong returns when
// its ctx ends while its two tasks start. The task still waiting for the
// one slot used to be aborted without running, the other blocked forever
// on its channel, and the deferred Shutdown waited for it forever; the
// bubble would report that deadlock.
func TestNoSwitchRuntimePingPongHangsOnCancel(t *testing.T) {
	for i := range 200 {
		hung := false
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			done := make(chan struct{})
			go func() { runtimePingPong(ctx, 10); close(done) }()
			synctest.Wait()
			select {
			case <-done:
			default:
				hung = true
				t.Errorf("trial %d: runtimePingPong did not return after its ctx ended: every goroutine is blocked (the bubble will report the deadlock)", i)
			}
		})
		if hung {
			return
		}
	}
}
