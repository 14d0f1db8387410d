package echo_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAuditLoadElapsedEndsAtLastEcho: Report.Elapsed runs "from the first
// send to the last echo", and msgs/s and MB/s divide by it. It used to run
// to the end of the last connection instead: a connection that stalled
// added the whole Stall (10 s by default) to it, after the last echo, and
// the throughput came out that much too low.
//
// The bound is not a timing assumption: Progress reports the echoes only
// after they came, so the last echo comes before the first report that
// counts them all, and the first send after Load is called.
func TestAuditLoadElapsedEndsAtLastEcho(t *testing.T) {
	const msgs = 3
	var (
		mu       sync.Mutex
		accepted int
	)
	addr := fake(t, func(c net.Conn) {
		mu.Lock()
		first := accepted == 0
		accepted++
		mu.Unlock()
		if first {
			_, _ = io.Copy(c, c) // echoes
			return
		}
		silent(c) // stalls the run
	})
	var allIn time.Time // when Progress first counted every echo
	begin := time.Now()
	r, err := echo.Load(context.Background(), echo.Config{
		Addr: addr, Conns: 2, Msgs: msgs, Size: 8, Stall: 500 * time.Millisecond,
		Progress: func(done, _ int64) {
			if done == msgs && allIn.IsZero() {
				allIn = time.Now()
			}
		},
	})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if r.Messages != msgs || r.Errors != 1 {
		t.Fatalf("messages %d, errors %d (%s); want %d, 1 (the stalled connection)", r.Messages, r.Errors, r.FirstError, msgs)
	}
	if limit := allIn.Sub(begin); r.Elapsed <= 0 || r.Elapsed > limit {
		t.Errorf("elapsed %v; want positive and at most %v (from Load's call to the report of the last echo)", r.Elapsed, limit)
	}
	if want := float64(r.Messages) / r.Elapsed.Seconds(); r.MsgsPerSec != want {
		t.Errorf("msgs/s %v; want %v (messages / elapsed)", r.MsgsPerSec, want)
	}
}
