package parallel_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
)

// TestMapOrderedOverlapsConsumer checks, on synctest's clock, that the
// workers go on while the loop's body runs: a worker that finishes
// during the body finds its next value waiting. With an unbuffered
// hand-off, it waited for the body to end, and the stream took the
// workers' time plus much of the consumer's.
func TestMapOrderedOverlapsConsumer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		workers    int
		call, body time.Duration
		n          int
	}{
		{"workers are the bottleneck", 4, 10 * time.Millisecond, 2 * time.Millisecond, 100},
		{"many workers", 8, 16 * time.Millisecond, 1 * time.Millisecond, 200},
		{"balanced", 2, 6 * time.Millisecond, 3 * time.Millisecond, 100},
		{"consumer is the bottleneck", 4, 4 * time.Millisecond, 3 * time.Millisecond, 100},
		{"more workers than the buffer", 256, 10 * time.Millisecond, 10 * time.Microsecond, 2560},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				seq := func(yield func(int) bool) {
					for i := range tc.n {
						if !yield(i) {
							return
						}
					}
				}
				start := time.Now()
				i := 0
				for v, err := range parallel.MapOrdered(t.Context(), seq, tc.workers, func(_ context.Context, x int) (int, error) {
					time.Sleep(tc.call)
					return x, nil
				}) {
					if err != nil || v != i {
						t.Fatalf("value %d: got (%d, %v), want (%d, nil)", i, v, err, i)
					}
					i++
					time.Sleep(tc.body)
				}
				got := time.Since(start)
				// Full overlap: the slower side's time, plus one call
				// before the first value and one body after the last.
				busy := max(time.Duration(tc.n)*tc.call/time.Duration(tc.workers), time.Duration(tc.n)*tc.body)
				want := busy + tc.call + tc.body
				if got > want {
					t.Errorf("%d values took %v on the fake clock, want at most %v (full overlap of %d workers and the loop's body)", tc.n, got, want, tc.workers)
				}
			})
		})
	}
}
