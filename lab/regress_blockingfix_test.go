package lab

import (
	"strings"
	"testing"
	"time"
)

// p99 is a Stat of one p99 of many waits, in ns.
func p99(d time.Duration) Stat {
	return Stat{N: 100, Min: float64(d) / 10, Median: float64(d) / 2, Max: float64(d), P90: float64(d), P99: float64(d)}
}

// TestBlockingClaimNeedsAwaitPoint: "Never block the async runtime" holds
// when blocking both slots makes the probes' p99 wait at least 10x the
// idle one and the await-point version, task.Sleep (the chapter's
// good_example), brings it back under a tenth of that, as the README
// says. It read the rt.SpawnBlocking scenario instead, so a task.Sleep
// that blocked like time.Sleep still let the claim hold.
func TestBlockingClaimNeedsAwaitPoint(t *testing.T) {
	// The scenarios the claim reads are the ones it names.
	for i, want := range map[int]string{idleRun: "no other task", blockedRun: "time.Sleep (bad_example)", awaitedRun: "task.Sleep (good_example)"} {
		if !strings.Contains(blockScenarios[i].name, want) {
			t.Errorf("blockScenarios[%d] is %q; want the one of %q", i, blockScenarios[i].name, want)
		}
	}

	cases := []struct {
		name                   string
		idle, blocked, awaited Stat
		wantHolds              bool
		wantVerdict            string // prefix
		wantMeasured           string
	}{
		{"await point brings it back", p99(50 * time.Microsecond), p99(400 * time.Millisecond), p99(60 * time.Microsecond),
			true, "holds: 8000x longer waits", "others' p99 wait: 400 ms vs 50.0 µs idle, 60.0 µs with task.Sleep"},
		{"await point waits as long as blocking", p99(50 * time.Microsecond), p99(400 * time.Millisecond), p99(390 * time.Millisecond),
			false, "not clear here: blocking made the p99 8000x, but task.Sleep's, 390 ms, is not under a tenth of it",
			"others' p99 wait: 400 ms vs 50.0 µs idle, 390 ms with task.Sleep"},
		{"await point just at a tenth", p99(50 * time.Microsecond), p99(400 * time.Millisecond), p99(40 * time.Millisecond),
			false, "not clear here: blocking made the p99 8000x, but task.Sleep's", ""},
		{"blocking barely hurts", p99(50 * time.Microsecond), p99(200 * time.Microsecond), p99(60 * time.Microsecond),
			false, "not clear here: blocking made the p99 4.00x", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := blockingClaim(tc.idle, tc.blocked, tc.awaited)
			if c.Holds != tc.wantHolds || !strings.HasPrefix(c.Verdict, tc.wantVerdict) {
				t.Errorf("verdict %q, holds %v; want %q..., holds %v", c.Verdict, c.Holds, tc.wantVerdict, tc.wantHolds)
			}
			if tc.wantMeasured != "" && c.Measured != tc.wantMeasured {
				t.Errorf("measured %q; want %q", c.Measured, tc.wantMeasured)
			}
			if want := tc.blocked.P99 / tc.idle.P99; c.Median != want || c.Unit != "x" {
				t.Errorf("figure %v %s; want %v x", c.Median, c.Unit, want)
			}
		})
	}
}
