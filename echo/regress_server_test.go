package echo_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// IdleTimeout(d) with 0 < d < 1ms is accepted (it panics only for d <= 0)
// but silently disables the idle timeout: sweep's tick is clamped to 1 ms,
// so idleTicks = d/tick = 0, and the sweeper skips the check.
func TestNoSubMillisecondIdleTimeoutNeverFires(t *testing.T) {
	s, addr := start(t, echo.IdleTimeout(500*time.Microsecond))
	c := dial(t, addr)
	if err := roundTrip(c, []byte("x")); err != nil {
		t.Fatal(err)
	}
	// A 0.5 ms idle timeout checked every 1 ms closes the connection
	// within a few ms; wait far longer.
	time.Sleep(500 * time.Millisecond)
	if m := s.Metrics(); m.IdleClosed == 0 {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		t.Errorf("IdleTimeout(500µs): after 500 ms idle, IdleClosed = %d, Active = %d, read = %v; want the connection closed", m.IdleClosed, m.Active, err)
	}
}

// Load allows Size up to MaxLoadSize (64 MiB), but each connection writes
// the whole message before it reads any of the echo. Once the message is
// larger than what the sockets' buffers hold, the server blocks writing
// the echo to a client that is not reading, stops reading, and the
// client's write blocks: a deadlock that ends only with the server's
// WriteTimeout (or the client's Stall).
func TestNoLoadLargeMessageDeadlocks(t *testing.T) {
	s, addr := start(t, echo.WriteTimeout(2*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := echo.Load(ctx, echo.Config{Addr: addr, Conns: 1, Msgs: 1, Size: echo.MaxLoadSize, Stall: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Messages != 1 || r.Errors != 0 {
		t.Errorf("Load of one %d-byte message against a correct echo server: Messages = %d, Errors = %d (%s), server errors = %d; want 1 message, no error",
			echo.MaxLoadSize, r.Messages, r.Errors, r.FirstError, s.Metrics().Errors)
	}
}

// MetricsHandler "serves the server's Metrics" but WritePrometheus leaves
// out Parked.
func TestNoPrometheusOmitsParked(t *testing.T) {
	var b stringsBuilder
	if err := (echo.Metrics{Parked: 7}).WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if !containsStr(b.s, "parked") {
		t.Errorf("WritePrometheus output has no parked metric:\n%s", b.s)
	}
}

type stringsBuilder struct{ s string }

func (b *stringsBuilder) Write(p []byte) (int, error) { b.s += string(p); return len(p), nil }

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

var _ = errors.New
var _ = io.EOF
