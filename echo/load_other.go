//go:build !unix

package echo

import (
	"net"
	"syscall"
)

func (e *exchange) raw(net.Conn, syscall.RawConn) error { panic("unreachable: rawSupported is false") }
