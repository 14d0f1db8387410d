//go:build unix

package echo

import (
	"io"
	"syscall"
	"time"
)

const rawSupported = true

// serveRaw serves the connection inside one syscall.RawConn.Read call. The
// runtime calls c.readable when the socket may be readable; readable takes
// a buffer from the pool only then, echoes everything there is, gives the
// buffer back and returns false to wait again. While the connection waits
// its goroutine is parked in the runtime's netpoller with a short stack and
// no buffer.
//
// readable reads until EAGAIN, as a plain read loop must: the netpoller is
// edge-triggered, and a read that did not fill the buffer does not say
// that the client's close is not waiting behind the bytes it returned.
func (c *conn) serveRaw() error {
	if err := c.rc.Read(c.readable); err != nil {
		return err
	}
	return c.err
}

// readable is the RawConn.Read callback; it returns true to stop serving.
func (c *conn) readable(fd uintptr) bool {
	s := c.s
	if !c.state.CompareAndSwap(stIdle, stActive) {
		return true // closed by the server
	}
	bp := s.pool.Get().(*[]byte)
	buf := *bp
	echoed := false
	for {
		n, err := rawRead(fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN: // nothing there yet, a stale wake-up, or the end of whole buffers
			s.pool.Put(bp)
			if echoed {
				c.last.Store(s.epoch.Load())
			}
			return !c.rested()
		case err != nil:
			c.err = err
		case n == 0:
			c.err = io.EOF
		}
		if c.err == nil {
			c.bytes.in.Add(int64(n))
			c.err = c.write(fd, buf[:n])
		}
		if c.err != nil {
			s.pool.Put(bp)
			return true
		}
		c.bytes.out.Add(int64(n))
		echoed = true
		// Read on to EAGAIN even after a read that did not fill the
		// buffer: the client's close may have come with its last bytes,
		// under the same edge, and the read after them is the one that
		// sees it. Waiting for the next edge there waited for one that
		// never came, and the connection stayed open until the idle
		// timeout (forever without one).
		if c.state.Load() != stActive {
			break // Close marked it: stop, however fast the client sends
		}
	}
	s.pool.Put(bp)
	c.last.Store(s.epoch.Load())
	return !c.rested()
}

// write writes p to fd; if the client's buffers are full it waits, up to
// the write timeout, for it to read.
func (c *conn) write(fd uintptr, p []byte) error {
	rest, err := writeNow(fd, p)
	if err == nil && len(rest) > 0 {
		err = c.writeSlow(rest)
	}
	return err
}

// writeNow writes as much of p to the non-blocking socket fd as it takes
// without waiting, and returns the rest (empty when all of p went out).
func writeNow(fd uintptr, p []byte) (rest []byte, err error) {
	for len(p) > 0 {
		n, err := rawWrite(fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return p, nil
		case err != nil:
			return p, err
		}
		p = p[n:]
	}
	return nil, nil
}

// writeSlow arms the write deadline and waits for the client to read.
func (c *conn) writeSlow(p []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.writeTimeout))
	if c.state.Load() != stActive {
		return errClosing // Close marked it, and its wake-up may have come before this deadline
	}
	var werr error
	err := c.rc.Write(func(fd uintptr) bool {
		for len(p) > 0 {
			n, err := syscall.Write(int(fd), p)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return false
			case err != nil:
				werr = err
				return true
			}
			p = p[n:]
		}
		return true
	})
	_ = c.nc.SetWriteDeadline(time.Time{})
	if err != nil {
		return err
	}
	return werr
}
