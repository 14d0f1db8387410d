package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestQuantileBoundsLongWaits: Quantile is an upper bound for long waits
// too. Durations of 2^38 ns or more land in the last bucket, which used to
// report 2^39 ns (about 9m10s) as its bound; it is open now.
func TestQuantileBoundsLongWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { time.Sleep(time.Hour); return 0, nil }) // holds the slot 1h
		synctest.Wait()
		b := rt.Spawn(r, ctx, func(context.Context) (int, error) { return 0, nil }) // waits 1h for it
		_, _ = a.Await(ctx)
		_, _ = b.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if q := r.Metrics().SlotWait.Quantile(1); q < time.Hour {
			t.Errorf("a task waited 1h for a slot; SlotWait.Quantile(1) = %v, documented as an upper bound", q)
		}
	})
}
