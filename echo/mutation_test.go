package echo_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/spool-go/spool/echo"
)

// TestMutPrometheusFields: each field of Metrics appears under its own
// name, echo_<field>, with its own value.
func TestMutPrometheusFields(t *testing.T) {
	m := echo.Metrics{Active: 1, Parked: 2, Accepted: 3, Rejected: 4, IdleClosed: 5, BytesIn: 6, BytesOut: 7, Errors: 8}
	var b strings.Builder
	if err := m.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want int64
	}{
		{"echo_active", m.Active},
		{"echo_parked", m.Parked},
		{"echo_accepted_total", m.Accepted},
		{"echo_rejected_total", m.Rejected},
		{"echo_idle_closed_total", m.IdleClosed},
		{"echo_bytes_in_total", m.BytesIn},
		{"echo_bytes_out_total", m.BytesOut},
		{"echo_errors_total", m.Errors},
	}
	for _, tt := range tests {
		want := fmt.Sprintf("%s %d", tt.name, tt.want)
		found := false
		for line := range strings.Lines(b.String()) {
			if strings.TrimSpace(line) == want {
				found = true
			}
		}
		if !found {
			t.Errorf("got\n%s\nwant a line %q", b.String(), want)
		}
	}
}

// TestMutPlainConnBytes: the plain read loop (a connection without
// syscall.Conn) counts the bytes it reads and those it echoes.
func TestMutPlainConnBytes(t *testing.T) { eachMode(t, testMutPlainConnBytes) }

func testMutPlainConnBytes(t *testing.T, mode []echo.Option) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := echo.New(mode...)
	wait := serve(t, s, plainListener{l})
	c := dial(t, l.Addr().String())
	const n = 100_000
	if err := roundTrip(c, pattern(n)); err != nil {
		t.Errorf("echo: %v", err)
	}
	c.Close()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	wait()
	m := s.Metrics()
	if m.BytesIn != n || m.BytesOut != n {
		t.Errorf("got BytesIn %d, BytesOut %d; want %d each", m.BytesIn, m.BytesOut, n)
	}
}

// TestMutLoadLimits: the bounds of a load config are inclusive
// (MaxLoadConns connections, MaxLoadSize bytes a message, MaxLoadMemory
// bytes of messages): a
// config at a bound passes the check, and Load, with ctx already done,
// returns the interrupted error, matching ctx's error and its cause; one
// past the bound is a *ConfigError.
func TestMutLoadLimits(t *testing.T) {
	cause := errors.New("test over")
	tests := []struct {
		name    string
		cfg     echo.Config
		wantBad bool
	}{
		{"conns at the limit", echo.Config{Conns: echo.MaxLoadConns, Msgs: 1, Size: 1}, false},
		{"conns past it", echo.Config{Conns: echo.MaxLoadConns + 1, Msgs: 1, Size: 1}, true},
		{"memory at the limit", echo.Config{Conns: 1024, Msgs: 1, Size: echo.MaxLoadMemory / 1024}, false},
		{"memory past it", echo.Config{Conns: 1025, Msgs: 1, Size: echo.MaxLoadMemory / 1024}, true},
		{"size at the limit", echo.Config{Conns: 1, Msgs: 1, Size: echo.MaxLoadSize}, false},
		{"size past it", echo.Config{Conns: 1, Msgs: 1, Size: echo.MaxLoadSize + 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(cause)
			cfg := tt.cfg
			cfg.Addr = "127.0.0.1:1"
			_, err := echo.Load(ctx, cfg)
			var ce *echo.ConfigError
			if gotBad := errors.As(err, &ce); gotBad != tt.wantBad {
				t.Fatalf("Load = %v; want a *ConfigError: %v", err, tt.wantBad)
			}
			if tt.wantBad {
				return
			}
			if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
				t.Errorf("Load = %v; want it to match context.Canceled and the cause %v", err, cause)
			}
		})
	}
}

// closeErrListener is a listener whose Close closes it and returns err.
type closeErrListener struct {
	net.Listener
	err error
}

func (l closeErrListener) Close() error {
	l.Listener.Close()
	return l.err
}

// TestMutStopReturnsListenerCloseError: Shutdown and Close return the
// error from closing a listener.
func TestMutStopReturnsListenerCloseError(t *testing.T) {
	errClose := errors.New("close failed")
	tests := []struct {
		name string
		stop func(*echo.Server) error
	}{
		{"Shutdown", func(s *echo.Server) error { return s.Shutdown(context.Background()) }},
		{"Close", (*echo.Server).Close},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := echo.New()
			wait := serve(t, s, closeErrListener{l, errClose})
			c := dial(t, l.Addr().String())
			if err := roundTrip(c, []byte("hello")); err != nil { // Serve is running
				t.Fatalf("echo: %v", err)
			}
			if err := tt.stop(s); !errors.Is(err, errClose) {
				t.Errorf("%s = %v; want %v", tt.name, err, errClose)
			}
			if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
				t.Errorf("Serve = %v; want ErrServerClosed", err)
			}
		})
	}
}

// timeoutErr is an accept error that says it is a timeout.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "accept timed out" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// failOnceListener fails its first Accept with err, then accepts.
type failOnceListener struct {
	net.Listener
	err    error
	failed *atomic.Bool
}

func (l failOnceListener) Accept() (net.Conn, error) {
	if !l.failed.Swap(true) {
		return nil, l.err
	}
	return l.Listener.Accept()
}

// TestMutServeRetriesTemporaryAcceptErrors: Serve retries an accept error
// that is temporary (a timeout, too many open files, an aborted
// connection) and goes on serving; any other ends Serve with it.
func TestMutServeRetriesTemporaryAcceptErrors(t *testing.T) {
	other := errors.New("listener broken")
	tests := []struct {
		name    string
		err     error
		retried bool
	}{
		{"timeout", &net.OpError{Op: "accept", Net: "tcp", Err: timeoutErr{}}, true},
		{"EMFILE", &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}, true},
		{"ECONNABORTED", &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.ECONNABORTED)}, true},
		{"other", other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := echo.New()
			wait := serve(t, s, failOnceListener{l, tt.err, new(atomic.Bool)})
			if !tt.retried {
				if err := wait(); !errors.Is(err, other) {
					t.Errorf("Serve = %v; want it to end with %v", err, other)
				}
				s.Close()
				return
			}
			c := dial(t, l.Addr().String())
			if err := roundTrip(c, []byte("hello")); err != nil {
				t.Errorf("echo after a %s accept error: %v; want it served", tt.name, err)
			}
			if err := s.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown = %v", err)
			}
			if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
				t.Errorf("Serve = %v; want ErrServerClosed", err)
			}
		})
	}
}
