//go:build linux

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// screen replays terminal output that draws with carriage returns and
// line feeds only (as the progress bars do), and returns the lines left
// on the screen.
func screen(out string) []string {
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
		s[i] = string(l)
	}
	return s
}

// On a terminal, echo load --idle draws a bar of the seconds held from the
// start of the hold, and moves it as the hold goes on (it used to draw
// nothing before the hold was over: then a bar of the connections, full at
// once and cleared at once). It leaves the screen clean when it ends,
// whether the hold runs its course or is interrupted: the bars are drawn
// on one line, the connections' first and then the hold's, and both are
// cleared, so that the report starts on a clean line.
func TestEchoLoadIdleBarDuringHold(t *testing.T) {
	const holding = "holding 3 connections (seconds)"
	cases := []struct {
		name     string
		hold     string
		ctrlC    string // if not "", ctrl-c once the terminal shows this
		wantExit int
		wantOut  string // a line of the report, a regexp
	}{
		{"ctrl-c during the hold", "1h", "(1/3600)", 2, `(?m)^interrupted +yes`}, // once the bar has moved a step
		{"hold runs its course", "1500ms", "", 0, `(?m)^held +3 of 3 connections for 1.5s$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveOnce(t, func(c net.Conn) { _, _ = io.Copy(c, c) })
			tty, output, closeTTY := openPTY(t)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var stdout syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, &stdout, tty, "echo", "load", "--addr", addr, "--conns", "3", "--idle", "--hold", tc.hold)
			}()
			if tc.ctrlC != "" {
				for deadline := time.Now().Add(safety); !strings.Contains(output(), holding+"   0%") || !strings.Contains(output(), tc.ctrlC); time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("terminal got %q; want the hold's bar (%q) drawn at 0 and moving (%q) during the hold", output(), holding, tc.ctrlC)
					}
				}
				cancel(errors.New("interrupt signal received"))
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(safety):
				t.Fatal("echo load did not return")
			}
			closeTTY()
			out := output()
			if got := exitCode(err); (err == nil) != (tc.wantExit == 0) || (err != nil && got != tc.wantExit) {
				t.Errorf("echo load = %v; want exit %d", err, tc.wantExit)
			}
			if !regexp.MustCompile(tc.wantOut).MatchString(stdout.String()) {
				t.Errorf("report:\n%s\nwant a line matching %s", stdout.String(), tc.wantOut)
			}
			if !strings.Contains(out, holding) {
				t.Errorf("terminal got %q; want the hold's bar (%q)", out, holding)
			}
			if i := strings.Index(out, holding); i >= 0 && strings.Contains(out[i:], "connecting") {
				t.Errorf("terminal got %q; want the connections' bar never drawn again once the hold's is", out)
			}
			if strings.Contains(out, "\n") {
				t.Errorf("terminal got %q; want every bar drawn on the same line (no line feed)", out)
			}
			for i, line := range screen(out) {
				if strings.TrimSpace(line) != "" {
					t.Errorf("terminal line %d left showing %q; want it cleared", i, line)
				}
			}
		})
	}
}
