package parallel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/parallel"
)

// TestReduceStopsOnCancel checks that Reduce's fold stops soon after ctx
// ends, as Map does between items: it folded the rest of its chunk (an
// eighth of the input with one worker) after the cancel.
func TestReduceStopsOnCancel(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		cancelAt int
	}{
		{"early", 100_000, 100},
		{"late in a chunk", 100_000, 5_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in := make([]int, tt.n)
			calls := 0
			_, err := parallel.Reduce(ctx, in, func(a, b int) int {
				calls++ // one worker: no race
				if calls == tt.cancelAt {
					cancel()
				}
				return a + b
			}, parallel.Workers(1))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Reduce = %v; want context.Canceled", err)
			}
			if max := tt.cancelAt + 64; calls > max {
				t.Errorf("fn ran %d times, cancelled at call %d; want at most %d", calls, tt.cancelAt, max)
			}
		})
	}
}
