package parallel_test

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

func naturals() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

// After the consumer cancels ctx, MapOrdered should yield a ctx error and stop
// soon; count how many more values it yields.
func TestMapOrderedStopsSoonAfterCancel(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		ctx, cancel := context.WithCancel(context.Background())
		n, after := 0, 0
		sawCtxErr := false
		for _, err := range parallel.MapOrdered(ctx, naturals(), workers, func(ctx context.Context, v int) (int, error) {
			return v, nil // ignores ctx: CPU work
		}) {
			n++
			if n == 10 {
				cancel()
			}
			if n > 10 {
				after++
			}
			if err != nil && errors.Is(err, context.Canceled) {
				sawCtxErr = true
				break
			}
			if after > 100000 {
				break
			}
		}
		cancel()
		t.Logf("workers=%d: values after cancel: %d, ctx err seen: %v", workers, after, sawCtxErr)
		if after > 1000 {
			t.Errorf("workers=%d: %d values yielded after ctx was cancelled", workers, after)
		}
	}
}

func TestReduceSmall(t *testing.T) {
	ctx := context.Background()
	v, err := parallel.Reduce(ctx, []int{}, func(a, b int) int { return a + b })
	if v != 0 || err != nil {
		t.Fatal(v, err)
	}
	v, err = parallel.Reduce(ctx, []int{7}, func(a, b int) int { panic("x") })
	if v != 7 || err != nil {
		t.Fatal(v, err)
	}
	for n := 1; n < 300; n++ {
		in := make([]int, n)
		for i := range in {
			in[i] = i
		}
		for _, opts := range [][]parallel.Option{nil, {parallel.Workers(3)}, {parallel.ChunkSize(7), parallel.Workers(2)}, {parallel.ChunkSize(1)}} {
			v, err := parallel.Reduce(ctx, in, func(a, b int) int { return a + b }, opts...)
			if err != nil || v != n*(n-1)/2 {
				t.Fatal(n, v, err)
			}
			var calls atomic.Int64
			out, err := parallel.Map(ctx, in, func(_ context.Context, x int) (int, error) { calls.Add(1); return x * 2, nil }, opts...)
			if err != nil || calls.Load() != int64(n) {
				t.Fatal(err, calls.Load())
			}
			for i := range out {
				if out[i] != 2*i {
					t.Fatal(i)
				}
			}
		}
	}
}

func TestMapItemErrorIndexHelpers(t *testing.T) {
	ctx := context.Background()
	in := make([]int, 5000)
	for i := range in {
		in[i] = i
	}
	for _, bad := range []int{0, 63, 64, 65, 2500, 4999} {
		for _, panics := range []bool{false, true} {
			_, err := parallel.Map(ctx, in, func(_ context.Context, x int) (int, error) {
				if x < 100 {
					time.Sleep(time.Microsecond)
				}
				if x == bad {
					if panics {
						panic("boom")
					}
					return 0, errors.New("bad")
				}
				return x, nil
			}, parallel.ChunkSize(10))
			var ie *parallel.ItemError
			if !errors.As(err, &ie) || ie.Index != bad {
				t.Fatalf("bad=%d panics=%v: %v", bad, panics, err)
			}
			var pe *task.PanicError
			if panics != errors.As(err, &pe) {
				t.Fatalf("panic typed: %v", err)
			}
			if panics && len(pe.Stack) == 0 {
				t.Fatal("no stack")
			}
		}
	}
}

// TestMapOrderedConsumerPanic: when the consumer's loop body panics, the
// iterator cancels and waits for its calls in flight before the panic goes
// on: synctest.Test fails if any goroutine of the bubble is left blocked.
func TestMapOrderedConsumerPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		defer func() {
			if v := recover(); v != "consumer" {
				t.Errorf("recovered %v; want the consumer's panic", v)
			}
		}()
		for range parallel.MapOrdered(context.Background(), naturals(), 3, func(ctx context.Context, v int) (int, error) {
			time.Sleep(time.Millisecond)
			return v, nil
		}) {
			panic("consumer")
		}
	})
}

// A slow head value with workers=1 (window 2) must not deadlock.
func TestMapOrderedSmallWindow(t *testing.T) {
	for w := 1; w <= 3; w++ {
		var got []int
		seq := func(yield func(int) bool) {
			for i := range 50 {
				if !yield(i) {
					return
				}
			}
		}
		for v, err := range parallel.MapOrdered(context.Background(), seq, w, func(ctx context.Context, v int) (int, error) {
			if v%7 == 0 {
				time.Sleep(200 * time.Microsecond)
			}
			if v%11 == 0 {
				runtime.Goexit()
			}
			return v, nil
		}) {
			if err == nil {
				got = append(got, v)
			}
		}
		want := 0
		for i := range 50 {
			if i%11 != 0 {
				want++
			}
		}
		if len(got) != want {
			t.Fatal(w, len(got))
		}
	}
}
