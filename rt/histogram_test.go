package rt_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestQuantileBoundsLongWaits: Quantile is an upper bound for long waits
// too. Durations of 2^38 ns or more land in the last bucket, which used to
// report 2^39 ns (about 9m10s) as its bound; it is open now.
func TestQuantileBoundsLongWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		a := rt.Spawn(r, ctx, func(context.Context) (int, error) { time.Sleep(time.Hour); return 0, nil }) // holds the slot 1h
		synctest.Wait()
		b := rt.Spawn(r, ctx, func(context.Context) (int, error) { return 0, nil }) // waits 1h for it
		_, _ = a.Await(ctx)
		_, _ = b.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if q := r.Metrics().SlotWait.Quantile(1); q < time.Hour {
			t.Errorf("a task waited 1h for a slot; SlotWait.Quantile(1) = %v, documented as an upper bound", q)
		}
	})
}

// TestHistogramMean: Mean is Sum / Count, as pool.Histogram's, and 0 for
// an empty histogram.
func TestHistogramMean(t *testing.T) {
	tests := []struct {
		name string
		h    rt.Histogram
		want time.Duration
	}{
		{"empty", rt.Histogram{}, 0},
		{"one", rt.Histogram{Buckets: []rt.Bucket{{Below: 2 * time.Second, Count: 1}}, Sum: 1500 * time.Millisecond}, 1500 * time.Millisecond},
		{"three buckets", rt.Histogram{Buckets: []rt.Bucket{{Below: 1, Count: 2}, {Below: 1024, Count: 1}, {Below: 1 << 20, Count: 1}}, Sum: 1000 + 1<<19}, (1000 + 1<<19) / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Mean(); got != tt.want {
				t.Errorf("Mean() = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestSlotHistogramsSumMean: SlotWait and SlotHold carry the sum of the
// durations they count, so Mean is the mean wait and the mean (sampled)
// hold. k tasks on one slot each hold it for d (time.Sleep keeps the
// slot), all spawned at once: the i-th waits i×d, so the waits sum to
// k(k-1)/2×d; every hold lasts d. One hold in 8 is sampled, at random:
// of 200, none is with a chance of (7/8)^200, about 3e-12.
func TestSlotHistogramsSumMean(t *testing.T) {
	tests := []struct {
		k int
		d time.Duration
	}{
		{2, time.Millisecond},
		{8, time.Second},
		{16, time.Hour},
		{200, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d tasks holding %v", tt.k, tt.d), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				tasks := make([]*task.Task[int], tt.k)
				for i := range tasks {
					tasks[i] = rt.Spawn(r, ctx, func(context.Context) (int, error) { time.Sleep(tt.d); return 0, nil })
				}
				for _, tk := range tasks {
					if _, err := tk.Await(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if err := r.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				m := r.Metrics()
				wantWait := time.Duration(tt.k*(tt.k-1)/2) * tt.d
				if w := m.SlotWait; w.Count() != uint64(tt.k) || w.Sum != wantWait || w.Mean() != wantWait/time.Duration(tt.k) {
					t.Errorf("SlotWait: Count %d, Sum %v, Mean %v; want %d, %v, %v", w.Count(), w.Sum, w.Mean(), tt.k, wantWait, wantWait/time.Duration(tt.k))
				}
				h := m.SlotHold
				if h.Sum != time.Duration(h.Count())*tt.d || h.Count() > 0 && h.Mean() != tt.d {
					t.Errorf("SlotHold: Count %d, Sum %v, Mean %v; want each hold sampled to be of %v", h.Count(), h.Sum, h.Mean(), tt.d)
				}
				if tt.k >= 200 && h.Count() == 0 {
					t.Errorf("SlotHold: no hold of %d sampled; want about 1 in 8", tt.k)
				}
			})
		})
	}
}
