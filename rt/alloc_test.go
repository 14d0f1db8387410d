//go:build !race

package rt_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestAllocs pins the allocations of the hot paths (the race detector
// changes them, hence the build tag).
func TestAllocs(t *testing.T) {
	r := newRuntime(t, rt.Workers(2))
	ctx := context.Background()
	cases := []struct {
		name string
		fn   func()
		want float64
	}{
		{"Spawn+Await", func() { _, _ = rt.Spawn(r, ctx, trivial).Await(ctx) }, 3},
		{"SpawnBlocking+Await", func() { _, _ = rt.SpawnBlocking(r, ctx, trivial).Await(ctx) }, 2},
	}
	for _, c := range cases {
		if got := testing.AllocsPerRun(200, c.fn); got > c.want {
			t.Errorf("%s: %v allocations; want at most %v", c.name, got, c.want)
		}
	}
	// A name costs what TaskName's documentation says: 6 allocations more
	// for Spawn, 5 more for SpawnBlocking.
	named := []struct {
		name        string
		plain, with func()
		want        float64
	}{
		{"Spawn",
			func() { _, _ = rt.Spawn(r, ctx, trivial).Await(ctx) },
			func() { _, _ = rt.Spawn(r, ctx, trivial, rt.TaskName("x")).Await(ctx) }, 6},
		{"SpawnBlocking",
			func() { _, _ = rt.SpawnBlocking(r, ctx, trivial).Await(ctx) },
			func() { _, _ = rt.SpawnBlocking(r, ctx, trivial, rt.TaskName("x")).Await(ctx) }, 5},
	}
	for range 100 {
		// A named task's spool.id is a number: past 99, formatting it
		// allocates, as it does in any process that has run a while.
		named[0].with()
	}
	for _, c := range named {
		if got := testing.AllocsPerRun(200, c.with) - testing.AllocsPerRun(200, c.plain); got != c.want {
			t.Errorf("%s with TaskName: %v allocations more; want %v", c.name, got, c.want)
		}
	}
	// Await points: a task that parks 100 times allocates no more than
	// one that does not.
	parks := func(n int) func() {
		return func() {
			_, _ = rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
				for range n {
					task.Park(ctx).Resume()
				}
				return 0, nil
			})
		}
	}
	if base, got := testing.AllocsPerRun(200, parks(0)), testing.AllocsPerRun(200, parks(100)); got != base {
		t.Errorf("100 Park+Resume pairs: %v allocations; want %v, as with none", got-base, 0)
	}
}
