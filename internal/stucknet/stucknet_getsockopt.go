//go:build linux && !386

package stucknet

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// Listen listens on 127.0.0.1 with a backlog of 0 and never accepts. It
// returns the address and a function that reports how many connections
// the accept queue holds. The socket is closed when the test ends.
func Listen(t testing.TB) (addr string, queued func() int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "stuck")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr = "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	return addr, func() int {
		// For a listening socket, TCP_INFO's unacked is its accept queue.
		var info syscall.TCPInfo
		size := uint32(unsafe.Sizeof(info))
		_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
		if e != 0 {
			t.Fatalf("getsockopt(TCP_INFO): %v", e)
		}
		return int(info.Unacked)
	}
}
