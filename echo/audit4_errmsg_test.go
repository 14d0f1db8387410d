package echo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAudit4StallSaysEchoOnce: a stalled run fails its connections with
// the stall, followed by what the connection was doing, which is an
// "echo: load: message N: ..." error of its own: the first error read
// "echo: load stalled: nothing echoed for 50ms (echo: load: message 0:
// ...)". The connection's part now leaves out the "echo: load: " the
// stall already says.
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
			const wantPrefix, wantSuffix = "echo: load stalled: nothing echoed for 50ms (message 0: ", ": use of closed network connection)"
			got := r.FirstError
			if !strings.HasPrefix(got, wantPrefix) || !strings.HasSuffix(got, wantSuffix) || strings.Count(got, "echo:") != 1 {
				t.Errorf("first error %q; want %q, the connection's error, then %q, with \"echo:\" once", got, wantPrefix, wantSuffix)
			}
			if r.Errors != int64(c.conns) {
				t.Errorf("errors %d; want %d (every connection stalled)", r.Errors, c.conns)
			}
		})
	}
}
