package echo_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestLoadIdleReportsHold: an idle run reports how long it held its
// connections and whether the hold ended early. It used to report only
// the hold asked for, so that spool echo load --idle said "held 0 of 50
// connections for 20s" of a server that died after 2 s.
func TestLoadIdleReportsHold(t *testing.T) {
	cases := []struct {
		name      string
		opts      []echo.Option
		hold      time.Duration
		wantHeld  int
		wantEarly bool
	}{
		{"runs its course", nil, 50 * time.Millisecond, 3, false},
		// The server's idle timeout closes every connection, so the hold,
		// an hour long, ends as soon as the client looks (within a second).
		{"server closes every connection", []echo.Option{echo.IdleTimeout(10 * time.Millisecond)}, time.Hour, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantEarly && runtime.GOOS == "windows" {
				t.Skip("the hold ends early on Unix only")
			}
			_, addr := start(t, tc.opts...)
			done := make(chan struct{})
			var (
				r   echo.Report
				err error
			)
			go func() {
				defer close(done)
				r, err = echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 3, Idle: true, Hold: tc.hold})
			}()
			select {
			case <-done:
			case <-time.After(safety):
				t.Fatalf("Load still holding after %v", safety)
			}
			if err != nil || r.Held != tc.wantHeld || r.HoldEndedEarly != tc.wantEarly {
				t.Fatalf("Load: err %v, held %d, ended early %v; want nil, %d, %v", err, r.Held, r.HoldEndedEarly, tc.wantHeld, tc.wantEarly)
			}
			// Not a timing assertion: an early hold lasts less than the hold
			// asked for, as the hold's end is what ended it, and one that
			// runs its course reports the hold asked for.
			switch {
			case tc.wantEarly && (r.Hold <= 0 || r.Hold >= tc.hold):
				t.Errorf("hold %v; want more than 0, less than the %v asked for", r.Hold, tc.hold)
			case !tc.wantEarly && r.Hold != tc.hold:
				t.Errorf("hold %v; want the %v asked for", r.Hold, tc.hold)
			}
		})
	}
}

// TestLoadServerCPUResolution: with PID, message mode reports the tick of
// the clock that counts the server's CPU, so that a run shorter than one
// tick, whose ServerCPU may be 0, says so rather than nothing.
func TestLoadServerCPUResolution(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU reads /proc")
	}
	_, addr := start(t)
	cases := []struct {
		name string
		pid  int
		want time.Duration
	}{
		{"with pid", os.Getpid(), 10 * time.Millisecond},
		{"without", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 1, Msgs: 2, Size: 8, PID: tc.pid})
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			if r.CPUResolution != tc.want {
				t.Errorf("cpu resolution %v; want %v (USER_HZ 100, as on every common Linux)", r.CPUResolution, tc.want)
			}
			if r.ServerCPU%max(r.CPUResolution, 1) != 0 {
				t.Errorf("server cpu %v; want a whole number of ticks of %v", r.ServerCPU, r.CPUResolution)
			}
		})
	}
}
