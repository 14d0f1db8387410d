package lab

import (
	"context"
	"testing"
)

// TestMemoryDiscardsFirstRound: every repetition of the memory experiment
// measures the same thing. Go reuses the records of ended goroutines, so
// only a process's first round at a count pays for them (2.70 KiB per
// goroutine, then 2.14, 2.13, 2.13 at 10,000): that first round must be
// discarded, not mixed into the first row's median (a quick run's two
// repetitions showed a 19-20% spread that was only this). The stand-in
// for measureWaiting here makes each unit's first round dearer, as Go
// does.
func TestMemoryDiscardsFirstRound(t *testing.T) {
	const first, steady = 2700, 2130
	called := map[string]bool{}
	saved := measureUnits
	measureUnits = func(_ context.Context, u waitUnit, _ int) (perUnit, error) {
		x := float64(steady)
		if !called[u.name] {
			x, called[u.name] = first, true
		}
		return perUnit{rss: x, vm: x, goStacks: x, kernelStack: x, threads: 10}, nil
	}
	defer func() { measureUnits = saved }()
	res, err := measureMemory(t.Context(), tiny(), &Result{}, 2, []int{1000, 10000}, []int{100, 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Metrics {
		if m.Median != steady || m.Spread != 0 {
			t.Errorf("metric %s: median %v, spread %v; want %v and 0 (the first round discarded)", m.Name, m.Median, m.Spread, float64(steady))
		}
	}
}
