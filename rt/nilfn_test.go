package rt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestNilFunc checks that a nil fn is refused with an error that names the
// call and matches rt.ErrInvalid as well as task.ErrNilFunc (it matched
// task's alone, so errors.Is(err, rt.ErrInvalid) missed it).
func TestNilFunc(t *testing.T) {
	r := newRuntime(t)
	ctx := context.Background()
	var nilFn func(context.Context) (int, error)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"Spawn", func() error { _, err := rt.Spawn(r, ctx, nilFn).Await(ctx); return err }, "rt: Spawn: fn must not be nil (got nil)"},
		{"SpawnBlocking", func() error { _, err := rt.SpawnBlocking(r, ctx, nilFn).Await(ctx); return err }, "rt: SpawnBlocking: fn must not be nil (got nil)"},
		{"BlockOn", func() error { _, err := rt.BlockOn(r, ctx, nilFn); return err }, "rt: BlockOn: fn must not be nil (got nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || err.Error() != tt.want || !errors.Is(err, rt.ErrInvalid) || !errors.Is(err, task.ErrNilFunc) {
				t.Errorf("got %v; want %q, matching rt.ErrInvalid and task.ErrNilFunc", err, tt.want)
			}
		})
	}
	if m := r.Metrics(); m.Spawned != 0 {
		t.Errorf("Spawned = %d after three nil fns; want 0", m.Spawned)
	}
}

// TestNilFuncOnClosedRuntime checks that BlockOn checks a nil fn in the
// order Spawn and SpawnBlocking do: a closed runtime comes first.
func TestNilFuncOnClosedRuntime(t *testing.T) {
	r, err := rt.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var nilFn func(context.Context) (int, error)
	tests := []struct {
		name string
		call func() error
	}{
		{"Spawn", func() error { _, err := rt.Spawn(r, ctx, nilFn).Await(ctx); return err }},
		{"SpawnBlocking", func() error { _, err := rt.SpawnBlocking(r, ctx, nilFn).Await(ctx); return err }},
		{"BlockOn", func() error { _, err := rt.BlockOn(r, ctx, nilFn); return err }},
	}
	for _, tt := range tests {
		if err := tt.call(); !errors.Is(err, rt.ErrClosed) {
			t.Errorf("%s(nil fn) on a closed runtime = %v; want rt.ErrClosed", tt.name, err)
		}
	}
}
