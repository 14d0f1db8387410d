package echo

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// Connection states. A connection is idle while it waits for data and
// active while it echoes; the server ends it by moving it from idle (or,
// for Close, from either) to one of the closed states and waking it.
const (
	stIdle int32 = iota
	stActive
	stIdleClosed // closed by the idle timeout
	stClosed     // closed by Shutdown or Close
)

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read or write.
var aLongTimeAgo = time.Unix(1, 0)

// conn is one client connection. Its fields are kept few: an idle
// connection's memory is part of the server's promise.
type conn struct {
	s      *Server
	nc     net.Conn
	rc     syscall.RawConn    // nil: served by the plain read loop
	onRead func(uintptr) bool // c.readable, bound once
	state  atomic.Int32
	last   atomic.Int64 // s.epoch when it last echoed
	err    error        // why the raw loop stopped
	prev   *conn        // the server's list of live connections
	next   *conn
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{s: s, nc: nc}
	if sc, ok := nc.(syscall.Conn); ok && rawSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
			c.onRead = c.readable
		}
	}
	return c
}

// serve runs on the connection's goroutine until the connection ends.
func (c *conn) serve() {
	var err error
	if c.rc != nil {
		err = c.serveRaw()
	} else {
		err = c.servePlain()
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	c.s.finish(c, err)
}

// wake interrupts whatever the connection's goroutine waits for.
func (c *conn) wake() { _ = c.nc.SetDeadline(aLongTimeAgo) }

// rested moves an active connection back to idle after an echo. It reports
// false if the connection must end instead: the server is closing, or
// Close already marked it.
func (c *conn) rested() bool {
	if !c.state.CompareAndSwap(stActive, stIdle) {
		return false
	}
	if c.s.closing.Load() {
		c.state.CompareAndSwap(stIdle, stClosed)
		return false
	}
	return true
}

// servePlain echoes with plain reads and writes, holding one buffer for the
// connection's life: the fallback for connections without syscall.Conn.
func (c *conn) servePlain() error {
	s := c.s
	bp := s.pool.Get().(*[]byte)
	defer s.pool.Put(bp)
	buf := *bp
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			if !c.state.CompareAndSwap(stIdle, stActive) {
				return nil
			}
			s.bytesIn.Add(int64(n))
			_ = c.nc.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
			if _, err := c.nc.Write(buf[:n]); err != nil {
				return err
			}
			s.bytesOut.Add(int64(n))
			c.last.Store(s.epoch.Load())
			if !c.rested() {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}
