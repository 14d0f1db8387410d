package chans_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/chans"
)

func TestBatchBySize(t *testing.T) {
	tests := []struct {
		n, size int
		want    [][]int
	}{
		{0, 3, nil},
		{1, 3, [][]int{{0}}},
		{6, 3, [][]int{{0, 1, 2}, {3, 4, 5}}},
		{7, 3, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}},
		{3, 1, [][]int{{0}, {1}, {2}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d,size=%d", tt.n, tt.size), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				got := collect(chans.Batch(ctx, produce(ctx, ints(0, tt.n)...), tt.size, time.Hour))
				if !slices.EqualFunc(got, tt.want, slices.Equal) {
					t.Errorf("Batch = %v; want %v", got, tt.want)
				}
			})
		})
	}
}

func TestBatchByTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		in := make(chan int)
		out := chans.Batch(ctx, in, 10, time.Second)
		in <- 1
		time.Sleep(500 * time.Millisecond)
		in <- 2
		time.Sleep(499 * time.Millisecond) // 1 ns before the deadline
		synctest.Wait()
		select {
		case b := <-out:
			t.Fatalf("batch %v sent before maxWait", b)
		default:
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		select {
		case b := <-out:
			if !slices.Equal(b, []int{1, 2}) {
				t.Errorf("batch = %v; want [1 2]", b)
			}
		default:
			t.Fatalf("no batch once maxWait passed since the first value")
		}
		// The clock restarts with the next batch's first value.
		start := time.Now()
		in <- 3
		b := <-out
		if el := time.Since(start); !slices.Equal(b, []int{3}) || el != time.Second {
			t.Errorf("second batch = %v after %v; want [3] after 1s", b, el)
		}
		close(in)
		if b, ok := <-out; ok {
			t.Errorf("got batch %v after close; want closed", b)
		}
	})
}

func TestBatchCancelDropsPartial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		in := make(chan int) // never closed
		out := chans.Batch(ctx, in, 10, time.Hour)
		in <- 1
		cancel()
		if b, ok := <-out; ok {
			t.Errorf("got batch %v after cancel; want closed", b)
		}
	})
}

func TestBatchBlockedSendCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		in := make(chan int)
		out := chans.Batch(ctx, in, 1, time.Hour)
		in <- 1 // the batch is full and waits for a reader that never comes
		synctest.Wait()
		cancel()
		if b, ok := <-out; ok && b == nil {
			t.Errorf("got a nil batch")
		}
		for range out {
		}
	})
}

func TestBatchBadArgs(t *testing.T) {
	in := make(chan int)
	mustPanic(t, func() { chans.Batch(context.Background(), in, 0, time.Second) })
	mustPanic(t, func() { chans.Batch(context.Background(), in, 1, 0) })
	mustPanic(t, func() { chans.Batch(context.Background(), in, 1, -time.Second) })
}
