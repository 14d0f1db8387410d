package echo_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/echo"
)

// pingCounter echoes every byte its connections send, counting each
// before echoing it: once the client has an echo, the count has it.
type pingCounter struct {
	mu sync.Mutex
	n  int
}

func (p *pingCounter) handle(c net.Conn) {
	b := make([]byte, 1)
	for {
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		p.mu.Lock()
		p.n++
		p.mu.Unlock()
		if _, err := c.Write(b); err != nil {
			return
		}
	}
}

func (p *pingCounter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// TestLoadIdleProgressDuringHold: in idle mode Progress reports the
// connections once they are open, before the hold, and HoldProgress
// reports the hold as it goes, from 0 to Hold. "Before" and "during" are
// told by the server's count of pings (one byte each) when each report is
// made: none before the hold, one per connection during it, and the
// second round (the check) only after it. Load used to report once, with
// the connections opened, after the check: a bar stood still during the
// hold. The hold runs on synctest's clock.
func TestLoadIdleProgressDuringHold(t *testing.T) {
	cases := []struct {
		name  string
		conns int
		hold  time.Duration
	}{
		{"one connection", 1, 10 * time.Second},
		{"more connections than dials at once", 300, time.Hour}, // dialLimit is 128
		{"hold shorter than a report's period", 3, 50 * time.Millisecond},
		{"hold ends between looks at the server", 2, 2500 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var pings pingCounter
			addr := fake(t, pings.handle)
			synctest.Test(t, func(t *testing.T) {
				type opened struct {
					done, total int64
					pings       int
				}
				type holding struct {
					held, hold time.Duration
					pings      int
				}
				var (
					opens []opened
					holds []holding
				)
				r, err := echo.Load(context.Background(), echo.Config{
					Addr: addr, Conns: tc.conns, Idle: true, Hold: tc.hold,
					Progress: func(done, total int64) {
						opens = append(opens, opened{done, total, pings.count()})
					},
					HoldProgress: func(held, hold time.Duration) {
						holds = append(holds, holding{held, hold, pings.count()})
					},
				})
				if err != nil || r.Held != tc.conns || r.Errors != 0 {
					t.Fatalf("Load: held %d, errors %d (%s), err %v; want %d, 0, nil", r.Held, r.Errors, r.FirstError, err, tc.conns)
				}

				// The connections: reported once they are all open, before any ping.
				if len(opens) == 0 {
					t.Fatal("got no Progress call; want the connections opened, before the hold")
				}
				n := int64(tc.conns)
				for i, o := range opens {
					if o.total != n || o.done < 1 || o.done > n || (i > 0 && o.done < opens[i-1].done) {
						t.Errorf("Progress call %d: got %d of %d; want 1 to %d of %d, never fewer than before", i, o.done, o.total, n, n)
					}
				}
				if last := opens[len(opens)-1]; last.done != n || last.pings != 0 {
					t.Errorf("last Progress: got %d of %d connections with %d pings seen by the server; want %d of %d before the first ping (0)",
						last.done, last.total, last.pings, n, n)
				}

				// The hold: from 0 to Hold, every report after the first
				// round of pings and before the second.
				if len(holds) < 2 {
					t.Fatalf("got %d HoldProgress calls %v; want at least the start and the end of the hold", len(holds), holds)
				}
				moved := false
				for i, h := range holds {
					if h.hold != tc.hold || h.held < 0 || h.held > tc.hold || (i > 0 && h.held < holds[i-1].held) {
						t.Errorf("HoldProgress call %d: got %v of %v; want 0 to %v, never less than before", i, h.held, h.hold, tc.hold)
					}
					if h.pings != tc.conns {
						t.Errorf("HoldProgress call %d (%v of %v): got %d pings seen by the server; want %d (one a connection: in the hold, before the check)",
							i, h.held, h.hold, h.pings, tc.conns)
					}
					moved = moved || (0 < h.held && h.held < tc.hold)
				}
				if first, last := holds[0], holds[len(holds)-1]; first.held != 0 || last.held != tc.hold {
					t.Errorf("HoldProgress: got %v first and %v last; want 0 and %v", first.held, last.held, tc.hold)
				}
				if !moved && tc.hold > 100*time.Millisecond {
					t.Errorf("HoldProgress: got only %v; want reports in the middle of a %v hold", holds, tc.hold)
				}
				if got := pings.count(); got != 2*tc.conns {
					t.Errorf("server saw %d pings; want %d (two a connection)", got, 2*tc.conns)
				}
			})
		})
	}
}
