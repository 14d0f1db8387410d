package echo_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/spool-go/spool/echo"
)

// records is a slog.Handler that keeps every record's message.
type records struct {
	mu   sync.Mutex
	msgs []string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }

func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Level.String()+" "+r.Message)
	return nil
}

func (h *records) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.HasSuffix(m, msg) {
			n++
		}
	}
	return n
}

// TestAuditLoggerLogsEveryConnectionEnd: Logger's doc (and spool echo
// serve --verbose, "log every connection's end") promise each
// connection's end at Debug, with its error if any. Only the ends with an
// error were logged: a client that hung up cleanly left no line.
func TestAuditLoggerLogsEveryConnectionEnd(t *testing.T) {
	eachMode(t, func(t *testing.T, mode []echo.Option) {
		h := &records{}
		s, addr := start(t, with(mode, echo.Logger(slog.New(h)))...)
		const n = 3
		for range n {
			c := dial(t, addr)
			if err := roundTrip(c, []byte("bye")); err != nil {
				t.Fatal(err)
			}
			c.Close() // a clean end: EOF, no error
		}
		waitFor(t, "the connections to end", func() bool { return s.Metrics().Active == 0 })
		if got := h.count("DEBUG echo: connection ended"); got != n {
			t.Errorf("%d connection ends logged at DEBUG; want %d", got, n)
		}
		if m := s.Metrics(); m.Errors != 0 {
			t.Errorf("errors = %d; want 0", m.Errors)
		}
	})
}

// TestAuditLoggerLogsClose: Logger's doc promises the server's stop at
// Info; Shutdown logged it ("echo: shut down"), Close logged nothing.
func TestAuditLoggerLogsClose(t *testing.T) {
	cases := []struct {
		name string
		stop func(*echo.Server) error
		want string
	}{
		{"Shutdown", func(s *echo.Server) error { return s.Shutdown(context.Background()) }, "INFO echo: shut down"},
		{"Close", (*echo.Server).Close, "INFO echo: closed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &records{}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := echo.New(echo.Logger(slog.New(h)))
			wait := serve(t, s, l)
			if err := roundTrip(dial(t, l.Addr().String()), []byte("hi")); err != nil {
				t.Fatal(err)
			}
			if err := tc.stop(s); err != nil {
				t.Errorf("%s = %v; want nil", tc.name, err)
			}
			if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
				t.Errorf("Serve = %v; want ErrServerClosed", err)
			}
			if got := h.count(tc.want); got != 1 {
				t.Errorf("%q logged %d times; want once", tc.want, got)
			}
		})
	}
}
