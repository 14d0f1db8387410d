package echo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAuditLoadIdleInterruptedWhilePinging: an idle run interrupted while
// it waits for the server to answer its pings returns at once, marked
// interrupted, without counting the pings it cut as errors. The pings
// used to ignore ctx and wait for the server until Stall (an hour here).
func TestAuditLoadIdleInterruptedWhilePinging(t *testing.T) {
	const conns = 3
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	pinged := 0
	addr := fake(t, func(c net.Conn) {
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		mu.Lock()
		if pinged++; pinged == conns { // every ping waits for its answer
			cancel()
		}
		mu.Unlock()
		silent(c) // never answers
	})
	type result struct {
		r   echo.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := echo.Load(ctx, echo.Config{Addr: addr, Conns: conns, Idle: true, Hold: time.Hour, Stall: time.Hour})
		done <- result{r, err}
	}()
	var got result
	select {
	case got = <-done:
	case <-time.After(safety):
		t.Fatalf("Load did not return after its ctx ended (it will when the fake server closes)")
	}
	if !errors.Is(got.err, context.Canceled) {
		t.Errorf("Load = %v; want an error matching context.Canceled", got.err)
	}
	if r := got.r; !r.Interrupted || r.Held != 0 || r.Errors != 0 {
		t.Errorf("report: interrupted %v, held %d, errors %d (%s); want true, 0, 0", r.Interrupted, r.Held, r.Errors, r.FirstError)
	}
}
