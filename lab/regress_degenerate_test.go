package lab

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"
)

// TestDegenerateFiguresNotMeasured: a ratio claim whose figures include a
// 0, a NaN or an infinity says "not measured" and is inconclusive, as
// near and within do, instead of a confident verdict on a meaningless
// ratio: a goroutine spawn of 0 ns read "holds: a thread costs -x more",
// an idle p99 of 0 "holds: -x longer waits", a runtime I/O time of 0
// "holds: the pool is -x slower", a Mutex throughput of 0 "holds only
// when reads take time", all-zero CPU times "off by -x: -x on 2 cores".
func TestDegenerateFiguresNotMeasured(t *testing.T) {
	s := func(xs ...float64) Stat { return summarize(xs) }
	zeroCPU := func() [][]Stat {
		out := make([][]Stat, len(cpuRunners()))
		for r := range out {
			out[r] = make([]Stat, len(workerCounts()))
			for i := range out[r] {
				out[r][i] = s(0, 0)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		claim Claim
	}{
		{"spawn: goroutine 0 ns", spawnClaim(s(20000, 21000, 22000), s(0, 0, 0))},
		{"spawn: thread NaN", spawnClaim(s(math.NaN()), s(800, 900, 1000))},
		{"io: runtime 0", ioClaim(ioRunners(), [][]Stat{{s(5e7, 5.1e7)}, {s(0, 0)}, {s(1e7, 1e7)}}, []int{10})},
		{"shared: Mutex 0 ops/s", sharedClaim(1.0, s(0, 0), s(1e6, 1e6), 2)},
		{"shared: tiny ratio NaN", sharedClaim(math.NaN(), s(1e6, 1e6), s(2e6, 2e6), 2)},
		{"blocking: idle p99 0", blockingClaim(s(0, 0, 0), s(1e8, 1.5e8), s(1e4, 2e4))},
		{"cpu: all times 0", cpuClaim(cpuRunners(), zeroCPU(), workerCounts(), false)},
	} {
		c := tc.claim
		want := "not measured"
		if strings.HasPrefix(tc.name, "cpu") && runtime.GOMAXPROCS(0) < 2 {
			want = "cannot tell on one core"
		}
		if !strings.HasPrefix(c.Verdict, want) || c.Holds || !c.Inconclusive {
			t.Errorf("%s: verdict %q, holds %v, inconclusive %v; want %q..., false, true", tc.name, c.Verdict, c.Holds, c.Inconclusive, want)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Errorf("%s: json.Marshal: %v", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name string
		got  func() (string, bool)
	}{
		{"near(100 ns, +Inf)", func() (string, bool) { return near(100, math.Inf(1), 2, fmtNS) }},
		{"within(1-10 µs, +Inf)", func() (string, bool) { return within(1000, 10000, math.Inf(1), fmtNS) }},
		{"near(2 KiB, -300 B)", func() (string, bool) { return near(2<<10, -300, 2, fmtBytes) }},
	} {
		if v, ok := tc.got(); !strings.HasPrefix(v, "not measured") || ok {
			t.Errorf("%s = %q, %v; want \"not measured...\", false", tc.name, v, ok)
		}
	}
}

// TestNotMeasuredIsInconclusive: a claim judged by near or within on a
// figure that is not measured is inconclusive, and the range check does
// not turn it into "cannot tell: -300 B, but -500 B to 2.93 KiB"; the
// mutex claims say "not measured" for a p99 of 0 or NaN.
func TestNotMeasuredIsInconclusive(t *testing.T) {
	c := Claim{Quote: "Async task: ~2KB per task", Median: -300}
	c.judge(near(2<<10, -300, 2, fmtBytes))
	lo, hi := statRange(summarize([]float64{-500, -300, 3000}), 1)
	c.checkRange(lo, hi, (2<<10)/2, (2<<10)*2, fmtBytes)
	if c.Verdict != notMeasuredVerdict || c.Holds || !c.Inconclusive {
		t.Errorf("negative resident: verdict %q, holds %v, inconclusive %v; want %q, false, true", c.Verdict, c.Holds, c.Inconclusive, notMeasuredVerdict)
	}
	p99 := func(x float64) Stat { return Stat{N: 100, Median: x, Min: x, Max: x, P90: x, P99: x} }
	for _, tc := range []struct {
		name                   string
		async, blocking, brief Stat
		want                   [2]string
	}{
		{"async p99 0", p99(0), p99(4e8), p99(1e5), [2]string{notMeasuredVerdict, notMeasuredVerdict}},
		{"brief p99 NaN", p99(5e4), p99(4e8), p99(math.NaN()), [2]string{"holds: sync.Mutex: 8000x longer", notMeasuredVerdict}},
		{"brief p99 0", p99(5e4), p99(4e8), p99(0), [2]string{"holds: sync.Mutex: 8000x longer", "holds"}},
	} {
		cs := mutexClaims(tc.async, tc.blocking, tc.brief)
		for i, c := range cs {
			if c.Verdict != tc.want[i] || c.Inconclusive != (tc.want[i] == notMeasuredVerdict) {
				t.Errorf("%s, claim %d: verdict %q, inconclusive %v; want %q", tc.name, i, c.Verdict, c.Inconclusive, tc.want[i])
			}
		}
	}
}
