//go:build unix

package echo_test

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestLoadIdleServerGone: a hold ends soon after the server has closed
// every connection (it crashed, or shut down), instead of running its
// course: here an hour, which the watchdog would catch. The connections
// count as failed.
func TestLoadIdleServerGone(t *testing.T) {
	for _, conns := range []int{1, 20} {
		// The server's idle timeout closes every connection during the hold.
		_, addr := start(t, echo.IdleTimeout(10*time.Millisecond))
		done := make(chan struct{})
		var (
			r   echo.Report
			err error
		)
		go func() {
			defer close(done)
			r, err = echo.Load(context.Background(), echo.Config{Addr: addr, Conns: conns, Idle: true, Hold: time.Hour})
		}()
		select {
		case <-done:
		case <-time.After(safety):
			t.Fatalf("%d conns: Load still holding %v after the server closed every connection", conns, safety)
		}
		if err != nil || r.Held != 0 || r.Errors != int64(conns) {
			t.Errorf("%d conns: held %d, errors %d, err %v; want 0 held, %d errors, nil", conns, r.Held, r.Errors, err, conns)
		}
	}
}
