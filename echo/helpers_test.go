package echo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// safety bounds every wait in these tests; it is never reached when they pass.
const safety = 20 * time.Second

// serve starts s on l, returning a function that waits for Serve to return.
func serve(t *testing.T, s *echo.Server, l net.Listener) (wait func() error) {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	return func() error {
		select {
		case err := <-served:
			return err
		case <-time.After(safety):
			t.Fatal("Serve did not return")
			return nil
		}
	}
}

// start runs a server with opts on 127.0.0.1:0 and shuts it down at cleanup
// (register clients' cleanups after this, so they close first).
func start(t *testing.T, opts ...echo.Option) (*echo.Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := echo.New(opts...)
	wait := serve(t, s, l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), safety)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v; want nil", err)
			s.Close()
		}
		if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
			t.Errorf("Serve = %v; want ErrServerClosed", err)
		}
	})
	return s, l.Addr().String()
}

// dial connects to addr and closes the connection at cleanup.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, safety)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrip sends msg on c and checks that the same bytes come back.
func roundTrip(c net.Conn, msg []byte) error {
	_ = c.SetDeadline(time.Now().Add(safety))
	defer c.SetDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() { _, err := c.Write(msg); errc <- err }() // big messages: write while reading
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echo differs")
	}
	return nil
}

// waitFor polls cond until it holds, failing the test after the safety bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(safety); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// pattern returns n bytes that differ from one offset to the next.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// modes are the ways a server can run: every connection on a goroutine of
// its own, or parking idle connections (quickly, to cross every path).
var modes = []struct {
	name string
	opts []echo.Option
}{
	{"goroutines", nil},
	{"parking", []echo.Option{echo.ParkIdle(10 * time.Millisecond)}},
}

// eachMode runs test once per mode.
func eachMode(t *testing.T, test func(*testing.T, []echo.Option)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { test(t, m.opts) })
	}
}

// with returns the mode's options followed by opts.
func with(mode []echo.Option, opts ...echo.Option) []echo.Option {
	return append(append([]echo.Option(nil), mode...), opts...)
}

// syncLog is a strings.Builder safe for the server's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
