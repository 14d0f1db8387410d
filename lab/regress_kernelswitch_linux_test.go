package lab

import (
	"strings"
	"testing"
)

// TestSwitchClaimCountsKernelSwitches: on Linux the thread claim, "Kernel-
// level context switch (~1-10μs)", is decided per kernel context switch
// the ping-pong made (getrusage), not per hand-over. It used to divide a
// round trip by two, calling each hand-over one kernel switch, while
// getrusage counted about 6 a round trip (17,680 voluntary and 254
// involuntary for 3,000 round trips): 5.05 µs "per switch" where each
// kernel switch took 1.7 µs.
func TestSwitchClaimCountsKernelSwitches(t *testing.T) {
	res, err := measureSwitch(t.Context(), tiny(), 50, 200, 2)
	if err != nil {
		t.Fatal(err)
	}
	metric := func(name string) (Stat, bool) {
		for _, m := range res.Metrics {
			if m.Name == name {
				return m.Stat, true
			}
		}
		return Stat{}, false
	}
	for _, name := range []string{"switch/locked OS threads/kernel-switches", "switch/locked OS threads/per-kernel-switch"} {
		if _, ok := metric(name); !ok {
			t.Errorf("metric %q: missing; want it on Linux", name)
		}
	}
	per, _ := metric("switch/locked OS threads/per-kernel-switch")
	for _, c := range res.Claims {
		if !strings.HasPrefix(c.Quote, "Threads: Kernel-level") {
			continue
		}
		if c.Median != per.Median || !strings.Contains(c.Measured, "per kernel switch") {
			t.Errorf("thread claim: median %v, measured %q; want the per-kernel-switch median %v and \"per kernel switch\"", c.Median, c.Measured, per.Median)
		}
		return
	}
	t.Error("no thread claim")
}
