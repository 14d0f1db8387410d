package parallel_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spool-go/spool/parallel"
)

// TestMapOrderedYieldsOneCtxError: once ctx ends, MapOrdered yields one
// wrapped ctx error and stops, whatever fn returns to the end and however
// many results are ready. It went on handing out values and yielding
// results after the end, fn's own ctx errors among them (13 before its
// own, in an audit).
func TestMapOrderedYieldsOneCtxError(t *testing.T) {
	naturals := func(yield func(int) bool) {
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	}
	tests := []struct {
		name string
		fn   func(ctx context.Context, x int) (int, error)
	}{
		{"fn returns ctx's error", func(ctx context.Context, x int) (int, error) { return x, ctx.Err() }},
		{"fn ignores ctx", func(_ context.Context, x int) (int, error) { return x, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				ctx, cancel := context.WithCancel(context.Background())
				var errs []error
				n := 0
				for _, err := range parallel.MapOrdered(ctx, naturals, 4, tt.fn) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					if n++; n == 50 {
						cancel() // the consumer has seen enough
					}
				}
				cancel()
				if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || !strings.HasPrefix(errs[0].Error(), "parallel: ") {
					t.Fatalf("after the cancel: %d errors %v; want 1, the iterator's wrapped context.Canceled", len(errs), errs)
				}
				if n != 50 {
					t.Fatalf("%d results; want 50, none after the cancel", n)
				}
			}
		})
	}
}
