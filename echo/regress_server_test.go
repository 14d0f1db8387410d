package echo_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestNoSubMillisecondIdleTimeoutNeverFires: IdleTimeout(d) with d under a
// millisecond closes idle connections. The sweeper's tick is at least a
// millisecond, and d/tick used to round to zero, which turned the check
// off.
func TestNoSubMillisecondIdleTimeoutNeverFires(t *testing.T) {
	s, addr := start(t, echo.IdleTimeout(500*time.Microsecond))
	c := dial(t, addr)
	// The server closes the connection within a few ms; the read ends with
	// EOF then. With the timeout off it would end at the deadline. Nothing
	// is sent: a message could meet the close on its way and be answered
	// with a reset (a round trip here failed so under -race, the server
	// having closed the connection before the message came).
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		m := s.Metrics()
		t.Errorf("IdleTimeout(500µs): read = %v, IdleClosed = %d, Active = %d; want io.EOF (closed by the idle timeout)", err, m.IdleClosed, m.Active)
	}
}

// TestNoLoadLargeMessageDeadlocks: Load echoes messages bigger than the
// sockets' buffers hold. Each connection used to write the whole message
// before reading any of the echo: the server then blocked writing to a
// client that did not read, and the run ended only at the server's
// WriteTimeout, with an error.
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

// TestNoPrometheusOmitsParked: WritePrometheus includes Parked, which it
// used to leave out.
func TestNoPrometheusOmitsParked(t *testing.T) {
	var b strings.Builder
	if err := (echo.Metrics{Parked: 7}).WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "echo_parked 7\n") {
		t.Errorf("WritePrometheus output has no echo_parked 7:\n%s", b.String())
	}
}
