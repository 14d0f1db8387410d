package echo_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

func TestLoad(t *testing.T) {
	s, addr := start(t)
	var last, total int64
	r, err := echo.Load(context.Background(), echo.Config{
		Addr: addr, Conns: 8, Msgs: 200, Size: 512,
		Progress: func(done, all int64) { last, total = done, all },
	})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	const want = 8 * 200
	if r.Messages != want || r.Errors != 0 || r.Samples != want {
		t.Errorf("messages %d, errors %d (%s), samples %d; want %d, 0, %d", r.Messages, r.Errors, r.FirstError, r.Samples, want, want)
	}
	if !(0 < r.P50 && r.P50 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("latencies p50 %v, p99 %v, max %v; want 0 < p50 <= p99 <= max", r.P50, r.P99, r.Max)
	}
	if r.MsgsPerSec <= 0 || r.MBPerSec <= 0 || r.Elapsed <= 0 {
		t.Errorf("msgs/s %v, MB/s %v, elapsed %v; want positive", r.MsgsPerSec, r.MBPerSec, r.Elapsed)
	}
	if last != want || total != want {
		t.Errorf("last progress %d of %d; want %d of %d", last, total, want, want)
	}
	waitFor(t, "the server's counters", func() bool { return s.Metrics().BytesOut == want*512 })
}

// TestLoadConfigErrors: Load refuses a bad Config with a *ConfigError
// naming the field and value. A negative Msgs or Size in idle mode, and a
// negative Hold in message mode, unused there, used to be accepted.
func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		give echo.Config
		want string
	}{
		{"no address", echo.Config{Conns: 1, Msgs: 1, Size: 1}, `addr "": give HOST:PORT`},
		{"no conns", echo.Config{Addr: "x:1", Msgs: 1, Size: 1}, "conns 0: must be positive"},
		{"negative conns", echo.Config{Addr: "x:1", Conns: -3, Msgs: 1, Size: 1}, "conns -3: must be positive"},
		{"no msgs", echo.Config{Addr: "x:1", Conns: 1, Size: 1}, "msgs 0: must be positive"},
		{"no size", echo.Config{Addr: "x:1", Conns: 1, Msgs: 1}, "size 0: must be positive"},
		{"idle without hold", echo.Config{Addr: "x:1", Conns: 1, Idle: true}, "hold 0s: must be positive"},
		{"negative msgs, idle", echo.Config{Addr: "x:1", Conns: 1, Idle: true, Hold: time.Second, Msgs: -5}, "msgs -5: must not be negative"},
		{"negative size, idle", echo.Config{Addr: "x:1", Conns: 1, Idle: true, Hold: time.Second, Size: -5}, "size -5: must not be negative"},
		{"negative hold, messages", echo.Config{Addr: "x:1", Conns: 1, Msgs: 1, Size: 1, Hold: -time.Second}, "hold -1s: must not be negative"},
		{"negative pid", echo.Config{Addr: "x:1", Conns: 1, Idle: true, Hold: time.Second, PID: -1}, "pid -1: must not be negative"},
		{"negative pid, messages", echo.Config{Addr: "x:1", Conns: 1, Msgs: 1, Size: 1, PID: -1}, "pid -1: must not be negative"},
		{"negative stall", echo.Config{Addr: "x:1", Conns: 1, Msgs: 1, Size: 1, Stall: -1}, "stall -1ns: must not be negative"},
		{"too many conns", echo.Config{Addr: "x:1", Conns: 1 << 30, Msgs: 1, Size: 1}, "conns 1073741824: at most 1048576"},
		{"too many idle conns", echo.Config{Addr: "x:1", Conns: echo.MaxLoadConns + 1, Idle: true, Hold: time.Second}, "conns 1048577: at most 1048576"},
		{"too large size", echo.Config{Addr: "x:1", Conns: 1, Msgs: 1, Size: 1 << 30}, "size 1073741824: at most"},
		{"conns x size", echo.Config{Addr: "x:1", Conns: 1000, Msgs: 1, Size: 16 << 20}, "conns x size 1000 x 16777216 bytes: at most 1 GiB"},
	}
	if strconv.IntSize == 64 { // where an int can hold more than MaxLoadMsgs
		over := int64(echo.MaxLoadMsgs + 1)
		cases = append(cases, struct {
			name string
			give echo.Config
			want string
		}{"too many msgs", echo.Config{Addr: "x:1", Conns: 1, Msgs: int(over), Size: 1}, "msgs 1099511627777: at most"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := echo.Load(context.Background(), tc.give)
			if !errors.Is(err, echo.ErrConfig) || !errors.Is(err, echo.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v; want ErrConfig and ErrInvalid saying %q", err, tc.want)
			}
			if ce, ok := errors.AsType[*echo.ConfigError](err); !ok || ce.Field == "" || !strings.Contains(tc.want, ce.Field) {
				t.Errorf("Load = %#v; want a *ConfigError naming the field in %q", err, tc.want)
			}
		})
	}
}

func TestLoadUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 5, Msgs: 1, Size: 1})
	if err == nil || errors.Is(err, echo.ErrConfig) || !strings.HasPrefix(err.Error(), "echo: load: ") {
		t.Errorf("Load(unreachable) = %v; want an echo: load: dial error", err)
	}
}

// fake runs a test server whose connections are handled by handle.
func fake(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

func TestLoadDetectsWrongEcho(t *testing.T) {
	addr := fake(t, func(c net.Conn) {
		buf := make([]byte, 100)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			buf[n-1]++ // corrupt the last byte
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 3, Msgs: 10, Size: 10})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	const want = "echo: load: message 0: echo differs at byte 9"
	if r.Errors != 3 || r.Messages != 0 || r.FirstError != want {
		t.Errorf("errors %d, messages %d, first %q; want 3, 0, %q", r.Errors, r.Messages, r.FirstError, want)
	}
}

// TestLoadEchoShapes checks that Load reassembles echoes that come back
// in pieces, survives messages larger than the socket's buffers, and
// reports a server that hangs up mid-run.
func TestLoadEchoShapes(t *testing.T) {
	// trickle echoes what it reads in pieces of k bytes, a write each (the
	// connection has TCP_NODELAY, so each goes out as it is written); it
	// hangs up after quit bytes if quit is positive.
	trickle := func(k, quit int) func(net.Conn) {
		return func(c net.Conn) {
			buf := make([]byte, 64<<10)
			total := 0
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				for p := buf[:n]; len(p) > 0; {
					m := min(k, len(p))
					if quit > 0 && total+m > quit {
						c.Close()
						return
					}
					if _, err := c.Write(p[:m]); err != nil {
						return
					}
					total += m
					p = p[m:]
				}
			}
		}
	}
	// whole reads all size bytes of a message before it echoes them, so
	// that a message larger than the socket buffers cannot deadlock the
	// test: the client must get past a write the socket has no room for.
	whole := func(size int) func(net.Conn) {
		return func(c net.Conn) {
			buf := make([]byte, size)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		}
	}
	cases := []struct {
		name      string
		handle    func(net.Conn)
		msgs      int
		size      int
		wantMsgs  int64
		wantError string
	}{
		{"one byte at a time", trickle(1, 0), 5, 64, 5, ""},
		{"pieces of 7", trickle(7, 0), 5, 100, 5, ""},
		{"larger than the socket buffers", whole(4 << 20), 3, 4 << 20, 3, ""},
		{"hangs up in message 2", trickle(64<<10, 2*64+10), 5, 64, 2, "message 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := fake(t, tc.handle)
			r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 2, Msgs: tc.msgs, Size: tc.size})
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			wantErrs := int64(0)
			if tc.wantError != "" {
				wantErrs = 2
			}
			if r.Messages != 2*tc.wantMsgs || r.Errors != wantErrs || !strings.Contains(r.FirstError, tc.wantError) {
				t.Errorf("messages %d, errors %d, first error %q; want %d, %d, one containing %q",
					r.Messages, r.Errors, r.FirstError, 2*tc.wantMsgs, wantErrs, tc.wantError)
			}
		})
	}
}

// silent reads and never answers.
func silent(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func TestLoadStall(t *testing.T) {
	addr := fake(t, silent)
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 4, Msgs: 10, Size: 10, Stall: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Errors != 4 || !strings.Contains(r.FirstError, "stalled") {
		t.Errorf("errors %d, first %q; want 4, stalled", r.Errors, r.FirstError)
	}
}

// An interrupted run returns what it measured, marked interrupted, and
// does not count the connections it cut as errors.
func TestLoadCancel(t *testing.T) {
	addr := fake(t, silent)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := echo.Load(ctx, echo.Config{
		Addr: addr, Conns: 4, Msgs: 10, Size: 10,
		Progress: func(int64, int64) { cancel() },
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Load = %v; want an interrupted error matching context.Canceled", err)
	}
	if !r.Interrupted || r.Conns != 4 || r.Messages != 0 || r.Errors != 0 {
		t.Errorf("report: interrupted %v, conns %d, messages %d, errors %d (%s); want true, 4, 0, 0",
			r.Interrupted, r.Conns, r.Messages, r.Errors, r.FirstError)
	}
}

func TestLoadInterruptedKeepsFigures(t *testing.T) {
	_, addr := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := echo.Load(ctx, echo.Config{
		Addr: addr, Conns: 2, Msgs: math.MaxInt32, Size: 16, // more than it will send
		Progress: func(done, _ int64) {
			if done > 0 {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %v; want context.Canceled", err)
	}
	if !r.Interrupted || r.Messages <= 0 || r.Samples <= 0 || r.Elapsed <= 0 || r.MsgsPerSec <= 0 || r.Errors != 0 {
		t.Errorf("report: interrupted %v, messages %d, samples %d, elapsed %v, msgs/s %v, errors %d (%s); want true, the figures so far and no errors",
			r.Interrupted, r.Messages, r.Samples, r.Elapsed, r.MsgsPerSec, r.Errors, r.FirstError)
	}
}

// The server counts the pings of an idle run and interrupts the run once
// every connection answered: Load is then in its hold.
func TestLoadIdleInterrupted(t *testing.T) {
	const conns = 3
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	pinged := 0
	addr := fake(t, func(c net.Conn) {
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		if _, err := c.Write(b); err != nil {
			return
		}
		mu.Lock()
		pinged++
		if pinged == conns {
			cancel()
		}
		mu.Unlock()
		silent(c)
	})
	r, err := echo.Load(ctx, echo.Config{Addr: addr, Conns: conns, Idle: true, Hold: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %v; want context.Canceled", err)
	}
	if !r.Interrupted || r.Opened != conns || r.Held != 0 || r.Errors != 0 {
		t.Errorf("report: interrupted %v, opened %d, held %d, errors %d (%s); want true, %d, 0, 0",
			r.Interrupted, r.Opened, r.Held, r.Errors, r.FirstError, conns)
	}
}

// A pid without a /proc entry fails at once, before any connection, in
// both modes.
func TestLoadBadPID(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("PID reads /proc")
	}
	s, addr := start(t)
	for _, cfg := range []echo.Config{
		{Addr: addr, Conns: 2, Msgs: 1000, Size: 8, PID: 1 << 30},
		{Addr: addr, Conns: 2, Idle: true, Hold: time.Hour, PID: 1 << 30},
	} {
		done := make(chan error, 1)
		go func() { _, err := echo.Load(context.Background(), cfg); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "needs Linux /proc") {
				t.Errorf("Load(idle %v, no such pid) = %v; want the /proc error", cfg.Idle, err)
			}
		case <-time.After(safety):
			t.Fatalf("Load(idle %v, no such pid) did not return", cfg.Idle)
		}
	}
	if got := s.Metrics().Accepted; got != 0 {
		t.Errorf("server accepted %d connections; want 0", got)
	}
}

func TestReportJSON(t *testing.T) {
	cases := []struct {
		name     string
		give     echo.Report
		want     []string
		unwanted []string
	}{
		{"idle, none held", echo.Report{Addr: "a:1", Conns: 2, Idle: true, Opened: 2, Errors: 2},
			[]string{`"held":0`, `"opened":2`, `"errors":2`}, []string{`"messages"`, `"elapsed_ns"`}},
		{"messages", echo.Report{Addr: "a:1", Conns: 2, Msgs: 3, Size: 4},
			[]string{`"messages":0`, `"elapsed_ns":0`}, []string{`"held"`, `"interrupted"`}},
		{"interrupted", echo.Report{Addr: "a:1", Conns: 2, Msgs: 3, Size: 4, Interrupted: true},
			[]string{`"interrupted":true`}, nil},
		// The server's CPU, measured but under one tick: the fields are
		// there, at 0, with the tick; they used to vanish.
		{"server CPU under a tick", echo.Report{Addr: "a:1", Conns: 2, Msgs: 3, Size: 4, Messages: 6, CPUResolution: 10 * time.Millisecond},
			[]string{`"server_cpu_ns":0`, `"cpu_per_msg_ns":0`, `"cpu_resolution_ns":10000000`}, nil},
		{"server CPU", echo.Report{Addr: "a:1", Conns: 2, Msgs: 3, Size: 4, Messages: 6, ServerCPU: 30 * time.Millisecond, CPUPerMsg: 5 * time.Millisecond, CPUResolution: 10 * time.Millisecond},
			[]string{`"server_cpu_ns":30000000`, `"cpu_per_msg_ns":5000000`}, nil},
		{"server CPU not measured", echo.Report{Addr: "a:1", Conns: 2, Msgs: 3, Size: 4},
			nil, []string{`"server_cpu_ns"`, `"cpu_per_msg_ns"`, `"cpu_resolution_ns"`}},
		{"idle, hold ended early", echo.Report{Addr: "a:1", Conns: 2, Idle: true, Opened: 2, Errors: 2, Hold: 2 * time.Second, HoldEndedEarly: true},
			[]string{`"hold_ns":2000000000`, `"hold_ended_early":true`}, nil},
		{"idle, no memory figure", echo.Report{Addr: "a:1", Conns: 2, Idle: true, Opened: 2, Held: 2, Hold: time.Second, RSSBefore: 2e6, RSSAfter: 1e6, MemoryNote: "did not grow"},
			[]string{`"memory_note":"did not grow"`, `"rss_after":1000000`}, []string{`"bytes_per_conn"`, `"hold_ended_early"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.give)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("got %s; want it to hold %s", b, w)
				}
			}
			for _, u := range tc.unwanted {
				if strings.Contains(string(b), u) {
					t.Errorf("got %s; want no %s", b, u)
				}
			}
			var back echo.Report
			if err := json.Unmarshal(b, &back); err != nil || back != tc.give {
				t.Errorf("round trip: got %+v, %v; want %+v", back, err, tc.give)
			}
		})
	}
}

func TestLoadIdle(t *testing.T) {
	s, addr := start(t)
	cfg := echo.Config{Addr: addr, Conns: 50, Idle: true, Hold: 10 * time.Millisecond}
	if runtime.GOOS == "linux" {
		cfg.PID = os.Getpid()
	}
	r, err := echo.Load(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Held != 50 || r.Errors != 0 {
		t.Errorf("held %d, errors %d (%s); want 50, 0", r.Held, r.Errors, r.FirstError)
	}
	if cfg.PID != 0 && (r.RSSBefore <= 0 || r.RSSAfter <= 0) {
		t.Errorf("rss before %d, after %d; want both positive", r.RSSBefore, r.RSSAfter)
	}
	if got := s.Metrics().Accepted; got != 50 {
		t.Errorf("server accepted %d; want 50", got)
	}
}

// Idle connections closed by the server during the hold are counted.
func TestLoadIdleTimedOut(t *testing.T) {
	_, addr := start(t, echo.IdleTimeout(5*time.Millisecond))
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 5, Idle: true, Hold: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Held != 0 || r.Errors != 5 {
		t.Errorf("held %d, errors %d; want 0, 5", r.Held, r.Errors)
	}
}

func TestLoadServerCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU reads /proc")
	}
	_, addr := start(t)
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: 4, Msgs: 2000, Size: 64, PID: os.Getpid()})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	// Client and server share this process, so the figure counts both.
	if r.ServerCPU <= 0 || r.CPUPerMsg != r.ServerCPU/time.Duration(r.Messages) {
		t.Errorf("server cpu %v, per message %v for %d messages; want positive and consistent", r.ServerCPU, r.CPUPerMsg, r.Messages)
	}
}

func TestCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU reads /proc")
	}
	// Burn CPU until a 10 ms tick shows up (at once, if other tests ran).
	for deadline := time.Now().Add(safety); ; {
		n, err := echo.CPU(os.Getpid())
		if err != nil {
			t.Fatalf("CPU(self) = %v", err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU(self) = 0 after burning CPU for %v", safety)
		}
		for i := range 1_000_000 {
			sink += i
		}
	}
	if _, err := echo.CPU(1 << 30); err == nil {
		t.Errorf("CPU(no such pid) = nil error; want one")
	}
}

var sink int

func TestRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS reads /proc")
	}
	n, err := echo.RSS(os.Getpid())
	if err != nil || n <= 0 {
		t.Errorf("RSS(self) = %d, %v; want a positive size", n, err)
	}
	if _, err := echo.RSS(1 << 30); err == nil {
		t.Errorf("RSS(no such pid) = nil error; want one")
	}
}
