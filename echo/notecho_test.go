package echo_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestLoadAgainstNotEchoServer: against a server that greets with a
// banner and never echoes (as SSH does), every connection fails with an
// error about the wrong bytes, in idle mode and in message mode, whether
// the banner is longer or shorter than a message. Idle mode counted every
// connection as held, as it never compared the byte that came back;
// message mode waited for the stall timeout and reported "nothing
// echoed", as the banner's readiness had been cleared before the wait
// (and, shorter than a message, was waited on to be completed).
func TestLoadAgainstNotEchoServer(t *testing.T) {
	const banner = "SSH-2.0-OpenSSH_9.6\r\n" // 21 bytes
	addr := fake(t, func(c net.Conn) {
		if _, err := io.WriteString(c, banner); err == nil {
			_, _ = io.Copy(io.Discard, c) // never echoes
		}
	})
	tests := []struct {
		name    string
		cfg     echo.Config
		wantErr string // in FirstError
	}{
		{"idle", echo.Config{Conns: 3, Idle: true, Hold: time.Hour}, `its 1-byte ping '.' came back as 'S'`},
		{"message shorter than the banner", echo.Config{Conns: 3, Msgs: 2, Size: 8}, "message 0: echo differs at byte 0"},
		{"message longer than the banner", echo.Config{Conns: 3, Msgs: 2, Size: 64}, "message 0: echo differs at byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The stall timeout is longer than the test may take: the
			// wrong bytes must fail the connections, not the stall.
			cfg := tt.cfg
			cfg.Addr, cfg.Stall = addr, time.Hour
			ctx, cancel := context.WithTimeout(context.Background(), safety)
			defer cancel()
			r, err := echo.Load(ctx, cfg)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if r.Errors != 3 || r.Held != 0 || r.Messages != 0 || !strings.Contains(r.FirstError, tt.wantErr) {
				t.Errorf("got %d errors, %d held, %d messages, first error %q; want 3, 0, 0, %q",
					r.Errors, r.Held, r.Messages, r.FirstError, tt.wantErr)
			}
		})
	}
}
