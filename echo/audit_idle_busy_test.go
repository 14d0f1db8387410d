package echo_test

import (
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAuditIdleTimeoutSparesBusyConnection: a connection that echoes
// without pause is not closed by the idle timeout, whatever the size of
// its messages. The raw loop used to record the echo's time only when a
// read did not fill the buffer: a connection whose messages were a whole
// number of buffers looked silent since it was accepted, and the sweeper
// closed it as idle while it echoed.
//
// The server's own sweeps are the clock: two idle witnesses, the second
// opened once the first is closed, make sure the busy connection has
// been swept many times after the timeout had passed for it.
func TestAuditIdleTimeoutSparesBusyConnection(t *testing.T) {
	const buf = 64
	for _, size := range []int{buf, 3 * buf} {
		t.Run("size="+strconv.Itoa(size), func(t *testing.T) {
			eachMode(t, func(t *testing.T, mode []echo.Option) {
				s, addr := start(t, with(mode, echo.BufferSize(buf), echo.IdleTimeout(300*time.Millisecond))...)
				busy := dial(t, addr)
				var stop atomic.Bool
				errc := make(chan error, 1)
				go func() {
					msg := pattern(size)
					for !stop.Load() {
						if err := roundTrip(busy, msg); err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
				}()
				for i := range 2 { // each witness is closed by the timeout
					w := dial(t, addr)
					_ = w.SetReadDeadline(time.Now().Add(safety))
					if _, err := io.ReadAll(w); err != nil {
						t.Fatalf("witness %d: %v; want EOF", i, err)
					}
				}
				stop.Store(true)
				if err := <-errc; err != nil {
					t.Fatalf("busy connection: %v; want it served throughout", err)
				}
				waitFor(t, "the witnesses to end", func() bool { return s.Metrics().Active == 1 })
				if got := s.Metrics().IdleClosed; got != 2 {
					t.Errorf("idle closed = %d; want 2 (the witnesses)", got)
				}
			})
		})
	}
}
