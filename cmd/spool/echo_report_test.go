package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestPrintLoad: echo load's table. A memory figure the server's growth
// cannot stand for is left out, with a note (it was printed as it came:
// 95, 281, even -146 B per connection); the server's CPU under one clock
// tick is printed as below it (the line vanished); a hold that ended early
// says how long it lasted and why (it said "held 0 of 50 connections for
// 20s" of a server that died after 2 s).
func TestPrintLoad(t *testing.T) {
	const note = "the server's resident memory did not grow measurably (+0.1 MB for 5000 connections; ...)"
	msgs := echo.Config{Conns: 2, Msgs: 10, Size: 64}
	cases := []struct {
		name    string
		cfg     echo.Config
		give    echo.Report
		want    []string // regexps, each matching a line
		notWant []string // substrings
	}{
		{"memory that did not grow measurably",
			echo.Config{Conns: 5000, Idle: true, Hold: 2 * time.Second},
			echo.Report{Idle: true, Conns: 5000, Opened: 5000, Held: 5000, Hold: 2 * time.Second, RSSBefore: 29_500_000, RSSAfter: 29_600_000, MemoryNote: note},
			[]string{`(?m)^server memory +29\.5 MB before, 29\.6 MB after: no figure per connection$`, `(?m)^note +` + regexp.QuoteMeta(note) + `$`},
			[]string{"B per connection"}},
		{"memory per connection",
			echo.Config{Conns: 5000, Idle: true, Hold: 2 * time.Second},
			echo.Report{Idle: true, Conns: 5000, Opened: 5000, Held: 5000, Hold: 2 * time.Second, RSSBefore: 12_100_000, RSSAfter: 19_340_000, BytesPerConn: 1448},
			[]string{`(?m)^server memory +12\.1 MB before, 19\.3 MB after: 1448 B per connection$`},
			[]string{"note"}},
		{"memory, no connection held",
			echo.Config{Conns: 5, Idle: true, Hold: time.Second},
			echo.Report{Idle: true, Conns: 5, Opened: 5, Hold: time.Second, Errors: 5, RSSBefore: 12_100_000, RSSAfter: 12_200_000},
			[]string{`(?m)^server memory +12\.1 MB before, 12\.2 MB after$`},
			[]string{"per connection"}},
		{"server CPU under a tick", msgs,
			echo.Report{Conns: 2, Msgs: 10, Size: 64, Messages: 20, CPUResolution: 10 * time.Millisecond},
			[]string{`(?m)^server CPU +<10ms \(less than one tick of the clock that counts it\), <500µs per message$`}, nil},
		{"server CPU under a tick, nothing echoed", msgs,
			echo.Report{Conns: 2, Msgs: 10, Size: 64, Errors: 2, CPUResolution: 10 * time.Millisecond},
			[]string{`(?m)^server CPU +<10ms \(less than one tick of the clock that counts it\)$`}, nil},
		{"server CPU", msgs,
			echo.Report{Conns: 2, Msgs: 10, Size: 64, Messages: 20, ServerCPU: 30 * time.Millisecond, CPUPerMsg: 1500 * time.Microsecond, CPUResolution: 10 * time.Millisecond},
			[]string{`(?m)^server CPU +30ms, 1\.5ms per message$`}, nil},
		{"server CPU not measured", msgs,
			echo.Report{Conns: 2, Msgs: 10, Size: 64, Messages: 20},
			nil, []string{"server CPU"}},
		{"hold ended early",
			echo.Config{Conns: 50, Idle: true, Hold: 20 * time.Second},
			echo.Report{Idle: true, Conns: 50, Opened: 50, Errors: 50, Hold: 2003 * time.Millisecond, HoldEndedEarly: true},
			[]string{`(?m)^held +0 of 50 connections; the hold ended early, after 2s of 20s: the server had closed every connection \(it crashed or shut down\)$`},
			[]string{"for 20s"}},
		{"hold ended early, under a second",
			echo.Config{Conns: 1, Idle: true, Hold: time.Hour},
			echo.Report{Idle: true, Conns: 1, Opened: 1, Errors: 1, Hold: 123456 * time.Microsecond, HoldEndedEarly: true},
			[]string{`(?m)^held +0 of 1 connections; the hold ended early, after 123ms of 1h0m0s: `}, nil},
		{"hold ran its course",
			echo.Config{Conns: 3, Idle: true, Hold: 1500 * time.Millisecond},
			echo.Report{Idle: true, Conns: 3, Opened: 3, Held: 3, Hold: 1500 * time.Millisecond},
			[]string{`(?m)^held +3 of 3 connections for 1\.5s$`}, []string{"early"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printLoad(&out, tc.cfg, tc.give); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(out.String()) {
					t.Errorf("got:\n%s\nwant a line matching %s", out.String(), w)
				}
			}
			for _, u := range tc.notWant {
				if strings.Contains(out.String(), u) {
					t.Errorf("got:\n%s\nwant no %q", out.String(), u)
				}
			}
		})
	}
}

// TestEchoLoadDialErrors: echo load hints at a missing server only when
// the connection was refused or timed out; a host that cannot be resolved
// is said to be so. It used to suggest "spool echo serve --addr
// no.such.host.invalid:80" for any error of the first dial. The errors are
// made as echo.Load makes them.
func TestEchoLoadDialErrors(t *testing.T) {
	dial := func(addr string, err error) error {
		var a net.Addr // none when the dial failed before it had one
		if addr != "" {
			a = net.TCPAddrFromAddrPort(netip.MustParseAddrPort(addr))
		}
		return fmt.Errorf("echo: load: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: a, Err: err})
	}
	const hint = "is a server listening"
	cases := []struct {
		name    string
		addr    string
		err     error
		want    string
		notWant string
	}{
		{"refused", "127.0.0.1:7000", dial("127.0.0.1:7000", os.NewSyscallError("connect", syscall.ECONNREFUSED)),
			"echo load: dial tcp 127.0.0.1:7000: connect: connection refused (is a server listening at 127.0.0.1:7000? start one with: spool echo serve --addr 127.0.0.1:7000)", ""},
		{"refused, an address with %", "[fe80::1%eth0]:7000", dial("[fe80::1%eth0]:7000", os.NewSyscallError("connect", syscall.ECONNREFUSED)),
			"echo load: dial tcp [fe80::1%eth0]:7000: connect: connection refused (is a server listening at [fe80::1%eth0]:7000? start one with: spool echo serve --addr [fe80::1%eth0]:7000)", ""},
		{"timed out", "10.0.0.1:7000", dial("10.0.0.1:7000", os.ErrDeadlineExceeded),
			"echo load: dial tcp 10.0.0.1:7000: i/o timeout (no answer within --dial-timeout 5s: is a server listening at 10.0.0.1:7000? a slow one may need a longer --dial-timeout)", ""},
		{"no such host", "no.such.host.invalid:80", dial("", &net.DNSError{Err: "no such host", Name: "no.such.host.invalid", IsNotFound: true}),
			`echo load: --addr no.such.host.invalid:80: cannot resolve host "no.such.host.invalid" (dial tcp: lookup no.such.host.invalid: no such host)`, hint},
		{"DNS timed out", "example.test:80", dial("", &net.DNSError{Err: "i/o timeout", Name: "example.test", IsTimeout: true}),
			`echo load: --addr example.test:80: cannot resolve host "example.test" (dial tcp: lookup example.test: i/o timeout)`, hint},
		{"not an IP address", "256.1.1.1:80", dial("", &net.DNSError{Err: "no such host", Name: "256.1.1.1", IsNotFound: true}),
			`echo load: --addr 256.1.1.1:80: "256.1.1.1" is not an IP address, nor a host name that resolves (dial tcp: lookup 256.1.1.1: no such host)`, hint},
		{"unreachable", "10.0.0.1:7000", dial("10.0.0.1:7000", os.NewSyscallError("connect", syscall.ENETUNREACH)),
			"echo load: dial tcp 10.0.0.1:7000: connect: network is unreachable", hint},
		{"no port", "nonsense", dial("", &net.AddrError{Err: "missing port in address", Addr: "nonsense"}),
			"echo load: --addr nonsense: dial tcp: address nonsense: missing port in address (give HOST:PORT, e.g. 127.0.0.1:7000)", hint},
		{"no such pid", "127.0.0.1:7000", errors.New("echo: memory of pid 9 (needs Linux /proc): open /proc/9/status: no such file or directory"),
			"echo load: memory of pid 9 (needs Linux /proc): open /proc/9/status: no such file or directory", hint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := dialErr(echo.Config{Addr: tc.addr, DialTimeout: 5 * time.Second}, tc.err)
			if got.Error() != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if tc.notWant != "" && strings.Contains(got.Error(), tc.notWant) {
				t.Errorf("got %q; want no %q", got, tc.notWant)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("%q does not wrap %q", got, tc.err)
			}
		})
	}
}

// TestEchoErrorPrefix: echo's errors are told under the command's name,
// "echo load: " or "echo serve: ", as spool's other commands tell theirs
// ("fetch: ", "cp: ", "lab run: "), never under the package's ("echo:
// load: ", "echo: "), which echo load's dial, /proc and interrupt errors
// used to be: "spool: echo: load: dial tcp ...".
func TestEchoErrorPrefix(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()
	cases := []struct {
		name string
		args []string
		want string // the error's start
	}{
		{"refused", []string{"load", "--addr", refused}, "echo load: dial tcp " + refused + ": connect: connection refused (is a server listening at "},
		// Resolved without a DNS server: all-numeric names are never looked up.
		{"not an IP address", []string{"load", "--addr", "256.1.1.1:80"}, `echo load: --addr 256.1.1.1:80: "256.1.1.1" is not an IP address`},
		{"no port", []string{"load", "--addr", "nonsense"}, "echo load: --addr nonsense: dial tcp: address nonsense: missing port"},
		{"no such pid", []string{"load", "--addr", reachable(t), "--pid", "999999999"}, "echo load: cpu of pid 999999999 (needs Linux /proc)"},
		{"no such pid, idle", []string{"load", "--addr", reachable(t), "--pid", "999999999", "--idle"}, "echo load: memory of pid 999999999 (needs Linux /proc)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), io.Discard, io.Discard, append([]string{"echo"}, tc.args...)...)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "echo: ") || exitCode(err) != 2 {
				t.Errorf("spool echo %v = %v; want exit 2, an error starting %q, with no \"echo: \"", tc.args, err, tc.want)
			}
		})
	}
}

// TestEchoServeShutdownNotice: on ctrl-c, echo serve says on standard
// error what its shutdown waits for, which may take up to --grace (10 s):
// it used to print nothing, and looked hung. With no connection open,
// nothing is waited for, and it says nothing.
func TestEchoServeShutdownNotice(t *testing.T) {
	cases := []struct {
		conns int
		want  string // "": no notice
	}{
		{0, ""},
		{1, "spool echo: shutting down: waiting up to 10s for 1 open connection (interrupt again to stop now)\n"},
		{2, "spool echo: shutting down: waiting up to 10s for 2 open connections (interrupt again to stop now)\n"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.conns, " connections"), func(t *testing.T) {
			ctx, ctrlC := context.WithCancel(context.Background())
			defer ctrlC()
			var out, errOut syncBuffer
			served := make(chan error, 1)
			go func() {
				served <- run(ctx, &out, &errOut, "echo", "serve", "--addr", "127.0.0.1:0")
			}()
			re := regexp.MustCompile(`serving on (\S+);`)
			var m []string
			for deadline := time.Now().Add(safety); m == nil; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("serve printed no address; output %q, logs %q", out.String(), errOut.String())
				}
				m = re.FindStringSubmatch(out.String())
			}
			for range tc.conns {
				c, err := net.DialTimeout("tcp", m[1], safety)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				// An echo, so that the server surely counts the connection open.
				_ = c.SetDeadline(time.Now().Add(safety))
				b := []byte{'x'}
				if _, err := c.Write(b); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, b); err != nil {
					t.Fatal(err)
				}
			}
			ctrlC()
			select {
			case err := <-served:
				if err != nil {
					t.Fatalf("serve = %v; want nil", err)
				}
			case <-time.After(safety):
				t.Fatal("serve did not return")
			}
			got := regexp.MustCompile(`(?m)^spool echo: shutting down.*\n`).FindString(errOut.String())
			if got != tc.want {
				t.Errorf("notice %q; want %q (standard error: %q)", got, tc.want, errOut.String())
			}
			if strings.Contains(out.String(), "shutting down") {
				t.Errorf("standard output %q; want the notice on standard error only", out.String())
			}
		})
	}
}
