package echo_test

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/echo"
)

// hookConn is a server-side connection that stops the server as it arms
// a write deadline, until the test lets it go on, and reports the
// wake-up of Close (a deadline in the past).
type hookConn struct {
	net.Conn
	when    func() bool   // if not nil, the arming to stop at: the first when() holds
	armed   chan struct{} // closed as the server arms that write deadline
	proceed chan struct{} // closed by the test: the server arms it
	woken   chan struct{} // closed once a deadline in the past is set
	arm     sync.Once
	wake    sync.Once
}

func newHookConn(c net.Conn) *hookConn {
	return &hookConn{Conn: c, armed: make(chan struct{}), proceed: make(chan struct{}), woken: make(chan struct{})}
}

func (c *hookConn) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() && (c.when == nil || c.when()) {
		c.arm.Do(func() { close(c.armed); <-c.proceed })
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *hookConn) SetDeadline(t time.Time) error {
	err := c.Conn.SetDeadline(t)
	if !t.IsZero() && t.Before(time.Unix(2, 0)) {
		c.wake.Do(func() { close(c.woken) })
	}
	return err
}

// rawHookConn is a hookConn the server serves on its raw path.
type rawHookConn struct{ *hookConn }

func (c rawHookConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

// hookListener wraps each accepted connection and hands it to the test.
type hookListener struct {
	net.Listener
	raw   bool
	when  func() bool // see hookConn
	conns chan *hookConn
}

func (l hookListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096) // a client that does not read blocks the echo soon
	}
	h := newHookConn(c)
	h.when = l.when
	l.conns <- h
	if l.raw {
		return rawHookConn{h}, nil
	}
	return h, nil
}

// closeDuringWrite closes s while its echo to h arms the write deadline:
// Close marks the connection and wakes it just before the deadline is
// armed, the worst moment. It returns once Close has.
func closeDuringWrite(t *testing.T, s *echo.Server, h *hookConn) {
	<-h.armed
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	<-h.woken
	close(h.proceed)
	if err := <-closed; err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
}

// TestAuditCloseWhileArmingWriteDeadline: Close ends an echo that is
// arming its write deadline when Close wakes it. The echo used to arm the
// deadline over Close's wake-up and then wait for the client to read, up
// to the write timeout (an hour here): Close waited as long. The plain
// loop (net.Pipe, on synctest's clock) and the raw path (a TCP client
// that reads nothing) both armed it so.
func TestAuditCloseWhileArmingWriteDeadline(t *testing.T) {
	const writeTimeout = time.Hour

	t.Run("plain", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := newPipeListener()
			hl := make(chan *hookConn, 1)
			s := echo.New(echo.WriteTimeout(writeTimeout))
			served := make(chan error, 1)
			go func() { served <- s.Serve(hookPipeListener{l, hl}) }()
			c := l.dial()
			defer c.Close()
			if _, err := c.Write([]byte("ping")); err != nil { // the echo blocks: nobody reads
				t.Fatal(err)
			}
			begin := time.Now()
			closeDuringWrite(t, s, <-hl)
			if waited := time.Since(begin); waited >= writeTimeout {
				t.Errorf("Close took %v (the write timeout); want it to end the echo at once", waited)
			}
			if err := <-served; !errors.Is(err, echo.ErrServerClosed) {
				t.Errorf("Serve = %v; want ErrServerClosed", err)
			}
		})
	})

	t.Run("raw", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hl := make(chan *hookConn, 1)
		// A read of a MiB: its echo cannot all go out until the client reads.
		s := echo.New(echo.WriteTimeout(writeTimeout), echo.BufferSize(1<<20))
		// Stop at an echo of 64 KiB or more in hand: more than the sockets'
		// buffers hold, so its write cannot end until the client reads.
		when := func() bool { m := s.Metrics(); return m.BytesIn-m.BytesOut >= 64<<10 }
		wait := serve(t, s, hookListener{ln, true, when, hl})
		c := dial(t, ln.Addr().String())
		_ = c.SetReadBuffer(4096)
		go func() { _, _ = c.Write(pattern(8 << 20)) }() // and reads nothing
		h := <-hl
		done := make(chan struct{})
		go func() { closeDuringWrite(t, s, h); close(done) }()
		select {
		case <-done:
		case <-time.After(safety):
			c.Close() // the echo fails, and Close returns
			<-done
			t.Fatalf("Close waited for the write timeout (it returned once the client closed)")
		}
		if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
			t.Errorf("Serve = %v; want ErrServerClosed", err)
		}
	})
}

// hookPipeListener wraps the connections of a pipeListener.
type hookPipeListener struct {
	*pipeListener
	conns chan *hookConn
}

func (l hookPipeListener) Accept() (net.Conn, error) {
	c, err := l.pipeListener.Accept()
	if err != nil {
		return nil, err
	}
	h := newHookConn(c)
	l.conns <- h
	return h, nil
}
