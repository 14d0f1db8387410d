package lab

import (
	"context"
	"errors"
	"testing"
)

// TestAuditSwitchStopsOnCancel: every switcher stops when its ctx ends and
// says so. The goroutine and thread ping-pongs took no ctx and ran all n
// round trips (50,000 kernel round trips a rep at --full, seconds and more
// on a busy machine) before Ctrl-C could stop the switch experiment; the
// runtime ping-pong's tasks ran without the cancel, so its Shutdown waited
// for all n as well.
func TestAuditSwitchStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, sw := range switchers() {
		n := 100_000
		if sw.thread {
			n = 2000
		}
		if _, err := sw.run(ctx, n); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a done ctx: got error %v; want %v", sw.name, err, context.Canceled)
		}
	}
}
