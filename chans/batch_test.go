package chans_test

import (
	"context"
	"fmt"
	"math"
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

// A size meant as "flush on time only" reserved size values per batch:
// math.MaxInt crashed Batch's goroutine (makeslice: cap out of range), and
// 1<<24 allocated 128 MiB for a batch of one int.
func TestBatchHugeSize(t *testing.T) {
	for _, size := range []int{1 << 24, 1 << 30, math.MaxInt} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := make(chan int)
				out := chans.Batch(context.Background(), in, size, time.Second)
				for i := range 3 {
					in <- i
				}
				got := <-out // after maxWait
				if want := []int{0, 1, 2}; !slices.Equal(got, want) {
					t.Errorf("batch = %v; want %v", got, want)
				}
				if got, max := cap(got), 1024; got > max {
					t.Errorf("cap(batch) = %d; want at most %d (room for the values, not size)", got, max)
				}
				close(in)
				if b, ok := <-out; ok {
					t.Errorf("got batch %v after close; want closed", b)
				}
			})
		})
	}
}

// Batches larger than the initial room grow as values come, and once a
// batch has filled to size the next starts with room for size: one
// allocation per full batch.
func TestBatchGrows(t *testing.T) {
	tests := []struct{ n, size int }{
		{3*100 + 7, 100},
		{3*1000 + 1, 1000},
		{130, 65},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d,size=%d", tt.n, tt.size), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				var got [][]int
				for b := range chans.Batch(ctx, produce(ctx, ints(0, tt.n)...), tt.size, time.Hour) {
					if len(got) > 0 && len(b) == tt.size && cap(b) != tt.size {
						t.Errorf("batch %d: cap %d; want %d (the last batch was full)", len(got), cap(b), tt.size)
					}
					got = append(got, b)
				}
				var want [][]int
				for lo := 0; lo < tt.n; lo += tt.size {
					want = append(want, ints(lo, min(tt.size, tt.n-lo)))
				}
				if !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("got %d batches, lengths %v; want %d", len(got), lens(got), len(want))
				}
			})
		})
	}
}

func lens[T any](bs [][]T) []int {
	var ls []int
	for _, b := range bs {
		ls = append(ls, len(b))
	}
	return ls
}
