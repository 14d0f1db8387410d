//go:build !unix

package echo

import (
	"net"
	"syscall"
)

func (e *exchange) raw(net.Conn, syscall.RawConn) error { panic("unreachable: rawSupported is false") }

// closedByPeer cannot tell without reading here: the hold runs its course.
func closedByPeer(net.Conn) bool { return false }
