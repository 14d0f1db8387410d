package rt_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestIdleShutdownWithDoneCtxIsNil: Shutdown of a runtime with nothing
// left returns nil even with a ctx that is already done. The select
// between drained and ctx.Done used to pick either, so about half the
// calls returned a *ShutdownError ("cancelled 0 tasks; all ended").
func TestIdleShutdownWithDoneCtxIsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs := 0
	const n = 200
	for range n {
		r, err := rt.New(rt.Logger(quiet), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		if r.Shutdown(ctx) != nil {
			errs++
		}
	}
	if errs != 0 {
		t.Errorf("Shutdown of an idle runtime with a done ctx: %d of %d calls returned an error, the rest nil", errs, n)
	}
}
