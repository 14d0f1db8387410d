package lab

import (
	"context"
	"testing"
	"testing/synctest"
)

// runtimePingPong with a ctx that ends while its two tasks start: the
// task still waiting for the one slot is aborted without running, and the
// other blocks forever on its channel (ping or pong, which ignore ctx);
// the deferred r.Shutdown(context.Background()) then waits for it forever.
// The bubble detects the deadlock: every goroutine is durably blocked and
// runtimePingPong has not returned.
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
