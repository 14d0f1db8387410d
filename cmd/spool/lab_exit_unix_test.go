//go:build unix

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// gateWriter is lab's stderr: its first Write (the meter's line as the
// first experiment begins, after the page's file is made) says so on
// started and waits for release, which holds the run there while the test
// sends its signals.
type gateWriter struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.started)
		<-w.release
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestLabSecondSignalRemovesPage: a second Ctrl-C during `spool lab
// --html FILE` exits 130 at once, and removes FILE if the run created it
// (it left it empty: the page is made before the run, to fail early on a
// bad path, and only written at the end). A page that was there before
// stays as it was, and a page already written stays written. The signals
// are real; the clock is fake, so the second is a second one however soon
// it comes; exit is a fake that looks at FILE when the command would exit.
func TestLabSecondSignalRemovesPage(t *testing.T) {
	const oldPage = "the page of an earlier run"
	cases := []struct {
		name        string
		existed     bool // FILE was there before the run
		afterReport bool // the second signal comes after the page is written
		want        string
		wantGone    bool
	}{
		{"new file, second signal during the run", false, false, "", true},
		{"existing file, second signal during the run", true, false, oldPage, false},
		{"new file, second signal after the page is written", false, true, "<!DOCTYPE html>", false},
		{"existing file, second signal after the page is written", true, true, "<!DOCTYPE html>", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := filepath.Join(t.TempDir(), "lab.html")
			if tc.existed {
				if err := os.WriteFile(page, []byte(oldPage), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			type atExit struct {
				code    int
				content []byte
				err     error
			}
			exited := make(chan atExit, 1)
			exit := func(code int) {
				b, err := os.ReadFile(page)
				exited <- atExit{code, b, err}
			}
			var clock atomic.Int64
			var sigErr syncBuffer
			ctx, stop, send := fakeSignals(t, &sigErr, exit, &clock)
			defer stop()

			stderr := &gateWriter{started: make(chan struct{}), release: make(chan struct{})}
			var releaseOnce sync.Once
			release := func() { releaseOnce.Do(func() { close(stderr.release) }) }
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() {
				done <- runLab(ctx, labFlags{quick: true, html: page, htmlSet: true}, []string{"join"}, &out, stderr)
			}()
			var ended error
			waitRun := func() error {
				if done != nil {
					ended, done = <-done, nil
				}
				return ended
			}
			defer waitRun() // even after a t.Fatal: the run must not outlive the test
			defer release()
			select {
			case <-stderr.started:
			case err := <-done:
				done = nil
				t.Fatalf("runLab returned %v before the run began", err)
			}
			send(syscall.SIGINT) // the first: the run stops gracefully
			if tc.afterReport {
				release()
				if err := waitRun(); exitCode(err) != 2 {
					t.Errorf("runLab = %v (exit %d); want interrupted, exit 2", err, exitCode(err))
				}
			}
			clock.Add(int64(time.Second))
			send(syscall.SIGINT) // the second: exit at once
			var got atExit
			select {
			case got = <-exited:
			case <-time.After(safety):
				t.Fatal("no exit after the second signal")
			}
			if !tc.afterReport {
				release() // the fake exit returned: let the run end
				waitRun()
			}

			if got.code != 130 {
				t.Errorf("exit(%d); want exit(130)", got.code)
			}
			switch {
			case tc.wantGone && !errors.Is(got.err, fs.ErrNotExist):
				t.Errorf("at exit, %s: %q, %v; want it removed", page, got.content, got.err)
			case !tc.wantGone && (got.err != nil || !strings.HasPrefix(string(got.content), tc.want)):
				t.Errorf("at exit, %s: %.40q, %v; want it to begin %q", page, got.content, got.err, tc.want)
			}
		})
	}
}
