package echo_test

import (
	"context"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// cork holds c's writes back until it closes (TCP_CORK): the last bytes
// and the FIN then leave in one segment and reach the peer under one
// readiness edge, as a message and a close often do.
func cork(c *net.TCPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1)
	}); err != nil {
		return err
	}
	return serr
}

// TestServerSeesCloseThatCameWithData: a client whose last message and
// close arrive together gets its echo and then the server's close. The
// server took a read that did not fill its buffer for the end of what
// there was, and waited for a readiness edge that never came: the
// connection stayed open until the idle timeout, forever without one.
func TestServerSeesCloseThatCameWithData(t *testing.T) {
	eachMode(t, func(t *testing.T, mode []echo.Option) {
		s, addr := start(t, mode...)
		c := dial(t, addr)
		if err := roundTrip(c, []byte("first")); err != nil {
			t.Fatal(err)
		}
		if err := cork(c); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("last")); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(safety))
		got, err := io.ReadAll(c)
		if string(got) != "last" || err != nil {
			t.Errorf("after the last message and the close: read %q, %v; want \"last\" and the server's close (EOF)", got, err)
		}
		waitFor(t, "the connection to end", func() bool { return s.Metrics().Active == 0 })
	})
}

// TestLoadSeesCloseThatCameWithPartialEcho: a server that echoes part of
// a message and closes fails the connection at once with an unexpected
// EOF. Load took the short read for the end of what there was and waited
// for the stall timeout, which it then reported ("nothing echoed").
func TestLoadSeesCloseThatCameWithPartialEcho(t *testing.T) {
	addr := fake(t, func(c net.Conn) {
		b := make([]byte, 64)
		_, _ = io.ReadFull(c, b)
		if cork(c.(*net.TCPConn)) == nil {
			_, _ = c.Write(b[:10]) // part of the echo, then the close
		}
		c.Close()
	})
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 1, Msgs: 5, Size: 64, Stall: safety})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 1 || !strings.Contains(r.FirstError, "unexpected EOF") {
		t.Errorf("Load against a server that echoes 10 of 64 bytes and closes: %d errors, first %q; want 1, an unexpected EOF", r.Errors, r.FirstError)
	}
}
