package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// TestPanicAfterFailureJoined: a panic that comes after another item
// already failed is joined to the first failure, not dropped. Map and
// ForEach used to keep the first error alone.
func TestPanicAfterFailureJoined(t *testing.T) {
	boom := errors.New("ordinary error")
	item := func(v int) error {
		if v == 0 {
			time.Sleep(time.Millisecond)
			return boom
		}
		time.Sleep(20 * time.Millisecond) // does not look at its ctx
		panic("stage: boom")              // a panic after the first failure
	}
	opts := []parallel.Option{parallel.Workers(2), parallel.ChunkSize(1)}
	tests := []struct {
		name string
		run  func() error
	}{
		{"Map", func() error {
			_, err := parallel.Map(context.Background(), []int{0, 1}, func(_ context.Context, v int) (int, error) {
				return v, item(v)
			}, opts...)
			return err
		}},
		{"ForEach", func() error {
			return parallel.ForEach(context.Background(), []int{0, 1}, func(_ context.Context, v int) error {
				return item(v)
			}, opts...)
		}},
		{"MapReduce", func() error {
			_, err := parallel.MapReduce(context.Background(), []int{0, 1}, func(_ context.Context, c []int) (int, error) {
				return 0, item(c[0])
			}, func(a, b int) int { return a + b }, opts...)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := tt.run()
				var pe *task.PanicError
				if !errors.Is(err, boom) || !errors.As(err, &pe) {
					t.Errorf("%s = %v; want the error and the later panic, joined", tt.name, err)
				}
			})
		})
	}
}

// TestWorkersCapped: Workers far above the input cut it into chunks of
// one item and started a goroutine per item (1e6 items: 745 ms, 112 MB).
// Workers is now an upper bound: at most 64 × GOMAXPROCS calls run at
// once, and below that Workers(n) still runs n at once when the items
// wait. In fake time, with items that wait, every goroutine started is
// running a call at the peak.
func TestWorkersCapped(t *testing.T) {
	const n = 2000
	limit := 64 * runtime.GOMAXPROCS(0)
	tests := []struct {
		workers, want int
	}{
		{3, 3},
		{min(100, limit), min(100, limit)},
		{limit, limit},
		{10_000, limit},
		{1 << 30, limit},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d", tt.workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := ints(n)
				var pc peakCounter
				out, err := parallel.Map(context.Background(), in, func(_ context.Context, v int) (int, error) {
					pc.enter()
					time.Sleep(time.Millisecond)
					pc.leave()
					return v, nil
				}, parallel.Workers(tt.workers))
				if err != nil || len(out) != n || out[n-1] != n-1 {
					t.Fatalf("Map = %d results, %v; want %d, nil", len(out), err, n)
				}
				if got := int(pc.peak.Load()); got != tt.want {
					t.Errorf("calls at once: got %d, want %d", got, tt.want)
				}
			})
		})
	}
}
