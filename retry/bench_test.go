package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
)

var sink int

// BenchmarkDo measures the loop's own cost: fn does nothing but return.
//
//	go test -run '^$' -bench Do -benchmem -count 6 ./retry/
func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	ok := func(ctx context.Context, attempt int) (int, error) { return attempt, nil }
	fail := func(ctx context.Context, attempt int) (int, error) { return 0, errBoom }
	zero, err := retry.New(retry.MaxAttempts(3), retry.Backoff(retry.Constant(0)))
	if err != nil {
		b.Fatal(err)
	}
	def, _ := retry.New()
	b.Run("success/direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := ok(ctx, 1)
			sink += v
		}
	})
	b.Run("success/default", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := retry.Do(ctx, ok)
			sink += v
		}
	})
	b.Run("success/policy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := retry.Do(ctx, ok, def)
			sink += v
		}
	})
	hooks, err := retry.New(
		retry.OnRetry(func(int, error, time.Duration) { sink++ }),
		retry.OnGiveUp(func(*retry.Error) { sink++ }))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("success/policy-hooks", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := retry.Do(ctx, ok, hooks)
			sink += v
		}
	})
	b.Run("success/inline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := retry.Do(ctx, ok, retry.MaxAttempts(3))
			sink += v
		}
	})
	b.Run("fail3/policy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := retry.Do(ctx, fail, zero)
			if err == nil {
				b.Fatal("no error")
			}
		}
	})
	zeroHooks, err := retry.New(zero, retry.OnGiveUp(func(*retry.Error) { sink++ }))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fail3/policy-OnGiveUp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := retry.Do(ctx, fail, zeroHooks)
			if err == nil {
				b.Fatal("no error")
			}
		}
	})
}
