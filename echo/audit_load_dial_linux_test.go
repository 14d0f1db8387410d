//go:build linux

package echo_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
	"github.com/spool-go/spool/internal/stucknet"
)

// TestAuditLoadInterruptedWhileDialling: dials that an interrupt cuts are
// not counted as errors, as Load's doc says of the connections it cuts;
// the report is marked interrupted. They used to be counted, so an
// interrupted run reported Conns-1 failed connections ("operation was
// canceled") that never failed.
func TestAuditLoadInterruptedWhileDialling(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run("idle="+strconv.FormatBool(idle), func(t *testing.T) {
			addr, queued := stucknet.Listen(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := echo.Config{Addr: addr, Conns: 5, Msgs: 1, Size: 1, DialTimeout: time.Hour}
			if idle {
				cfg = echo.Config{Addr: addr, Conns: 5, Idle: true, Hold: time.Hour, DialTimeout: time.Hour}
			}
			type result struct {
				r   echo.Report
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := echo.Load(ctx, cfg)
				done <- result{r, err}
			}()
			// The first dial is in the queue, and the other four are
			// dialling: Load dials them only once the first dial has
			// returned (and counted it opened), and none of them can
			// complete. Waiting for the queue alone was not enough: the
			// kernel queues the first connection before its dial returns,
			// and a cancel in between cut it too (opened 0).
			waitFor(t, "the first connection and four dials", func() bool {
				return queued() == 1 && synSent(t, addr) == cfg.Conns-1
			})
			cancel()
			var got result
			select {
			case got = <-done:
			case <-time.After(safety):
				t.Fatal("Load did not return after its ctx ended")
			}
			if !errors.Is(got.err, context.Canceled) {
				t.Errorf("Load = %v; want an error matching context.Canceled", got.err)
			}
			wantOpened := 0
			if idle {
				wantOpened = 1
			}
			if r := got.r; !r.Interrupted || r.Errors != 0 || r.FirstError != "" || r.Opened != wantOpened {
				t.Errorf("report: interrupted %v, errors %d (%q), opened %d; want true, 0, \"\", %d",
					r.Interrupted, r.Errors, r.FirstError, r.Opened, wantOpened)
			}
		})
	}
}

// synSent counts this process's network namespace's TCP sockets that are
// dialling addr (127.0.0.1:port): in state SYN_SENT in /proc/net/tcp.
func synSent(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	// 127.0.0.1 as the kernel prints it: a 32-bit word in the machine's
	// byte order.
	le, be := fmt.Sprintf("0100007F:%04X", p), fmt.Sprintf("7F000001:%04X", p)
	n := 0
	for _, line := range strings.Split(string(b), "\n")[1:] {
		// sl local_address rem_address st ...
		if f := strings.Fields(line); len(f) > 3 && (f[2] == le || f[2] == be) && f[3] == "02" {
			n++
		}
	}
	return n
}
