package lab

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestCPUWarmsUpBeforeTiming: each runner of the cpu experiment runs once
// untimed before its first timed cell, the one worker its speed-up is
// measured against. The stand-in runners here, on synctest's clock, take
// 50 ms the first time and 10 ms after, as a cold first run does; timed
// without a warm-up, the one-worker cells read 30 ms (the median of 50
// and 10) and the speed-ups 3x for the same work.
func TestCPUWarmsUpBeforeTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		runs := map[string]int{}
		fake := func(name string) cpuRunner {
			return cpuRunner{name: name, perWorker: true, run: func(context.Context, cpuWork, int) error {
				d := 10 * time.Millisecond
				if runs[name] == 0 {
					d = 50 * time.Millisecond
				}
				runs[name]++
				time.Sleep(d)
				return nil
			}}
		}
		saved := cpuRunnerList
		cpuRunnerList = func() []cpuRunner { return []cpuRunner{fake("pool"), fake("runtime")} }
		defer func() { cpuRunnerList = saved }()
		res, err := measureCPU(t.Context(), tiny(), cpuWork{items: 4, rounds: 1}, 1024, 2)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, m := range res.Metrics {
			if m.Name == "cpu/pool/1" || m.Name == "cpu/runtime/1" {
				found++
				if want := float64(10 * time.Millisecond); m.Median != want || m.Max != want {
					t.Errorf("metric %s: median %v, max %v; want %v (the cold run untimed)", m.Name, m.Median, m.Max, want)
				}
			}
		}
		if found != 2 {
			t.Errorf("found %d of the metrics cpu/pool/1 and cpu/runtime/1; want 2", found)
		}
	})
}
