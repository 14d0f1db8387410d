//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stuckListener returns the address of a TCP socket listening with a
// backlog of 0 that never accepts: once its queue is full, further dials
// wait (the kernel drops their SYNs) until they time out or are cancelled.
func stuckListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
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
	port := sa.(*syscall.SockaddrInet4).Port
	return "127.0.0.1:" + itoa(port)
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// An interrupt while echo load is still opening its connections is
// reported as an interrupt (exit 2, "interrupted", the signal as cause), as
// the help promises ("when interrupted (after printing the figures
// measured so far, marked interrupted)"); it used to be a bare "context
// canceled" with no report.
func TestEchoLoadInterruptedWhileDialling(t *testing.T) {
	addr := stuckListener(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// Not a timing assertion: the signal only has to arrive while dials wait.
	stop := time.AfterFunc(300*time.Millisecond, func() { cancel(errors.New("interrupt signal received")) })
	defer stop.Stop()
	var out bytes.Buffer
	err := run(ctx, &out, io.Discard, "echo", "load", "--addr", addr, "--conns", "20", "--msgs", "1", "--dial-timeout", "20s")
	t.Logf("err=%v\nstdout=%q", err, out.String())
	if exitCode(err) != 2 {
		t.Errorf("exit %d, want 2", exitCode(err))
	}
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "interrupt signal received") {
		t.Errorf("error %q does not say the run was interrupted, nor by what", err)
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("no report marked interrupted on stdout: %q", out.String())
	}
}
