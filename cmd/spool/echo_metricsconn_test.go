package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeListener is a net.Listener of in-memory connections (net.Pipe), so
// that a server runs inside a synctest bubble.
type pipeListener struct {
	conns     chan net.Conn
	closeOnce sync.Once
	closed    chan struct{}
}

// serveOnPipes runs echoServeOn on in-memory listeners, in a synctest
// bubble, until it serves: it returns the metrics listener, the command's
// stdout and stderr, and the channel its result comes on.
func serveOnPipes(ctx context.Context) (ml *pipeListener, out, errOut *bytes.Buffer, served chan error) {
	l := newPipeListener()
	ml, out, errOut, served = newPipeListener(), new(bytes.Buffer), new(bytes.Buffer), make(chan error, 1)
	go func() { served <- echoServeOn(ctx, out, errOut, l, ml, time.Hour, nil) }()
	synctest.Wait() // serving
	return ml, out, errOut, served
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// dial connects to l; the caller closes the connection.
func (l *pipeListener) dial(t *testing.T) net.Conn {
	t.Helper()
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c
	case <-l.closed:
		t.Fatal("dial: listener closed")
		return nil
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9100} }

// TestEchoServeMetricsConnDoesNotHoldShutdown: a connection to
// --metrics-addr that has sent nothing (a scraper that connected, a port
// scan) does not hold echo serve's shutdown: with no echo connection open,
// echo serve returns on the interrupt without waiting on any clock, while
// that connection is still open at the client's end. In the synctest
// bubble, time moves only when every goroutine waits for it, so a return
// that needs none comes before synctest.Wait does. It used to wait about
// 5 s (net/http's Shutdown treats a new connection as busy for 5 s),
// saying nothing.
func TestEchoServeMetricsConnDoesNotHoldShutdown(t *testing.T) {
	tests := []struct {
		name  string
		conns int // idle connections to the metrics port
	}{
		{"no metrics connection", 0},
		{"one idle metrics connection", 1},
		{"three idle metrics connections", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				ml, out, errOut, served := serveOnPipes(ctx)
				for range tt.conns {
					c := ml.dial(t) // connects, sends nothing
					defer c.Close()
				}
				synctest.Wait()
				cancel() // SIGINT
				synctest.Wait()
				var err error
				select {
				case err = <-served:
				default:
					t.Errorf("echo serve had not returned when all its goroutines were waiting (for a clock); want it returned: idle metrics connections must not hold the shutdown")
					err = <-served // lets the bubble's clock run, so that the test ends
				}
				if err != nil {
					t.Errorf("echoServeOn = %v; want nil", err)
				}
				if got, want := out.String(), "spool echo: served 0 connections"; !strings.Contains(got, want) {
					t.Errorf("stdout %q; want it to contain %q", got, want)
				}
				if errOut.Len() != 0 {
					t.Errorf("stderr %q; want nothing (no echo connection to wait for)", errOut.String())
				}
			})
		})
	}
}
