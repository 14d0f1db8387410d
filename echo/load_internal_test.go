package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadFillsBeforeClock: each connection's message is filled with
// random bytes before the run's clock starts, so that Elapsed, msgs/s and
// MB/s cover only the exchange. The fill used to come after the clock
// started: one 64 MiB message, echoed in 86 ms, made a run of 364 ms and a
// quarter of the real MB/s. The hooks order the events; no time is
// measured.
func TestLoadFillsBeforeClock(t *testing.T) {
	cases := []struct {
		name        string
		conns, size int
	}{
		{"small messages", 3, 64},
		{"messages of several fill chunks", 2, 3*fillChunk + 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := New()
			served := make(chan error, 1)
			go func() { served <- s.Serve(l) }()
			defer func() {
				s.Close()
				<-served
			}()

			var filled, atClock atomic.Int64
			atClock.Store(-1)
			testHookFilled = func() { filled.Add(1) }
			testHookClock = func() { atClock.Store(filled.Load()) }
			defer func() { testHookFilled, testHookClock = nil, nil }()

			r, err := Load(context.Background(), Config{Addr: l.Addr().String(), Conns: tc.conns, Msgs: 2, Size: tc.size})
			if err != nil || r.Errors != 0 {
				t.Fatalf("Load = %v, %d errors (%s); want nil, 0", err, r.Errors, r.FirstError)
			}
			if got, want := atClock.Load(), int64(tc.conns); got != want {
				t.Errorf("messages filled when the clock started: got %d, want %d (all of them)", got, want)
			}
			if got, want := filled.Load(), int64(tc.conns); got != want {
				t.Errorf("messages filled in all: got %d, want %d", got, want)
			}
		})
	}
}

// TestPerConn: the memory per connection is given only when the server's
// resident memory grew measurably; otherwise a note says why there is
// none. The figures of the first cases are the auditor's: a server that
// had already run a load reported 95, 281 and even -146 B a connection.
func TestPerConn(t *testing.T) {
	const MB = 1_000_000
	cases := []struct {
		name          string
		before, after int64
		held          int
		want          float64 // 0: no figure, a note
	}{
		{"shrank", 29_500_000, 29_500_000 - 146*5000, 5000, 0},
		{"did not move", 20 * MB, 20 * MB, 5000, 0},
		{"grew 95 B a connection", 22 * MB, 22*MB + 95*5000, 5000, 0},
		{"grew 281 B a connection", 22 * MB, 22*MB + 281*5000, 5000, 0},
		{"grew under 1 KiB a connection, over 1 MiB", 22 * MB, 22*MB + 1000*5000, 5000, 0},
		{"fresh server, few connections: within the noise", 12_400_000, 12_400_000 + 2785*50, 50, 0},
		{"fresh server, parked connections", 12 * MB, 12*MB + 1400*5000, 5000, 1400},
		{"fresh server, goroutines", 12 * MB, 12*MB + 3800*10000, 10000, 3800},
		{"exactly 1 MiB and 1 KiB a connection", 10 * MB, 10*MB + 1<<20, 1024, 1024},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, note := perConn(tc.before, tc.after, tc.held)
			if got != tc.want {
				t.Errorf("perConn(%d, %d, %d) = %v; want %v", tc.before, tc.after, tc.held, got, tc.want)
			}
			switch {
			case tc.want > 0 && note != "":
				t.Errorf("note %q; want none with a figure", note)
			case tc.want == 0 && (!strings.Contains(note, "did not grow measurably") || !strings.Contains(note, "freshly started server")):
				t.Errorf("note %q; want it to say the memory did not grow measurably, and to measure against a freshly started server", note)
			}
		})
	}
}

// TestStalledError: a connection the stall detector closed fails with an
// error that says so in the run's terms, not with what its read of the
// closed connection returned ("raw-read tcp ...: use of closed network
// connection"), which stays in the chain.
func TestStalledError(t *testing.T) {
	stall := fmt.Errorf("%w: nothing echoed for %v", errStalled, 10*time.Second) // as watch makes it
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"waiting for an echo", &msgError{3, &net.OpError{Op: "raw-read", Net: "tcp", Err: net.ErrClosed}},
			"echo: load stalled: nothing echoed for 10s; closed the connection, still waiting for the echo of message 3"},
		{"message unknown", net.ErrClosed, "echo: load stalled: nothing echoed for 10s; closed the connection"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := stalled(stall, tc.err)
			if got := err.Error(); got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
			if !errors.Is(err, errStalled) || !errors.Is(err, net.ErrClosed) {
				t.Errorf("%q matches errStalled %v, net.ErrClosed %v; want both", err, errors.Is(err, errStalled), errors.Is(err, net.ErrClosed))
			}
		})
	}
}

// TestClockTick: the tick of /proc/PID/stat's CPU times, which a run
// shorter than it may show as 0, is a whole fraction of a second.
func TestClockTick(t *testing.T) {
	got := clockTick()
	if got <= 0 || got > time.Second || time.Second%got != 0 {
		t.Errorf("clockTick() = %v; want a whole fraction of a second (10ms on most systems)", got)
	}
}
