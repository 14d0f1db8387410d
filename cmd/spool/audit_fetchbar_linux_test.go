//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal: writes to tty show up on the returned
// reader, which collects them until close is called. It skips the test
// where the system has no pseudo-terminals.
func openPTY(t *testing.T) (tty *os.File, output func() string, closeTTY func()) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptm.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		ptm.Close()
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptm.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		ptm.Close()
		t.Skipf("ptsname: %v", e)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		t.Skipf("open pts: %v", err)
	}
	var (
		mu   sync.Mutex
		buf  bytes.Buffer
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := ptm.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			pts.Close() // the reader gets EIO once the terminal's last user is gone
			select {
			case <-done:
			case <-time.After(safety):
				t.Errorf("pty reader did not end")
			}
			ptm.Close()
		})
	}
	t.Cleanup(closeAll)
	return pts, func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}, closeAll
}

// On a terminal, fetch's notes (a repeated URL skipped) are not written
// into the middle of its progress bar's line: each note starts a line of
// its own, with no bar drawn on it.
func TestAuditCLIFetchNotesNotInsideBar(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	defer close(release)
	cases := []struct {
		name string
		args []string
		skip string // the URL skipped
	}{
		{"repeat after others", []string{srv.URL + "/slow", srv.URL + "/a", srv.URL + "/b", srv.URL + "/a"}, srv.URL + "/a"},
		{"repeat of the first", []string{srv.URL + "/a", srv.URL + "/slow", srv.URL + "/a", srv.URL + "/c"}, srv.URL + "/a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tty, output, closeTTY := openPTY(t)
			var stdout syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(context.Background(), &stdout, tty, append([]string{"fetch", "-c", "4"}, tc.args...)...)
			}()
			// Let the fast URLs finish (the bar draws its first step), then free /slow.
			for deadline := time.Now().Add(safety); strings.Count(stdout.String(), "\n") < 2; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("fetch printed %q; want two records before /slow ends", stdout.String())
				}
			}
			release <- struct{}{}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
			case <-time.After(safety):
				t.Fatal("fetch did not return")
			}
			closeTTY()
			out := output()
			// Without a bar on the terminal the test would prove nothing.
			if bar := fmt.Sprintf("/%d)", len(tc.args)); !strings.Contains(out, bar) {
				t.Fatalf("terminal got %q; want a progress bar (counting %q)", out, bar)
			}
			note := "spool fetch: skipped " + tc.skip
			if !strings.Contains(out, note) {
				t.Fatalf("terminal got %q; want the note %q", out, note)
			}
			for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.Contains(line, "skipped") && !strings.HasPrefix(line, "spool fetch: skipped") {
					t.Errorf("terminal line %q: got the note after other text (the bar); want it at the start of its line", line)
				}
			}
		})
	}
}
