package parallel_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/rt"
)

// TestMapAwaitsOnOneSlot: on a one-slot runtime, fn may await a task of
// the runtime, however the input is cut. The caller's own chunks ran with
// the helpers' context, which carries no slot: once the input was split
// (64 items), the caller awaited holding the only slot, and the child it
// awaited never got one.
func TestMapAwaitsOnOneSlot(t *testing.T) {
	for _, n := range []int{1, 64, 1000} {
		t.Run(fmt.Sprint(n, " items"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Workers(1), rt.DetectBlocking(0), rt.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
				if err != nil {
					t.Fatal(err)
				}
				got, err := rt.BlockOn(r, context.Background(), func(ctx context.Context) ([]int, error) {
					return parallel.Map(ctx, make([]int, n), func(ctx context.Context, x int) (int, error) {
						return rt.Spawn(r, ctx, func(context.Context) (int, error) { return x + 1, nil }).Await(ctx)
					})
				})
				if err != nil || len(got) != n || got[n-1] != 1 {
					t.Errorf("Map on a 1-slot runtime = %d results, %v; want %d ones, nil", len(got), err, n)
				}
				if err := r.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown = %v", err)
				}
			})
		})
	}
}
