package cp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestBadInput: Copy's bad options and arguments are errors matching
// ErrInvalid, naming what was wrong, and nothing is copied. OnItem(nil) and
// OnBytes(nil) used to be accepted, meaning no callback. Jobs(0) used to
// panic in Jobs itself; a nil ctx panics at once in Copy ("cp: Copy: nil
// context"), where it used to panic inside context.WithCancelCause.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644})
	ctx := context.Background()
	tests := []struct {
		name string
		srcs []string
		dst  string
		opts []cp.Option
		also error
		want string
	}{
		{"Jobs(0)", []string{src}, dst, []cp.Option{cp.Jobs(0)}, nil, "cp: Jobs(0): must be positive"},
		{"Jobs(-1)", []string{src}, dst, []cp.Option{cp.Verify(true), cp.Jobs(-1)}, nil, "cp: Jobs(-1): must be positive"},
		{"nil option", []string{src}, dst, []cp.Option{cp.Jobs(2), nil}, nil, "cp: Copy: option must not be nil (got nil at index 1)"},
		{"OnItem(nil)", []string{src}, dst, []cp.Option{cp.OnItem(nil)}, nil, "cp: OnItem(nil): must not be nil"},
		{"OnBytes(nil)", []string{src}, dst, []cp.Option{cp.Jobs(2), cp.OnBytes(nil)}, nil, "cp: OnBytes(nil): must not be nil"},
		{"no sources", nil, dst, nil, cp.ErrNoSources, "cp: no sources"},
		{"empty dst", []string{src}, "", nil, nil, `cp: Copy: dst must not be empty (got "")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := cp.Copy(ctx, tt.srcs, tt.dst, tt.opts...)
			if !errors.Is(err, cp.ErrInvalid) || tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("Copy = %v; want an error matching ErrInvalid and %v", err, tt.also)
			}
			if err.Error() != tt.want {
				t.Errorf("Copy = %q; want %q", err, tt.want)
			}
			if sum != (cp.Summary{}) {
				t.Errorf("Copy did %+v; want nothing", sum)
			}
			if _, err := os.Lstat(dst); !os.IsNotExist(err) {
				t.Errorf("destination made (%v); want nothing copied", err)
			}
		})
	}
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Jobs(%d) panicked with %v; want Copy's error only", n, r)
				}
			}()
			cp.Jobs(n)
		}()
	}

	var nilCtx context.Context
	const want = "cp: Copy: nil context"
	got := func() (r any) {
		defer func() { r = recover() }()
		_, _ = cp.Copy(nilCtx, []string{src}, dst)
		return nil
	}()
	if got != want {
		t.Errorf("Copy(nil ctx) panicked with %v; want %q", got, want)
	}
}
