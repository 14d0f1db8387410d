package main

import (
	"bytes"
	"context"
	"encoding/json"
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
		{"zero conns", []string{"load", "--conns", "0"}, "conns must be positive"},
		{"negative msgs", []string{"load", "--msgs", "-1"}, "msgs must be positive"},
		{"zero size", []string{"load", "--size", "0"}, "size must be positive"},
		{"unreachable", []string{"load", "--addr", unreachable}, "connection refused"},
		{"hold without idle", []string{"load", "--hold", "1s"}, "needs --idle"},
		{"msgs with idle", []string{"load", "--idle", "--msgs", "3"}, "do not apply with --idle"},
		{"zero stall", []string{"load", "--stall", "0s"}, "--stall must be positive"},
		{"bad listen address", []string{"serve", "--addr", "127.0.0.1:99999"}, "invalid port"},
		{"negative max conns", []string{"serve", "--max-conns", "-1"}, "must not be negative"},
		{"zero write timeout", []string{"serve", "--write-timeout", "0s"}, "must be positive"},
		{"negative park", []string{"serve", "--park-idle", "-1s"}, "must not be negative"},
		{"extra argument", []string{"serve", "x"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), io.Discard, io.Discard, append([]string{"echo"}, tc.args...)...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("spool echo %v = %v (exit %d); want exit 2 saying %q", tc.args, err, exitCode(err), tc.want)
			}
		})
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
