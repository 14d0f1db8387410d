package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(ctx context.Context, out, errOut io.Writer, args ...string) error {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	return root.ExecuteContext(ctx)
}

func TestEchoServeAndLoad(t *testing.T) {
	ctx, ctrlC := context.WithCancel(context.Background())
	defer ctrlC()
	var out, logs syncBuffer
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, &out, &logs, "echo", "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--max-conns", "100")
	}()
	re := regexp.MustCompile(`serving on (\S+), metrics on (http://\S+/metrics)`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no address; output %q, logs %q", out.String(), logs.String())
		}
		m = re.FindStringSubmatch(out.String())
	}
	addr, metricsURL := m[1], m[2]

	var js bytes.Buffer
	if err := run(ctx, &js, io.Discard, "echo", "load", "--addr", addr, "--conns", "3", "--msgs", "10", "--size", "16", "--json"); err != nil {
		t.Fatalf("load = %v", err)
	}
	var r echo.Report
	if err := json.Unmarshal(js.Bytes(), &r); err != nil {
		t.Fatalf("load --json printed %q: %v", js.String(), err)
	}
	if r.Messages != 30 || r.Errors != 0 {
		t.Errorf("load: messages %d, errors %d; want 30, 0", r.Messages, r.Errors)
	}
	var table bytes.Buffer
	if err := run(ctx, &table, io.Discard, "echo", "load", "--addr", addr, "--conns", "2", "--idle", "--hold", "1ms"); err != nil {
		t.Fatalf("load --idle = %v", err)
	}
	if !strings.Contains(table.String(), "held    2 of 2 connections") {
		t.Errorf("load --idle printed:\n%s", table.String())
	}

	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "echo_accepted_total 5\n") {
		t.Errorf("metrics:\n%s\nwant echo_accepted_total 5", body)
	}

	ctrlC()
	if err := <-served; err != nil {
		t.Errorf("serve after ctrl-c = %v; want nil", err)
	}
	if !strings.Contains(out.String(), "served 5 connections (0 rejected, 0 idle-closed, 0 errors), 484 bytes echoed") {
		t.Errorf("serve's summary: %q", out.String())
	}
}

func TestEchoBadUsage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := l.Addr().String()
	l.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"zero conns", []string{"load", "--conns", "0"}, "--conns 0: must be positive"},
		{"negative msgs", []string{"load", "--msgs", "-1"}, "--msgs -1: must be positive"},
		{"zero size", []string{"load", "--size", "0"}, "--size 0: must be positive"},
		{"unreachable", []string{"load", "--addr", unreachable}, "connection refused (is a server listening at"},
		{"hold without idle", []string{"load", "--hold", "1s"}, "echo load: --hold needs --idle"},
		{"msgs with idle", []string{"load", "--idle", "--msgs", "3"}, "do not apply with --idle"},
		{"zero stall", []string{"load", "--stall", "0s"}, "echo load: --stall 0s: must be positive"},
		{"bad listen address", []string{"serve", "--addr", "127.0.0.1:99999"}, "invalid port"},
		{"negative max conns", []string{"serve", "--max-conns", "-1"}, "echo serve: --max-conns -1: must not be negative"},
		{"zero write timeout", []string{"serve", "--write-timeout", "0s"}, "must be positive"},
		{"negative park", []string{"serve", "--park-idle", "-1s"}, "must not be negative"},
		{"extra argument", []string{"serve", "x"}, "unknown command"},
		{"typo in subcommand", []string{"sever"}, `unknown command "sever" for "spool echo"`},
		{"empty listen address", []string{"serve", "--addr", ""}, "echo serve: --addr \"\": give HOST:PORT"},
		{"huge buffer", []string{"serve", "--buffer", "2000000000"}, "echo serve: --buffer 2000000000: at most 16777216"},
		{"huge conns", []string{"load", "--conns", "2000000000", "--msgs", "1"}, "conns 2000000000: at most 1048576"},
		{"huge size", []string{"load", "--conns", "1", "--size", "2000000000"}, "size 2000000000: at most 67108864"},
		{"conns x size", []string{"load", "--conns", "100000", "--size", "65536"}, "at most 1 GiB"},
		{"no such pid", []string{"load", "--addr", reachable(t), "--pid", "999999999"}, "cpu of pid 999999999 (needs Linux /proc)"},
		{"no such pid, idle", []string{"load", "--addr", reachable(t), "--pid", "999999999", "--idle"}, "memory of pid 999999999 (needs Linux /proc)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantEchoUsage(t, tc.args, tc.want, "") })
	}
}

// wantEchoUsage runs spool echo with args and fails t unless it returns
// (within safety) an exit-2 error that says want and does not say notWant
// (when not empty).
func wantEchoUsage(t *testing.T, args []string, want, notWant string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), io.Discard, io.Discard, append([]string{"echo"}, args...)...)
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(safety):
		t.Fatalf("spool echo %v did not return", args)
	}
	if err == nil {
		t.Fatalf("spool echo %v: got no error; want exit 2 saying %q", args, want)
	}
	if got := exitCode(err); got != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("spool echo %v: got exit %d, %q; want exit 2 saying %q", args, got, err, want)
	}
	if notWant != "" && strings.Contains(err.Error(), notWant) {
		t.Errorf("spool echo %v: got %q; want no %q", args, err, notWant)
	}
}

// A run whose echoes go wrong exits 1: it ran, and reported the failures.
func TestEchoLoadFailuresExit1(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { // accepts, then hangs up at once
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	defer wg.Wait()
	defer l.Close()
	var out bytes.Buffer
	err = run(context.Background(), &out, io.Discard, "echo", "load", "--addr", l.Addr().String(), "--conns", "2", "--msgs", "5")
	if exitCode(err) != 1 || !regexp.MustCompile(`(?m)^errors +2$`).MatchString(out.String()) {
		t.Errorf("load against a server that hangs up = %v (exit %d), printed:\n%s\nwant exit 1 and 2 errors", err, exitCode(err), out.String())
	}
}

// reachable returns the address of a listener that accepts connections
// and holds them until the test ends.
func reachable(t *testing.T) string {
	t.Helper()
	return serveOnce(t, func(net.Conn) {})
}

// serveOnce runs a server whose connections are handled by handle.
func serveOnce(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
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

// An interrupted load prints what it measured, marked interrupted, and
// exits 2 saying so.
func TestEchoLoadInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var once sync.Once
	// The server echoes, and presses ctrl-c once a second message arrives:
	// the client sends it only after checking the first echo.
	addr := serveOnce(t, func(c net.Conn) {
		buf := make([]byte, 64)
		read := 0
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if read += n; read > 8 {
				once.Do(func() { cancel(errors.New("interrupt signal received")) })
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	var out bytes.Buffer
	err := run(ctx, &out, io.Discard, "echo", "load", "--addr", addr, "--conns", "2", "--msgs", "1000000000", "--size", "8")
	if exitCode(err) != 2 || err.Error() != "echo load: interrupted: interrupt signal received (context canceled)" {
		t.Errorf("interrupted load = %v (exit %d); want exit 2, interrupted", err, exitCode(err))
	}
	for _, want := range []string{`(?m)^interrupted +yes`, `(?m)^messages +[1-9]\d* of 2000000000`, `(?m)^errors +0$`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", want, out.String())
		}
	}
}

// In idle mode the JSON report has held even when no connection held.
func TestEchoLoadIdleJSONHeldZero(t *testing.T) {
	addr := serveOnce(t, func(c net.Conn) { // echoes the first ping, then hangs up
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err == nil {
			c.Write(b)
		}
		c.Close()
	})
	var out bytes.Buffer
	err := run(context.Background(), &out, io.Discard, "echo", "load", "--addr", addr, "--conns", "2", "--idle", "--hold", "1ms", "--json")
	if exitCode(err) != 1 {
		t.Errorf("load = %v (exit %d); want exit 1 (every connection failed)", err, exitCode(err))
	}
	var rec map[string]any
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatalf("--json printed %q: %v", out.String(), err)
	}
	if rec["held"] != 0.0 || rec["errors"] != 2.0 || rec["messages"] != nil {
		t.Errorf("got %v; want held 0, errors 2, no messages", rec)
	}
}
