package echo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/echo"
)

// pipeListener hands out the server's ends of net.Pipe connections: with
// it a server runs inside a synctest bubble, on its fake clock.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial returns the client's end of a new connection.
func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// TestAuditIdleTimeoutNeverEarly: IdleTimeout(d) closes a connection no
// sooner than d after its last message, as its doc says. The sweeper
// counted d in whole periods rounded down, so when d was not a multiple
// of the period (above 4 s the period is 1 s) a connection could be
// closed up to a period early: 5.1 s after its last message for 5.5 s.
func TestAuditIdleTimeoutNeverEarly(t *testing.T) {
	cases := []struct {
		timeout, period time.Duration
	}{
		{4500 * time.Millisecond, time.Second},
		{5500 * time.Millisecond, time.Second},
		{10*time.Second + 250*time.Millisecond, time.Second},
		{3 * time.Second, 750 * time.Millisecond},
		{10 * time.Millisecond, 2500 * time.Microsecond},
	}
	for _, tc := range cases {
		// The last message comes at each point of the sweeper's period.
		for _, at := range []time.Duration{0, tc.period / 10, tc.period / 2, tc.period * 9 / 10} {
			t.Run(tc.timeout.String()+"/at="+at.String(), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					l := newPipeListener()
					s := echo.New(echo.IdleTimeout(tc.timeout))
					served := make(chan error, 1)
					go func() { served <- s.Serve(l) }()
					c := l.dial()
					defer c.Close()
					time.Sleep(at) // on the fake clock: the sweeper started with Serve
					msg := []byte("ping")
					if _, err := c.Write(msg); err != nil {
						t.Fatal(err)
					}
					if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
						t.Fatal(err)
					}
					last := time.Now()
					if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
						t.Fatalf("read on the idle connection = %d, %v; want EOF", n, err)
					}
					// net.Pipe delivers at once and the clock moves only
					// when every goroutine waits, so this is exact.
					idle := time.Since(last)
					if idle < tc.timeout || idle > tc.timeout+2*tc.period {
						t.Errorf("closed %v after the last message; want between %v and %v", idle, tc.timeout, tc.timeout+2*tc.period)
					}
					if err := s.Shutdown(context.Background()); err != nil {
						t.Errorf("Shutdown = %v", err)
					}
					if err := <-served; !errors.Is(err, echo.ErrServerClosed) {
						t.Errorf("Serve = %v; want ErrServerClosed", err)
					}
				})
			})
		}
	}
}
