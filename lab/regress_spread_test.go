package lab

import (
	"math"
	"runtime"
	"strings"
	"testing"
)

// stat3 is a Stat of three repetitions: lo, mid and hi.
func stat3(lo, mid, hi float64) Stat {
	return Stat{N: 3, Min: lo, Median: mid, Max: hi, P90: hi, P99: hi, Spread: (hi - lo) / mid}
}

// TestRatioClaimSpread: a claim decided by a ratio of two measured figures
// shows the spread of that ratio, which either side's noise widens, not the
// spread of one side alone (it used to show one side's: the thread's for
// spawn, the runtime's for io, RWMutex's for shared, the unbuffered
// channel's for channels, p workers' for cpu).
func TestRatioClaimSpread(t *testing.T) {
	p := runtime.GOMAXPROCS(0)
	claims := []struct {
		name  string
		build func(num, den Stat) Claim // the claim whose figure is num/den
	}{
		{"spawn", func(num, den Stat) Claim { return spawnClaim(num, den) }},
		{"io", func(num, den Stat) Claim {
			return ioClaim([]ioRunner{{name: "pool"}, {name: "runtime"}}, [][]Stat{{num}, {den}}, []int{10})
		}},
		{"shared", func(num, den Stat) Claim { return sharedClaim(1, den, num, 2) }},
		{"channels", func(num, den Stat) Claim { return channelsClaim(den, num) }},
		{"cpu", func(num, den Stat) Claim {
			return cpuClaim([]cpuRunner{{name: "pool"}, {name: "runtime"}}, [][]Stat{{num, den}, {num, den}}, []int{1, p}, false)
		}},
	}
	pairs := []struct {
		name     string
		num, den Stat
	}{
		{"numerator noisy", stat3(80, 100, 120), stat3(10, 10, 10)},
		{"denominator noisy", stat3(100, 100, 100), stat3(8, 10, 12)},
		{"both noisy", stat3(90, 100, 110), stat3(9.5, 10, 10.5)},
	}
	for _, cl := range claims {
		for _, pr := range pairs {
			t.Run(cl.name+"/"+pr.name, func(t *testing.T) {
				if cl.name == "cpu" && p == 1 {
					t.Skip("with GOMAXPROCS=1 the speed-up is one figure over itself")
				}
				c := cl.build(pr.num, pr.den)
				ratio := pr.num.Median / pr.den.Median
				// The range of num/den over every pairing of repetitions,
				// over the ratio of the medians.
				want := (pr.num.Max/pr.den.Min - pr.num.Min/pr.den.Max) / ratio
				if c.Median != ratio || c.Unit != "x" {
					t.Errorf("got figure %v %s; want %v x", c.Median, c.Unit, ratio)
				}
				if math.Abs(c.Spread-want) > 1e-9 {
					t.Errorf("got spread %.4f; want %.4f (num spread %.2f, den spread %.2f)", c.Spread, want, pr.num.Spread, pr.den.Spread)
				}
			})
		}
	}
}

// TestRatioSpread covers ratioSpread's edges: one repetition a side has
// no spread, a one-repetition side passes the other's through, and a
// ratio that is not a positive finite figure has none (NaN, shown as
// "-"). Repetitions that all agree have a spread of 0, shown as "0%".
func TestRatioSpread(t *testing.T) {
	one := func(x float64) Stat { return Stat{N: 1, Min: x, Median: x, Max: x} }
	none := math.NaN()
	tests := []struct {
		name string
		a, b Stat
		want float64 // NaN: no spread
	}{
		{"one repetition each", one(100), one(10), none},
		{"steady denominator: the numerator's spread", stat3(80, 100, 120), one(10), 0.4},
		{"steady numerator: the spread of 1/den", one(100), stat3(8, 10, 12), 10 * (1.0/8 - 1.0/12)},
		{"both: about the sum", stat3(99, 100, 101), stat3(9.9, 10, 10.1), (101/9.9 - 99/10.1) / 10},
		{"repetitions that agree", stat3(100, 100, 100), stat3(10, 10, 10), 0},
		{"zero denominator", stat3(80, 100, 120), stat3(0, 10, 12), none},
		{"not measured", stat3(80, 100, 120), Stat{Median: math.NaN()}, none},
		{"empty", Stat{}, Stat{}, none},
	}
	for _, tt := range tests {
		got := ratioSpread(tt.a, tt.b)
		if math.IsNaN(got) != math.IsNaN(tt.want) || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: ratioSpread(%+v, %+v) = %v; want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCPUClaimUsesTheRunsLoad: the cpu verdict blames the load only if the
// report says the machine was busy when the run began. It read the load
// again after the experiment, when the one-minute average counts the
// lab's own work: "cannot tell: the cores were busy" under a report with
// no word of load.
func TestCPUClaimUsesTheRunsLoad(t *testing.T) {
	const p = 2
	if runtime.GOMAXPROCS(0) < p { // what cpuClaim looks at, not NumCPU
		t.Skip("needs GOMAXPROCS 2: on one the claim cannot be told")
	}
	one, two := stat3(100, 100, 100), stat3(95, 95, 95) // a speed-up of 1.05x on 2 cores
	cases := []struct {
		busy bool
		want string
	}{
		{false, "off by"},
		{true, "cannot tell: the cores were busy"},
	}
	for _, c := range cases {
		got := cpuClaim([]cpuRunner{{name: "pool"}}, [][]Stat{{one, two}}, []int{1, p}, c.busy)
		if !strings.HasPrefix(got.Verdict, c.want) || got.Holds {
			t.Errorf("busy %v: verdict %q (holds %v); want %q..., not holding", c.busy, got.Verdict, got.Holds, c.want)
		}
	}
}
