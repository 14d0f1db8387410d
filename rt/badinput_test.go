package rt_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestNilContextPanics: every exported function of rt that takes a
// context panics at once with "rt: <Func>: nil context", whatever the
// runtime (a nil one too), rather than with task's message from inside
// (Spawn, SpawnBlocking, BlockOn) or a nil dereference (Shutdown). Nothing
// is spawned: the runtime's metrics stay quiet.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, tt := range []struct {
		name string
		r    *rt.Runtime
	}{{"live", newRuntime(t)}, {"nil", nil}} {
		r := tt.r
		calls := []struct {
			name string
			call func()
		}{
			{"Spawn", func() { rt.Spawn(r, nilCtx, fn) }},
			{"SpawnBlocking", func() { rt.SpawnBlocking(r, nilCtx, fn) }},
			{"BlockOn", func() { _, _ = rt.BlockOn(r, nilCtx, fn) }},
			{"Runtime.Shutdown", func() { _ = r.Shutdown(nilCtx) }},
		}
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				want := "rt: " + c.name + ": nil context"
				got := func() (r any) {
					defer func() { r = recover() }()
					c.call()
					return nil
				}()
				if got != want {
					t.Errorf("%s(nil ctx) panicked with %v; want %q", c.name, got, want)
				}
			})
		}
		if r != nil {
			if m := r.Metrics(); m.Spawned != 0 {
				t.Errorf("Spawned = %d after the refused calls; want 0", m.Spawned)
			}
		}
	}
}
