package parallel_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
)

// TestMapOrderedLargeWorkers checks that a large workers costs nothing up
// front: the window of 2×workers places was made before anything ran
// (2,000,000 allocations and 274 MiB for 3 values), and math.MaxInt
// overflowed it (a makeslice panic in the loop).
func TestMapOrderedLargeWorkers(t *testing.T) {
	double := func(_ context.Context, v int) (int, error) { return 2 * v, nil }
	for _, workers := range []int{1, 4, 1_000_000, math.MaxInt} {
		var got []int
		allocs := testing.AllocsPerRun(3, func() {
			got = got[:0]
			for r, err := range parallel.MapOrdered(context.Background(), slices.Values([]int{1, 2, 3}), workers, double) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
		})
		if want := []int{2, 4, 6}; !slices.Equal(got, want) {
			t.Errorf("workers=%d: got %v; want %v", workers, got, want)
		}
		if allocs > 100 {
			t.Errorf("workers=%d: %.0f allocations for 3 values; want at most 100", workers, allocs)
		}
	}
}

// TestMapOrderedWindowBounded checks that the window, made as values come,
// stops growing at 2×workers places: a long stream costs a bounded number
// of allocations, not some per value.
func TestMapOrderedWindowBounded(t *testing.T) {
	in := make([]int, 10_000)
	allocs := testing.AllocsPerRun(2, func() {
		for _, err := range parallel.MapOrdered(context.Background(), slices.Values(in), 2, func(_ context.Context, v int) (int, error) { return v, nil }) {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 200 {
		t.Errorf("%.0f allocations for 10,000 values on 2 workers; want at most 200", allocs)
	}
}

// TestMapOrderedLargeWorkersLongStream checks that the window's places
// are reused once yielded: with a workers of 1,000,000, a place was made
// for every value until 2,000,000 were (150 B each, kept). On synctest's
// clock, a source that yields a value a millisecond lets each one through
// before the next comes, so one or two are in flight at once, and as many
// places are made.
func TestMapOrderedLargeWorkersLongStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 10_000
		slow := func(yield func(int) bool) {
			for i := range n {
				time.Sleep(time.Millisecond)
				if !yield(i) {
					return
				}
			}
		}
		before := parallel.PlacesMade()
		i := 0
		for v, err := range parallel.MapOrdered(t.Context(), slow, 1_000_000, func(_ context.Context, v int) (int, error) { return v, nil }) {
			if err != nil || v != i {
				t.Fatalf("value %d: got (%d, %v), want (%d, nil)", i, v, err, i)
			}
			i++
		}
		if i != n {
			t.Errorf("got %d values, want %d", i, n)
		}
		if made := parallel.PlacesMade() - before; made > 4 {
			t.Errorf("%d places made for %d values, at most two in flight at once; want them reused (at most 4)", made, n)
		}
	})
}
