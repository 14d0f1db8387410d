package echo

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Connection states. A connection is idle while it waits for data and
// active while it echoes; the server ends it by moving it from idle (or,
// for Close, from either) to one of the closed states and waking it.
//
// With ParkIdle a connection can also be parked: it has no goroutine and
// waits in the server's epoll set. The sweeper asks an idle connection's
// goroutine to park by moving it to stParking and waking it; the goroutine
// moves it on to stParked and exits. The poller takes a parked connection
// back (to stActive) when it is readable; a closer takes it (to a closed
// state) and ends it itself, as no goroutine of its own will.
const (
	stIdle int32 = iota
	stActive
	stIdleClosed // closed by the idle timeout
	stClosed     // closed by Shutdown or Close
	stParking
	stParked
)

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read or write.
var aLongTimeAgo = time.Unix(1, 0)

// conn is one client connection. Its fields are kept few: an idle
// connection's memory is part of the server's promise.
type conn struct {
	s      *Server
	nc     net.Conn
	rc     syscall.RawConn // nil: served by the plain read loop
	state  atomic.Int32
	fd     int32        // the socket, for the epoll set (ParkIdle only)
	last   atomic.Int64 // s.epoch when it last echoed
	inline atomic.Int64 // s.epoch+1 when the poller last echoed it (ParkIdle only)
	err    error        // why the raw loop stopped
	bytes  *byteShard   // the server's byte counters this connection adds to
	prev   *conn        // the server's list of live connections
	next   *conn
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{s: s, nc: nc, fd: -1, bytes: &s.bytes[s.nextSh.Add(1)%byteShards]}
	if sc, ok := nc.(syscall.Conn); ok && rawSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
			if s.cfg.parkAfter > 0 {
				_ = rc.Control(func(fd uintptr) { c.fd = int32(fd) })
			}
		}
	}
	return c
}

// run is the connection's goroutine. If first is not nil the connection is
// active and first finishes its echo (one the poller began).
func (c *conn) run(first func() error) {
	defer c.s.wg.Done()
	if first != nil {
		if err := first(); err != nil || !c.rested() {
			c.s.finish(c, err)
			return
		}
	}
	for {
		var err error
		if c.rc != nil {
			err = c.serveRaw()
		} else {
			err = c.servePlain()
		}
		switch st := c.state.Load(); {
		case st == stParking:
			_ = c.nc.SetDeadline(time.Time{}) // the sweeper's wake-up
			if c.s.park.park(c) == nil {
				return // parked: the goroutine is no longer needed
			}
			if !c.s.closing.Load() && c.state.CompareAndSwap(stParking, stIdle) {
				continue // could not park: go on serving
			}
			err = nil
		case st == stIdle && errors.Is(err, os.ErrDeadlineExceeded):
			// A wake-up meant for an earlier state (the sweeper raced
			// with a message): clear it and wait again.
			_ = c.nc.SetDeadline(time.Time{})
			continue
		}
		if errors.Is(err, io.EOF) {
			err = nil
		}
		c.s.finish(c, err)
		return
	}
}

// unpark moves a parked connection to state to, and reports whether it did.
func (c *conn) unpark(to int32) bool {
	if c.state.CompareAndSwap(stParked, to) {
		c.s.parked.Add(-1)
		return true
	}
	return false
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
			c.bytes.in.Add(int64(n))
			_ = c.nc.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
			if c.state.Load() != stActive {
				return nil // Close marked it, and its wake-up may have come before this deadline
			}
			if _, err := c.nc.Write(buf[:n]); err != nil {
				return err
			}
			c.bytes.out.Add(int64(n))
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
