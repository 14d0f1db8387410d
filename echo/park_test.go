//go:build linux

package echo_test

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// Connections start parked, are echoed by the poller while quiet, get a
// goroutine when busy, and park again when they fall quiet.
func TestParking(t *testing.T) {
	const n = 50
	s, addr := start(t, echo.ParkIdle(20*time.Millisecond))
	base := runtime.NumGoroutine()
	var tcp []*net.TCPConn
	for range n {
		tcp = append(tcp, dial(t, addr))
	}
	waitFor(t, "new connections to park", func() bool { return s.Metrics().Parked == n })
	if got := runtime.NumGoroutine(); got > base+2 {
		t.Errorf("%d goroutines with %d parked connections; want about %d", got, n, base)
	}
	// One message each: the poller echoes it, and the connection stays parked.
	for i, c := range tcp {
		if err := roundTrip(c, pattern(100+i)); err != nil {
			t.Fatalf("conn %d, quiet: %v", i, err)
		}
	}
	// Many messages: the connection gets a goroutine of its own.
	for i := range 200 {
		if err := roundTrip(tcp[0], pattern(1+i)); err != nil {
			t.Fatalf("busy conn, message %d: %v", i, err)
		}
	}
	// Then falls quiet and parks again.
	waitFor(t, "every connection to park again", func() bool { return s.Metrics().Parked == n })
	for i, c := range tcp {
		if err := roundTrip(c, pattern(50_000)); err != nil { // more than one buffer
			t.Fatalf("conn %d, big message: %v", i, err)
		}
	}
	if m := s.Metrics(); m.Errors != 0 || m.Active != n {
		t.Errorf("errors %d, active %d; want 0, %d", m.Errors, m.Active, n)
	}
}
