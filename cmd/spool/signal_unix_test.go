//go:build unix

package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The first signal cancels the context; a second one exits at once with
// 128 + its number, whatever the command is doing, unless it comes within
// sameSignal of the first: then it is the same interrupt, delivered twice
// (a terminal's Ctrl-C, or timeout(1), signals the process group as well
// as the process), and it is ignored. It used to count, and one Ctrl-C in
// six under timeout(1) threw the lab's report away. The clock is fake:
// each signal comes after the given time since the one before.
func TestSignals(t *testing.T) {
	type sig struct {
		s     syscall.Signal
		after time.Duration
	}
	const ctrlC, term = "interrupt signal received", "terminated signal received"
	cases := []struct {
		name      string
		first     syscall.Signal
		sigs      []sig // after the first
		wantCause string
		wantCode  int // 0: no exit
	}{
		{"ctrl-c twice", syscall.SIGINT, []sig{{syscall.SIGINT, time.Second}}, ctrlC, 130},
		{"ctrl-c then SIGTERM", syscall.SIGINT, []sig{{syscall.SIGTERM, time.Second}}, ctrlC, 143},
		{"SIGTERM then ctrl-c", syscall.SIGTERM, []sig{{syscall.SIGINT, time.Second}}, term, 130},
		{"the same ctrl-c twice", syscall.SIGINT, []sig{{syscall.SIGINT, time.Millisecond}}, ctrlC, 0},
		{"the same ctrl-c twice, then SIGTERM", syscall.SIGINT, []sig{{syscall.SIGINT, 0}, {syscall.SIGTERM, time.Second}}, ctrlC, 143},
		{"ctrl-c just past the gap", syscall.SIGINT, []sig{{syscall.SIGINT, sameSignal}}, ctrlC, 130},
		{"ctrl-c, then SIGTERM at once", syscall.SIGINT, []sig{{syscall.SIGTERM, time.Millisecond}}, ctrlC, 143},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr syncBuffer
			exited := make(chan int, 1)
			var clock atomic.Int64
			ctx, stop, send := fakeSignals(t, &stderr, func(code int) { exited <- code }, &clock)
			defer stop()
			send(tc.first)
			<-ctx.Done()
			if got := context.Cause(ctx); got == nil || got.Error() != tc.wantCause || !errors.Is(ctx.Err(), context.Canceled) {
				t.Errorf("cause %v, err %v; want %q, context.Canceled", got, ctx.Err(), tc.wantCause)
			}
			for _, s := range tc.sigs {
				clock.Add(int64(s.after))
				send(s.s)
			}
			// stop waits for the handler to end: by then it has exited, or
			// ignored the last signal for good.
			stop()
			select {
			case code := <-exited:
				if code != tc.wantCode {
					t.Errorf("exit(%d); want exit(%d) (0: none)", code, tc.wantCode)
				}
			default:
				if tc.wantCode != 0 {
					t.Errorf("no exit; want exit(%d)", tc.wantCode)
				}
			}
			if said := strings.Contains(stderr.String(), "exiting at once"); said != (tc.wantCode != 0) {
				t.Errorf("stderr %q; want it to say it exits at once: %v", stderr.String(), tc.wantCode != 0)
			}
		})
	}
}

// fakeSignals starts signalContext with a fake clock read from clock, and
// returns its ctx and stop, and send, which signals the process and
// waits until the handler has taken the signal. The clock is read before
// the test hears of it: read after, it could already show the time the
// test set for the next signal.
func fakeSignals(t *testing.T, stderr io.Writer, exit func(int), clock *atomic.Int64) (ctx context.Context, stop func(), send func(syscall.Signal)) {
	read := make(chan struct{}, 8) // one per signal handled
	now := func() time.Time { at := time.Unix(0, clock.Load()); read <- struct{}{}; return at }
	ctx, stop = signalContext(stderr, exit, now)
	send = func(s syscall.Signal) {
		t.Helper()
		if err := syscall.Kill(syscall.Getpid(), s); err != nil {
			t.Fatal(err)
		}
		select {
		case <-read:
		case <-time.After(safety):
			t.Fatalf("signal %v not handled", s)
		}
	}
	return ctx, stop, send
}
