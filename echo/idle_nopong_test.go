package echo_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestIdleLoadAgainstSilentServer: in idle mode, against a server that
// accepts and never echoes, every connection fails its first ping with an
// error that says so, and Load reports at once that it held nothing. It
// held the connections it no longer had for the whole hold, and the error
// read "read tcp ...: i/o timeout".
func TestIdleLoadAgainstSilentServer(t *testing.T) {
	addr := fake(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }) // reads, never echoes
	// Hold is far longer than the test may take: Load must not wait it out
	// (ctx's bound only keeps a failure from hanging).
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	r, err := echo.Load(ctx, echo.Config{Addr: addr, Conns: 2, Idle: true, Hold: time.Hour, Stall: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Held != 0 || r.Hold != 0 || !r.HoldEndedEarly {
		t.Errorf("held %d for %v (ended early: %v); want 0 for 0 and ended early", r.Held, r.Hold, r.HoldEndedEarly)
	}
	if r.Errors != 2 || !strings.Contains(r.FirstError, "ping not echoed within 50ms") {
		t.Errorf("%d errors, first %q; want 2, saying the ping was not echoed", r.Errors, r.FirstError)
	}
}
