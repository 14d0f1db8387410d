package lab

import (
	"runtime"
	"testing"
)

// TestVerdictsDecideOnFiguresAsShown: a verdict is decided on the figure
// as its text shows it (3 digits), so a failing verdict never shows the
// threshold's own value and a range never reads as cut by a line it
// only touches. Each of these failed before, with the text naming the
// threshold: "off by 1.15x" against a tolerance of 1.15, "off by 2.00x"
// against 2, "weaker here: a thread costs only 10.0x more" against 10.
func TestVerdictsDecideOnFiguresAsShown(t *testing.T) {
	s := func(xs ...float64) Stat { return summarize(xs) }
	type got struct {
		verdict string
		holds   bool
	}
	pair := func(v string, ok bool) got { return got{v, ok} }
	claim := func(c Claim) got { return got{c.Verdict, c.Holds} }
	tests := []struct {
		name string
		got  got
		want got
	}{
		{"join 345.1 ms vs 300 ms x1.15", pair(near(300e6, 345.1e6, 1.15, fmtNS)), got{"holds", true}},
		{"join 347 ms vs 300 ms x1.15", pair(near(300e6, 347e6, 1.15, fmtNS)), got{"off by 1.16x: here 347 ms", false}},
		{"join 260.9 ms vs 300 ms x1.15", pair(near(300e6, 260.9e6, 1.15, fmtNS)), got{"holds", true}},
		{"4.003 MiB vs 2 MiB x2", pair(near(2<<20, 4.003*(1<<20), 2, fmtBytes)), got{"holds", true}},
		{"15.004 µs vs 1-10 µs", pair(within(1000, 10000, 15004, fmtNS)), got{"roughly holds: 15.0 µs, just above the range", true}},
		{"10.004 µs vs 1-10 µs", pair(within(1000, 10000, 10004, fmtNS)), got{"holds", true}},
		{"666.5 ns vs 1-10 µs", pair(within(1000, 10000, 666.5, fmtNS)), got{"roughly holds: 666 ns, just below the range", true}},
		{"16 µs vs 1-10 µs", pair(within(1000, 10000, 16000, fmtNS)), got{"off by 1.60x: 16.0 µs, above the range", false}},
		{"spawn 9.996x", claim(spawnClaim(s(9996, 9996, 9996), s(1000, 1000, 1000))), got{"holds: a thread costs 10.0x more", true}},
		{"spawn 20x, repetitions from 9.996x", claim(spawnClaim(s(9996, 20000, 30000), s(1000, 1000, 1000))), got{"holds: a thread costs 20.0x more", true}},
		{"io 1.9996x", claim(ioClaim(ioRunners(), [][]Stat{{s(19996, 19996)}, {s(10000, 10000)}, {s(1, 1)}}, []int{10})), got{"holds: the pool is 2.00x slower", true}},
		{"shared 1.0996x", claim(sharedClaim(1.2, s(1e6, 1e6), s(1.0996e6, 1.0996e6), 2)), got{"holds", true}},
		{"blocking 9.996x", claim(blockingClaim(s(1e4, 1e4), s(9.996e4, 9.996e4), s(10, 10))), got{"holds: 10.0x longer waits", true}},
		{"mutex 9.996x", claim(mutexClaims(s(1e4, 1e4), s(9.996e4, 9.996e4), s(10, 10))[0]), got{"holds: sync.Mutex: 10.0x longer", true}},
		{"mutex brief 1.0004 ms", claim(mutexClaims(s(1e4, 1e4), s(1e8, 1e8), s(1.0004e6, 1.0004e6))[1]), got{"holds", true}},
	}
	if p := runtime.GOMAXPROCS(0); p >= 2 && runtime.NumCPU() >= 2 {
		// Every runner 1.4996x faster at GOMAXPROCS workers than at 1:
		// "1.50x", 0.75 x 2 cores, on 2 cores.
		ws := workerCounts()
		times := make([][]Stat, len(cpuRunners()))
		for r := range times {
			times[r] = make([]Stat, len(ws))
			for i, w := range ws {
				times[r][i] = s(1e6, 1e6)
				if w == 1 {
					times[r][i] = s(1.4996e6*float64(min(p, runtime.NumCPU()))/2, 1.4996e6*float64(min(p, runtime.NumCPU()))/2)
				}
			}
		}
		tests = append(tests, struct {
			name string
			got  got
			want got
		}{"cpu 0.7498 x cores", claim(cpuClaim(cpuRunners(), times, ws, false)), got{"threads scale, but no better than the runtime", true}})
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, holds %v; want %q, holds %v", tc.name, tc.got.verdict, tc.got.holds, tc.want.verdict, tc.want.holds)
		}
	}
}
