//go:build unix

package main

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The first signal cancels the context; a second one exits at once with
// 128 + its number, whatever the command is doing.
func TestSignals(t *testing.T) {
	cases := []struct {
		name          string
		first, second syscall.Signal
		wantCause     string
		wantCode      int
	}{
		{"ctrl-c twice", syscall.SIGINT, syscall.SIGINT, "interrupt signal received", 130},
		{"ctrl-c then SIGTERM", syscall.SIGINT, syscall.SIGTERM, "interrupt signal received", 143},
		{"SIGTERM then ctrl-c", syscall.SIGTERM, syscall.SIGINT, "terminated signal received", 130},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr syncBuffer
			exited := make(chan int, 1)
			ctx, stop := signalContext(&stderr, func(code int) { exited <- code })
			defer stop()
			if err := syscall.Kill(syscall.Getpid(), tc.first); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(safety):
				t.Fatalf("ctx not done after %v", tc.first)
			}
			if got := context.Cause(ctx); got == nil || got.Error() != tc.wantCause || !errors.Is(ctx.Err(), context.Canceled) {
				t.Errorf("cause %v, err %v; want %q, context.Canceled", got, ctx.Err(), tc.wantCause)
			}
			select {
			case code := <-exited:
				t.Fatalf("exit(%d) after one signal; want no exit", code)
			default:
			}
			if err := syscall.Kill(syscall.Getpid(), tc.second); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-exited:
				if code != tc.wantCode {
					t.Errorf("exit(%d); want exit(%d)", code, tc.wantCode)
				}
			case <-time.After(safety):
				t.Fatalf("no exit after a second signal (%v)", tc.second)
			}
			if !strings.Contains(stderr.String(), "exiting at once") {
				t.Errorf("stderr %q; want it to say it exits at once", stderr.String())
			}
		})
	}
}
