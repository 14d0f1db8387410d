//go:build !race

package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
)

// TestAllocs pins the allocations of Do's paths that BenchmarkDo measures
// (the race detector changes them, hence the build tag): a first attempt
// that succeeds allocates nothing, hooks or not; giving up allocates the
// *Error only, OnGiveUp or not.
func TestAllocs(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context, int) (int, error) { return 1, nil }
	fail := func(context.Context, int) (int, error) { return 0, errBoom }
	def := mustNew(t)
	hooks := mustNew(t,
		retry.OnRetry(func(int, error, time.Duration) {}),
		retry.OnGiveUp(func(*retry.Error) {}))
	zero := mustNew(t, retry.Backoff(retry.Constant(0)))
	zeroHooks := mustNew(t, zero, retry.OnGiveUp(func(*retry.Error) {}))
	tests := []struct {
		name string
		fn   func()
		want float64
	}{
		{"success/default", func() { _, _ = retry.Do(ctx, ok) }, 0},
		{"success/policy", func() { _, _ = retry.Do(ctx, ok, def) }, 0},
		{"success/policy-hooks", func() { _, _ = retry.Do(ctx, ok, hooks) }, 0},
		{"fail3/policy", func() { _, _ = retry.Do(ctx, fail, zero) }, 1},
		{"fail3/policy-OnGiveUp", func() { _, _ = retry.Do(ctx, fail, zeroHooks) }, 1},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(200, tt.fn); got != tt.want {
			t.Errorf("%s: %v allocations per call; want %v", tt.name, got, tt.want)
		}
	}
}
