//go:build unix

package echo_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/spool-go/spool/echo"
)

// needFiles raises the soft limit on open files to n (and the hard limit,
// when allowed), or skips the test.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skipf("needs %d open files: %v", n, err)
	}
	if old.Cur >= n {
		return
	}
	lim := syscall.Rlimit{Cur: n, Max: max(old.Max, n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("needs %d open files; the limit is %d and cannot be raised: %v", n, old.Cur, err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// Ten thousand connections at once, each echoing a few messages, both ends
// in this process.
func TestTenThousandConns(t *testing.T) {
	n := 10_000
	if raceEnabled {
		n = 3_000 // the race detector allows 8128 live goroutines; each connection has two here
	}
	if testing.Short() {
		n = 500
	}
	needFiles(t, uint64(2*n+500))
	s, addr := start(t)
	r, err := echo.Load(context.Background(), echo.Config{Addr: addr, Conns: n, Msgs: 3, Size: 100})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Messages != int64(3*n) || r.Errors != 0 {
		t.Errorf("messages %d, errors %d (%s); want %d, 0", r.Messages, r.Errors, r.FirstError, 3*n)
	}
	waitFor(t, "the connections to end", func() bool { return s.Metrics().Active == 0 })
	if m := s.Metrics(); m.Accepted != int64(n) || m.Errors != 0 {
		t.Errorf("accepted %d, errors %d; want %d, 0", m.Accepted, m.Errors, n)
	}
}
