package parallel_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

func TestKeepGoingIndices(t *testing.T) {
	in := make([]int, 3000)
	for i := range in {
		in[i] = i
	}
	var calls atomic.Int64
	out, err := parallel.Map(context.Background(), in, func(_ context.Context, x int) (int, error) {
		calls.Add(1)
		if x < 50 {
			time.Sleep(time.Microsecond)
		}
		switch {
		case x%97 == 0:
			panic(x)
		case x%13 == 0:
			return 0, errors.New("e")
		}
		return x + 1, nil
	}, parallel.KeepGoing(), parallel.Workers(4), parallel.ChunkSize(3))
	if calls.Load() != 3000 {
		t.Fatal(calls.Load())
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	k := 0
	for i := range in {
		bad := i%97 == 0 || i%13 == 0
		if bad {
			ie := errs[k].(*parallel.ItemError)
			var pe *task.PanicError
			if ie.Index != i || (i%97 == 0) != errors.As(ie, &pe) {
				t.Fatalf("errs[%d] = %v; want index %d", k, ie, i)
			}
			k++
			if out[i] != 0 {
				t.Fatal(i)
			}
		} else if out[i] != i+1 {
			t.Fatal(i)
		}
	}
	if k != len(errs) {
		t.Fatal(k, len(errs))
	}
}

// TestCancelReachesHelpers: cancelling ctx ends every helper goroutine's
// call. In a synctest bubble, so the wait for two helpers to start runs on
// the bubble's clock.
func TestCancelReachesHelpers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		in := make([]int, 64)
		var started atomic.Int64
		errc := make(chan error, 1)
		go func() {
			errc <- parallel.ForEach(ctx, in, func(ctx context.Context, _ int) error {
				started.Add(1)
				<-ctx.Done()
				return ctx.Err()
			}, parallel.Workers(4), parallel.ChunkSize(1))
		}()
		for started.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
}
