package rt_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestIdleShutdownWithDoneCtxIsNil: Shutdown of a runtime with nothing
// left returns nil even with a ctx that is already done. The select
// between drained and ctx.Done used to pick either, so about half the
// calls returned a *ShutdownError ("cancelled 0 tasks; all ended"). And
// once a blocking task had run, every such call did: the idle blocking
// goroutine that Shutdown tells to exit had not exited yet when Shutdown
// looked, so it took the runtime for busy.
func TestIdleShutdownWithDoneCtxIsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		use  func(r *rt.Runtime) error
	}{
		{"new", func(*rt.Runtime) error { return nil }},
		{"after a task", func(r *rt.Runtime) error {
			_, err := rt.Spawn(r, context.Background(), trivial).Await(context.Background())
			return err
		}},
		{"after a blocking task", func(r *rt.Runtime) error {
			_, err := rt.SpawnBlocking(r, context.Background(), trivial).Await(context.Background())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := 0
			const n = 200
			var last error
			for range n {
				r, err := rt.New(rt.Logger(quiet), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.use(r); err != nil {
					t.Fatal(err)
				}
				if err := r.Shutdown(ctx); err != nil {
					errs, last = errs+1, err
				}
			}
			if errs != 0 {
				t.Errorf("Shutdown of an idle runtime with a done ctx: %d of %d calls returned an error (last: %v); want nil", errs, n, last)
			}
		})
	}
}
