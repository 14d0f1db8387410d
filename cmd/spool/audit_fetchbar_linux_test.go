//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// replayLines replays terminal output that draws with carriage returns
// and line feeds only (as the bars do, clearing with spaces) and returns
// the screen's lines, trailing spaces trimmed.
func replayLines(out string) []string {
	lines := [][]rune{nil}
	col := 0
	for _, r := range out {
		cur := &lines[len(lines)-1]
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, nil)
			col = 0
		default:
			for len(*cur) <= col {
				*cur = append(*cur, ' ')
			}
			(*cur)[col] = r
			col++
		}
	}
	s := make([]string, len(lines))
	for i, l := range lines {
		s[i] = strings.TrimRight(string(l), " ")
	}
	return s
}

// When stdout is the bar's terminal too, each record starts a line of its
// own: the bar's line is cleared before a record and the bar drawn again
// below it (records were written into the bar's line: "fetch  33% |█ |
// (1/3) [0s:0s]{"url":...}"). The bar is on the screen while a URL is
// still awaited, counts the records above it, and is gone at the end.
func TestAuditCLIFetchRecordsNotInsideBar(t *testing.T) {
	// serve starts a server for one case: /slow answers once release is
	// closed (at the latest when the case ends), /missing is a 404.
	serve := func(t *testing.T) (urls []string, release func()) {
		ch := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/slow":
				select {
				case <-ch:
				case <-r.Context().Done():
				}
			case "/missing":
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, "ok")
		}))
		var once sync.Once
		release = func() { once.Do(func() { close(ch) }) }
		t.Cleanup(srv.Close)
		t.Cleanup(release) // before srv.Close
		return []string{srv.URL + "/slow", srv.URL + "/a", srv.URL + "/missing"}, release
	}
	cases := []struct {
		name  string
		stdin bool   // URLs on standard input (-), not as arguments
		bar   string // on the bar's line while /slow is awaited
	}{
		{"arguments", false, "(2/3)"},
		{"standard input (a spinner, drawn on a goroutine of its own)", true, "(2/-)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			urls, release := serve(t)
			tty, output, closeTTY := openPTY(t)
			root := newRoot()
			args := append([]string{"fetch", "-c", "4"}, urls...)
			if tc.stdin {
				args = []string{"fetch", "-c", "4", "-"}
				root.SetIn(strings.NewReader(strings.Join(urls, "\n") + "\n"))
			}
			root.SetArgs(args)
			root.SetOut(tty) // stdout and stderr: the same terminal
			root.SetErr(tty)
			done := make(chan error, 1)
			go func() { done <- root.ExecuteContext(context.Background()) }()
			// Two records out, /slow awaited: the bar must be back on the
			// last line, counting them.
			for deadline := time.Now().Add(safety); ; time.Sleep(time.Millisecond) {
				screen := replayLines(output())
				for i, line := range screen {
					if j := strings.Index(line, `{"url"`); j > 0 {
						t.Fatalf("terminal line %d %q: got a record after other text (the bar); want it at the start of its line", i, line)
					}
				}
				if strings.Count(output(), `{"url"`) == 2 && strings.Contains(screen[len(screen)-1], tc.bar) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("terminal shows %q; want two records and, below them, the bar showing %q", screen, tc.bar)
				}
			}
			release()
			var err error
			select {
			case err = <-done:
			case <-time.After(safety):
				t.Fatal("fetch did not return")
			}
			closeTTY()
			if exitCode(err) != 1 {
				t.Errorf("fetch = %v; want exit 1 (the 404)", err)
			}
			screen := replayLines(output())
			records := 0
			for i, line := range screen {
				switch {
				case line == "":
				case strings.HasPrefix(line, `{"url"`):
					records++
					var rec map[string]any
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Errorf("terminal line %d %q: %v; want a record alone on its line", i, line, err)
					}
				default:
					t.Errorf("terminal line %d left showing %q; want records only, the bar cleared", i, line)
				}
			}
			if records != len(urls) {
				t.Errorf("terminal shows %d records:\n%s\nwant %d", records, strings.Join(screen, "\n"), len(urls))
			}
		})
	}
}
