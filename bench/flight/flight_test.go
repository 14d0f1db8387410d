package flight_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/bench/flight"
)

// gate is the function of the shared calls: it counts its runs and
// returns once the current round's channel is closed.
type gate struct {
	runs    atomic.Int64
	release atomic.Pointer[chan struct{}]
}

func (g *gate) fn() (int, error) {
	g.runs.Add(1)
	<-*g.release.Load()
	return 1, nil
}

// round starts n callers of do for one key, lets the gate open once every
// caller has reached Do and yielded a few times, and returns how many
// callers got something other than 1, nil. A caller that comes late
// starts a call of its own, which returns at once: nothing waits for a
// caller that may never join.
func round(do func(context.Context, string) (int, error, bool), g *gate, n int) (failed int64) {
	ctx := context.Background()
	release := make(chan struct{})
	g.release.Store(&release)
	var errs atomic.Int64
	var started, done sync.WaitGroup
	started.Add(n)
	for range n {
		done.Go(func() {
			started.Done()
			if v, err, _ := do(ctx, "k"); v != 1 || err != nil {
				errs.Add(1)
			}
		})
	}
	started.Wait()
	for range n {
		runtime.Gosched()
	}
	close(release)
	done.Wait()
	return errs.Load()
}

// TestPeers checks that each peer runs fn once for a caller alone, and
// gives every one of 8 overlapping callers the result.
func TestPeers(t *testing.T) {
	for _, p := range flight.Peers {
		calls := 0
		v, err, shared := p.New(func() (int, error) { calls++; return 7, nil })(context.Background(), "k")
		if v != 7 || err != nil || shared || calls != 1 {
			t.Errorf("%s alone: %d, %v, %v after %d calls; want 7, nil, false after 1", p.Name, v, err, shared, calls)
		}
		g := new(gate)
		failed := round(p.New(g.fn), g, 8)
		if runs := g.runs.Load(); runs < 1 || runs > 8 || failed != 0 {
			t.Errorf("%s, 8 callers: fn ran %d times, %d callers failed; want 1 to 8 runs, no failure", p.Name, runs, failed)
		}
	}
}

var sink int

// BenchmarkFlight times each peer: callers=1 is one Do of a trivial fn
// that nobody else joins; callers=8 is one call shared by 8 goroutines
// started for it (their starts included, the same for both peers;
// runs/op says how many calls they made: 1 when all joined).
//
//	go test -run '^$' -bench Flight -benchmem -count 6 . | tee /tmp/flight.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /peer -row /callers /tmp/flight.txt
func BenchmarkFlight(b *testing.B) {
	ctx := context.Background()
	for _, callers := range []int{1, 8} {
		for _, p := range flight.Peers {
			b.Run(fmt.Sprintf("callers=%d/peer=%s", callers, p.Name), func(b *testing.B) {
				if callers == 1 {
					do := p.New(func() (int, error) { return 1, nil })
					b.ReportAllocs()
					for b.Loop() {
						v, _, _ := do(ctx, "k")
						sink += v
					}
					return
				}
				g := new(gate)
				do := p.New(g.fn)
				b.ReportAllocs()
				for b.Loop() {
					round(do, g, callers)
				}
				b.ReportMetric(float64(g.runs.Load())/float64(b.N), "runs/op")
			})
		}
	}
}
