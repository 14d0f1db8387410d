//go:build linux

package echo_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
	"github.com/spool-go/spool/internal/stucknet"
)

// TestLoadIdleProgressWhileDialling: in idle mode Progress counts the
// connections as they open, while the others are still being dialled.
// Against a listener that never accepts, the first dial completes into its
// queue and the others wait (for an hour here), so the reports say 1 of
// Conns until the test interrupts the run. Load used to report nothing
// before the end of the hold.
func TestLoadIdleProgressWhileDialling(t *testing.T) {
	for _, conns := range []int{2, 5} {
		t.Run("conns="+strconv.Itoa(conns), func(t *testing.T) {
			addr, _ := stucknet.Listen(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reports := make(chan [2]int64, 1)
			ended := make(chan error, 1)
			go func() {
				_, err := echo.Load(ctx, echo.Config{
					Addr: addr, Conns: conns, Idle: true, Hold: time.Hour, DialTimeout: time.Hour,
					Progress: func(done, total int64) {
						select {
						case reports <- [2]int64{done, total}:
						default: // the test has the first; Load must not wait
						}
					},
				})
				ended <- err
			}()
			select {
			case got := <-reports:
				if want := [2]int64{1, int64(conns)}; got != want {
					t.Errorf("Progress(%d, %d) while dialling; want Progress(%d, %d)", got[0], got[1], want[0], want[1])
				}
			case <-time.After(safety):
				t.Errorf("no Progress call in %v while %d of %d connections were still being dialled; want the connections opened so far", safety, conns-1, conns)
			}
			cancel()
			select {
			case err := <-ended:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Load = %v; want an error matching context.Canceled", err)
				}
			case <-time.After(safety):
				t.Fatal("Load did not return after its ctx ended")
			}
		})
	}
}
