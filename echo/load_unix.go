//go:build unix

package echo

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"syscall"
)

// closedByPeer reports whether the peer has closed c or reset it: a peek
// that does not wait finds the end of the stream, or an error other than
// "nothing yet". It reads nothing from c.
func closedByPeer(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var b [1]byte
	closed := false
	_ = rc.Control(func(fd uintptr) {
		for {
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			closed = err == nil && n == 0 || err != nil && err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
			return
		}
	})
	return closed
}

// raw is message mode inside syscall.RawConn.Read calls, as the server
// serves (see serveRaw): the callback writes a message with a raw system
// call and returns false to wait for the echo, without first reading to get
// EAGAIN, and reads the echo when the netpoller says it came. That is one
// write and one read a message, against a write and two reads (the first
// finding nothing) for c.Write and io.ReadFull, and no entersyscall pair
// on Linux; only a connection's first message is read at once after its
// write (one read more a connection, finding nothing from an echo server),
// so that bytes a server sent unasked are checked, and fail as a wrong
// echo, at once. An echo that comes in parts has each part checked before
// the wait for the next, for the same reason (a banner shorter than a
// message); the whole echo is checked again once in, so the bytes of such
// an echo are compared twice (memory-speed work, next to its reads). A
// message the socket has no room for is written with c.Write.
func (e *exchange) raw(c net.Conn, rc syscall.RawConn) error {
	var (
		i, have int
		checked int        // bytes of message i's echo checked so far
		sent    bool       // message i is out, its echo not all in
		rest    []byte     // the part of message i the socket had no room for
		writing chan error // the write of rest, while the echo comes in
		err     error      // a system call's
		bad     error      // a wrong echo's, from check
	)
	// A message too big for the socket buffers is written by a goroutine
	// while this one reads its echo: written first, it would fill the
	// server's buffers and ours until both sides wait for the other.
	defer func() {
		if writing != nil { // an error ended the echo: stop the write
			_ = c.SetWriteDeadline(aLongTimeAgo)
			<-writing
		}
	}()
	for i < e.l.cfg.Msgs {
		if writing != nil && !sent { // message i-1 echoed: its write ended
			werr := <-writing
			writing = nil
			if werr != nil {
				return &msgError{i - 1, werr}
			}
		}
		rerr := rc.Read(func(fd uintptr) bool {
			for {
				if !sent {
					if writing != nil {
						return true // let the loop join the write first
					}
					e.next(i)
					if rest, err = writeNow(fd, e.msg); err != nil || len(rest) > 0 {
						return true
					}
					sent, have, checked = true, 0, 0
					if i > 0 {
						return false // the echo cannot be there yet: wait for it
					}
					// The first message: read at once. Bytes the server
					// sent before it (a banner: not an echo server) came
					// under a readiness edge that rc.Read has already
					// cleared, so a wait would not end before the stall
					// timeout, which then reported "nothing echoed".
					continue
				}
				want := len(e.got) - have
				n, rerr := rawRead(fd, e.got[have:])
				switch {
				case rerr == syscall.EINTR:
					continue
				case rerr == syscall.EAGAIN: // a stale wake-up, or the echo came in part
					// Check the part before waiting for the rest: a server
					// that sent fewer wrong bytes than a message (a banner)
					// and then waits would otherwise be reported as a stall.
					if have > checked {
						if bad = e.checkPart(i, checked, have); bad != nil {
							return true
						}
						checked = have
					}
					return false
				case rerr != nil:
					err = rerr
					return true
				case n == 0:
					err = io.ErrUnexpectedEOF
					return true
				}
				if have += n; n < want {
					// Read on: the server's close may have come with
					// these bytes, under the same edge, and only the
					// next read sees it (EAGAIN then waits for the
					// rest). Waiting for the next edge here waited for
					// the stall timeout, and reported a stall.
					continue
				}
				if bad = e.check(i); bad != nil {
					return true
				}
				if i, sent = i+1, false; i == e.l.cfg.Msgs {
					return true
				}
			}
		})
		switch {
		case bad != nil:
			return bad
		case err != nil:
			return &msgError{i, err}
		case rerr != nil:
			return &msgError{i, rerr}
		case len(rest) > 0:
			writing = make(chan error, 1)
			go func(b []byte) {
				_, err := c.Write(b)
				writing <- err
			}(rest)
			rest, sent, have, checked = nil, true, 0, 0
		}
	}
	if writing != nil { // the last message's echo is in: its write has ended
		werr := <-writing
		writing = nil
		if werr != nil {
			return &msgError{i - 1, werr}
		}
	}
	return nil
}

// checkPart compares bytes from to to of message i's echo, in e.got,
// with what was sent, as check does, before the rest has come.
func (e *exchange) checkPart(i, from, to int) error {
	if got, sent := e.got[from:to], e.msg[from:to]; !bytes.Equal(got, sent) {
		return fmt.Errorf("echo: load: message %d: echo differs at byte %d", i, from+mismatch(got, sent))
	}
	return nil
}
