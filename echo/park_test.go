//go:build linux

package echo_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
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

// A clean shutdown of a parking server logs no error: closing the epoll
// set ends the poller as expected.
func TestParkingShutdownLogsNoError(t *testing.T) {
	var logs syncLog
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := echo.New(echo.ParkIdle(10*time.Millisecond), echo.Logger(log))
	wait := serve(t, s, l)
	c := dial(t, l.Addr().String())
	if err := roundTrip(c, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the connection to park", func() bool { return s.Metrics().Parked == 1 })
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
	if got := logs.String(); strings.Contains(got, "level=ERROR") || !strings.Contains(got, "shut down") {
		t.Errorf("logs of a clean shutdown:\n%s\nwant no ERROR and the shutdown line", got)
	}
}
