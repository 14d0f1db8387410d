package echo_test

import (
	"strings"
	"testing"

	"github.com/spool-go/spool/echo"
)

// TestAuditNewNilOption: New panics with a message of its own on a nil
// option, as it does on bad option values. It used to call the nil
// function: a bare nil pointer dereference that named nothing.
func TestAuditNewNilOption(t *testing.T) {
	cases := []struct {
		name string
		opts []echo.Option
		want string
	}{
		{"only", []echo.Option{nil}, "echo: New: option must not be nil (got nil at index 0)"},
		{"second", []echo.Option{echo.MaxConns(1), nil}, "echo: New: option must not be nil (got nil at index 1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.Contains(s, tc.want) {
					t.Errorf("New panicked with %v; want %q", r, tc.want)
				}
			}()
			echo.New(tc.opts...)
		})
	}
}
