package pools_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spool-go/spool/bench/pools"
	"github.com/spool-go/spool/internal/workload"
)

// benchSpec runs s on every named peer, one op being the whole spec, and
// reports the time per task (ns/task) beside the usual per-op figures.
// These in-process benchmarks are for benchstat comparisons; the report in
// results/pools.md runs every cell in a fresh process instead.
func benchSpec(b *testing.B, s pools.Spec, names ...string) {
	for _, name := range names {
		b.Run("peer="+name, func(b *testing.B) {
			p, ok := pools.PeerByName(name)
			if !ok {
				b.Fatalf("no peer %q", name)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Exec(s, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.Tasks), "ns/task")
		})
	}
}

// BenchmarkGroupVsErrgroup is issue 2's target: a task.Group of 1M trivial
// tasks at limits 100 and 10,000 against errgroup with SetLimit.
//
//	go test -run '^$' -bench GroupVsErrgroup -benchtime 3x -count 6 ./pools/
func BenchmarkGroupVsErrgroup(b *testing.B) {
	for _, limit := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			s := pools.Spec{Name: pools.WNoop, Work: pools.Noop, Tasks: 1_000_000, Limit: limit, Subs: 1}
			benchSpec(b, s, pools.Errgroup, pools.Group)
		})
	}
}

// BenchmarkNoop runs 100,000 no-op tasks per op through every peer.
func BenchmarkNoop(b *testing.B) {
	for _, limit := range []int{pools.Procs(), 100, 10_000} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			s := pools.Spec{Name: pools.WNoop, Work: pools.Noop, Tasks: 100_000, Limit: limit, Subs: 1}
			benchSpec(b, s, pools.Floor, pools.Goroutines, pools.Errgroup, pools.Ants, pools.Pond, pools.Conc,
				pools.Group, pools.Pool)
		})
	}
}

// BenchmarkSubmitWait is pool.Submit+Await against pond's Submit().Wait():
// 100 submitters x 1,000 tasks per op, each awaited before the next.
func BenchmarkSubmitWait(b *testing.B) {
	s := pools.Spec{Name: pools.WAwait, Work: pools.Noop, Tasks: 100_000, Limit: pools.Procs(), Subs: 100, Await: true}
	benchSpec(b, s, pools.Floor, pools.Pond, pools.Group, pools.Pool)
}

// BenchmarkSpin runs 100,000 tasks of ~1 µs of CPU per op at GOMAXPROCS,
// the limit where an executor's own cost shows most against serial/cores.
func BenchmarkSpin(b *testing.B) {
	s := pools.Spec{Name: pools.WSpin, Work: pools.Spin, Tasks: 100_000, Limit: pools.Procs(), Subs: 1,
		Rounds: workload.Rounds(time.Microsecond)}
	benchSpec(b, s, pools.Serial, pools.Floor, pools.Pond, pools.Pool)
}
