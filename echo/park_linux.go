//go:build linux

package echo

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// errClosing refuses to park a connection while the server shuts down.
var errClosing = errors.New("echo: server closing")

// parker holds the parked connections of a server in an epoll set of its
// own. The epoll descriptor is itself registered with Go's netpoller (as a
// non-blocking *os.File), so the poller goroutine waits there like any
// connection's goroutine, holding no thread.
type parker struct {
	s    *Server
	f    *os.File
	rc   syscall.RawConn
	done chan struct{}
	// stopping is set by stop before it closes f: the poller's wait then
	// fails with internal/poll's "use of closed file", which is the
	// expected end and not logged.
	stopping atomic.Bool

	mu   sync.Mutex
	byFD map[int32]*conn // connections ever parked and not yet ended, by socket
}

func newParker(s *Server) (*parker, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "echo-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &parker{s: s, f: f, rc: rc, done: make(chan struct{}), byFD: make(map[int32]*conn)}
	go p.run()
	return p, nil
}

// stop closes the epoll set and waits for the poller to return.
func (p *parker) stop() {
	p.stopping.Store(true)
	p.f.Close()
	<-p.done
}

// park parks c, which the caller owns in state stParking. It returns nil
// when c is parked (or was taken by a closer meanwhile): the caller must
// forget c. Otherwise the caller still owns c, still in state stParking.
func (p *parker) park(c *conn) error {
	p.mu.Lock()
	p.byFD[c.fd] = c
	p.mu.Unlock()
	if !c.state.CompareAndSwap(stParking, stParked) {
		return errClosing // a closer marked it: the caller ends it
	}
	p.s.parked.Add(1)
	// From here a closer may take c. Check closing after the move, so
	// that either closeConns sees c parked or we see the server closing.
	if p.s.closing.Load() {
		if c.unpark(stParking) {
			return errClosing
		}
		return nil
	}
	// One-shot and level-triggered: bytes that came after the last read
	// fire at once; and the event disarms itself until the next park.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: c.fd}
	var err error
	cerr := c.rc.Control(func(sfd uintptr) { // holds the socket open meanwhile
		perr := p.rc.Control(func(efd uintptr) {
			err = syscall.EpollCtl(int(efd), syscall.EPOLL_CTL_MOD, int(sfd), &ev)
			if err == syscall.ENOENT {
				err = syscall.EpollCtl(int(efd), syscall.EPOLL_CTL_ADD, int(sfd), &ev)
			}
		})
		if err == nil {
			err = perr
		}
	})
	if cerr != nil {
		return nil // the socket is closed: a closer took c and ends it
	}
	if err != nil {
		if c.unpark(stParking) {
			return err
		}
		return nil
	}
	return nil
}

// forget drops c, which is ending, from the set.
func (p *parker) forget(c *conn) {
	if c.fd < 0 {
		return
	}
	p.mu.Lock()
	if p.byFD[c.fd] == c {
		delete(p.byFD, c.fd)
	}
	p.mu.Unlock()
}

// run is the poller goroutine.
func (p *parker) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	err := p.rc.Read(func(efd uintptr) bool {
		for {
			n, err := syscall.EpollWait(int(efd), events, 0)
			switch {
			case err == syscall.EINTR:
				continue
			case err != nil:
				p.s.cfg.log.Error("echo: epoll_wait", "err", err)
				return true
			}
			for _, ev := range events[:n] {
				p.wake(ev.Fd)
			}
			if n < len(events) {
				return false // drained: wait for the set to be readable again
			}
		}
	})
	// Closing f makes RawConn.Read fail with internal/poll's
	// ErrFileClosing ("use of closed file"), which os does not translate
	// to os.ErrClosed on this path: tell it by stopping instead.
	if err != nil && !p.stopping.Load() && !errors.Is(err, os.ErrClosed) {
		p.s.cfg.log.Error("echo: poller", "err", err)
	}
}

// wake handles a readable parked connection: it echoes the message itself
// if the connection is quiet, or gives it a goroutine if it is busy.
func (p *parker) wake(fd int32) {
	s := p.s
	p.mu.Lock()
	c := p.byFD[fd]
	p.mu.Unlock()
	if c == nil || !c.unpark(stActive) {
		return // stale: ended or taken by a closer
	}
	now := s.epoch.Load() + 1
	if c.inline.Load() == now { // its second message this period: it is busy
		if c.state.CompareAndSwap(stActive, stIdle) {
			s.spawn(c)
		} else {
			s.finish(c, nil) // Close marked it
		}
		return
	}
	c.inline.Store(now)

	bp := s.pool.Get().(*[]byte)
	buf := *bp
	var (
		n          int
		rerr, werr error
		rest       []byte
	)
	cerr := c.rc.Control(func(sfd uintptr) {
		for {
			n, rerr = syscall.Read(int(sfd), buf)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr != nil || n <= 0 {
			return
		}
		rest = buf[:n]
		for len(rest) > 0 {
			m, err := syscall.Write(int(sfd), rest)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				werr = err
				return
			}
			rest = rest[m:]
		}
	})
	switch {
	case cerr != nil:
		rerr = cerr
	case rerr == nil && n == 0:
		rerr = errEOF
	}
	if rerr == syscall.EAGAIN { // nothing there after all
		s.pool.Put(bp)
		p.repark(c)
		return
	}
	if rerr != nil {
		s.pool.Put(bp)
		if rerr == errEOF {
			rerr = nil
		}
		s.finish(c, rerr)
		return
	}
	c.bytes.in.Add(int64(n))
	c.last.Store(s.epoch.Load())
	switch {
	case werr == syscall.EAGAIN: // the client is slow to read: a goroutine waits for it
		s.wg.Add(1)
		go c.run(func() error {
			err := c.writeSlow(rest)
			s.pool.Put(bp)
			if err == nil {
				c.bytes.out.Add(int64(n))
			}
			return err
		})
	case werr != nil:
		s.pool.Put(bp)
		s.finish(c, werr)
	case n == len(buf): // there may be more: a goroutine reads on
		s.pool.Put(bp)
		c.bytes.out.Add(int64(n))
		if c.state.CompareAndSwap(stActive, stIdle) {
			s.spawn(c)
		} else {
			s.finish(c, nil)
		}
	default:
		s.pool.Put(bp)
		c.bytes.out.Add(int64(n))
		p.repark(c)
	}
}

// errEOF marks a zero-byte read in wake.
var errEOF = errors.New("EOF")

// repark parks c again after the poller echoed it.
func (p *parker) repark(c *conn) {
	if !c.state.CompareAndSwap(stActive, stParking) {
		p.s.finish(c, nil) // Close marked it
		return
	}
	if p.park(c) == nil {
		return
	}
	if !p.s.closing.Load() && c.state.CompareAndSwap(stParking, stIdle) {
		p.s.spawn(c)
		return
	}
	p.s.finish(c, nil)
}
