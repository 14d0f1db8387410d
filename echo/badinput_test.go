package echo_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/spool-go/spool/echo"
)

// TestBadInput: bad arguments of echo's functions with an error result
// are errors matching ErrInvalid that name the function and the value
// (ListenAndServe and Serve used to return plain errors); a nil context
// panics at once, naming the function (Load used to go on with it,
// Shutdown to crash on a nil dereference once a connection was open).
func TestBadInput(t *testing.T) {
	errs := []struct {
		name string
		call func() error
		want string
	}{
		{"ListenAndServe(\"\")", func() error { return echo.New().ListenAndServe("") },
			`echo: Server.ListenAndServe: addr must not be empty (got "")`},
		{"Serve(nil)", func() error { return echo.New().Serve(nil) }, "echo: Server.Serve: l must not be nil (got nil)"},
		{"RSS(0)", func() error { _, err := echo.RSS(0); return err }, "echo: RSS: pid must be positive (got 0)"},
		{"CPU(-1)", func() error { _, err := echo.CPU(-1); return err }, "echo: CPU: pid must be positive (got -1)"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, echo.ErrInvalid) || err.Error() != tt.want {
				t.Errorf("%s = %v; want %q, matching ErrInvalid", tt.name, err, tt.want)
			}
		})
	}

	var nilCtx context.Context
	s := echo.New()
	panics := []struct {
		name string
		call func()
	}{
		{"Load", func() { _, _ = echo.Load(nilCtx, echo.Config{Addr: "127.0.0.1:1", Conns: 1, Msgs: 1, Size: 1}) }},
		{"Server.Shutdown", func() { _ = s.Shutdown(nilCtx) }},
	}
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			want := "echo: " + tt.name + ": nil context"
			got := func() (r any) {
				defer func() { r = recover() }()
				tt.call()
				return nil
			}()
			if got != want {
				t.Errorf("%s(nil ctx) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

// TestZeroServer: every method of a zero Server or a nil *Server gives
// ErrNilServer (Metrics all zero), as often as it is called. A zero
// Server's Close panicked (close of a nil channel) holding the server's
// lock, and every later Close or Shutdown waited for it forever; Serve
// and ListenAndServe dereferenced nil.
func TestZeroServer(t *testing.T) {
	servers := []struct {
		name string
		s    *echo.Server
	}{
		{"zero", &echo.Server{}},
		{"nil", nil},
	}
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			calls := []struct {
				name string
				call func() error
			}{
				{"Close", sv.s.Close},
				{"Close again", sv.s.Close},
				{"Shutdown", func() error { return sv.s.Shutdown(context.Background()) }},
				{"Serve", func() error { return sv.s.Serve(l) }},
				{"ListenAndServe", func() error { return sv.s.ListenAndServe("127.0.0.1:0") }},
				{"Close after all", sv.s.Close},
			}
			for _, c := range calls {
				if err := c.call(); !errors.Is(err, echo.ErrNilServer) {
					t.Errorf("%s: %v; want ErrNilServer", c.name, err)
				}
			}
			if err := l.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("closing the listener after Serve: %v; want net.ErrClosed (Serve always closes l)", err)
			}
			if m := sv.s.Metrics(); m != (echo.Metrics{}) {
				t.Errorf("Metrics = %+v; want all zero", m)
			}
		})
	}
}
