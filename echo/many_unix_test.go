//go:build unix

package echo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// helperServer serves 127.0.0.1:0 in the mode named, prints its address,
// serves until standard input closes, then prints its metrics as JSON.
func helperServer(mode string) int {
	var opts []echo.Option
	for _, m := range modes {
		if m.name == mode {
			opts = m.opts
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := echo.New(opts...)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	fmt.Println(l.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := <-served; !errors.Is(err, echo.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(s.Metrics())
	return 0
}

// needFiles raises the soft limit on open files to n, or skips the test.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skipf("needs %d open files: %v", n, err)
	}
	if uint64(old.Cur) >= n {
		return
	}
	lim := old
	setRlim(&lim.Cur, n)
	setRlim(&lim.Max, max(uint64(old.Max), n))
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("needs %d open files; the limit is %d and cannot be raised: %v", n, old.Cur, err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// setRlim sets a limit of a syscall.Rlimit, whose fields are uint64 on
// Linux and macOS and int64 on FreeBSD.
func setRlim[T int64 | uint64](f *T, v uint64) { *f = T(v) }

// Ten thousand connections at once. The server runs in a process of its
// own (this test binary, re-run as helperServer), so that each side needs
// ten thousand descriptors, not twenty.
func TestTenThousandConns(t *testing.T) { eachMode(t, testTenThousandConns) }

func testTenThousandConns(t *testing.T, mode []echo.Option) {
	name := modes[0].name
	if len(mode) > 0 {
		name = modes[1].name
	}
	n := 10_000
	if testing.Short() {
		n = 500
	}
	// The race detector allows 8128 live goroutines in a process. Under it
	// the server without parking (a goroutine per connection) gets 3,000,
	// and the client holds its connections open in idle mode (no goroutine
	// per connection) instead of sending messages on each at once.
	if raceEnabled && name == "goroutines" {
		n = min(n, 3_000)
	}
	needFiles(t, uint64(n+200))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); _ = cmd.Wait() }()
	br := bufio.NewReader(out)
	addr, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("server process: %v", err)
	}

	cfg := echo.Config{Addr: strings.TrimSpace(addr), Conns: n, Msgs: 3, Size: 100}
	if raceEnabled {
		cfg = echo.Config{Addr: cfg.Addr, Conns: n, Idle: true, Hold: time.Millisecond}
	}
	r, err := echo.Load(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Errors != 0 || r.Messages != int64(cfg.Conns*cfg.Msgs) || cfg.Idle && r.Held != n {
		t.Errorf("messages %d, held %d, errors %d (%s); want %d, %d, 0", r.Messages, r.Held, r.Errors, r.FirstError, cfg.Conns*cfg.Msgs, n)
	}
	in.Close()
	var m echo.Metrics
	if err := json.NewDecoder(br).Decode(&m); err != nil {
		t.Fatalf("server process metrics: %v", err)
	}
	if m.Accepted != int64(n) || m.Errors != 0 || m.Active != 0 {
		t.Errorf("server accepted %d, errors %d, active %d; want %d, 0, 0", m.Accepted, m.Errors, m.Active, n)
	}
}
