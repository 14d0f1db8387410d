package echo_test

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAudit4StallSaysEchoOnce: a stalled run fails its connections with
// the stall, followed by what the connection was doing, in the run's
// terms. The first error read "echo: load stalled: nothing echoed for 50ms
// (echo: load: message 0: ...)", then, with "echo: load" once, "...
// (message 0: raw-read tcp 127.0.0.1:...: use of closed network
// connection)": what the read returned once the stall detector had closed
// the connection. It now says that the run closed the connection while the
// message waited for its echo (the read's error stays in the chain: see
// TestStalledError).
func TestAudit4StallSaysEchoOnce(t *testing.T) {
	cases := []struct {
		name  string
		conns int
	}{
		{"one connection", 1},
		{"three connections", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := fake(t, silent)
			// Stall is the detector's threshold, not a timing assumption:
			// the server never echoes, so every connection stalls.
			r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: c.conns, Msgs: 10, Size: 10, Stall: 50 * time.Millisecond})
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			const want = "echo: load stalled: nothing echoed for 50ms; closed the connection, still waiting for the echo of message 0"
			if got := r.FirstError; got != want {
				t.Errorf("first error %q; want %q", got, want)
			}
			if r.Errors != int64(c.conns) {
				t.Errorf("errors %d; want %d (every connection stalled)", r.Errors, c.conns)
			}
		})
	}
}
