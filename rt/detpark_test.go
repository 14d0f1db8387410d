package rt

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestDetectorParksWhenIdle checks that the detector stops looking once no
// task has held a slot for a threshold, and that a task taking a slot
// wakes it in time to report a blocking hold, between 1 and 1.25
// thresholds after the hold began, as when it never parked.
func TestDetectorParksWhenIdle(t *testing.T) {
	const thr = 100 * time.Millisecond
	tests := []struct {
		name     string
		blockFor time.Duration // how long a task holds its slot after the idle spell; 0: no task
	}{
		{name: "idle from the start"},
		{name: "blocking task after the idle spell", blockFor: time.Second},
		{name: "short task after the idle spell", blockFor: time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var reports atomic.Int64
				var held atomic.Int64
				r, err := New(Workers(2), DetectBlocking(thr), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
					OnBlocking(func(b BlockingReport) { reports.Add(1); held.Store(int64(b.Held)) }))
				if err != nil {
					t.Fatal(err)
				}
				defer r.Shutdown(context.Background())

				time.Sleep(10 * time.Second) // idle: at most parkAfter looks, then none
				synctest.Wait()
				if !r.detParked.Load() {
					t.Fatalf("after 10s idle: detector not parked")
				}
				if got := r.scans.Load(); got > parkAfter+1 {
					t.Errorf("after 10s idle: %d looks; want at most %d (it looks every %v until it parks)", got, parkAfter+1, thr/4)
				}
				if tc.blockFor == 0 {
					return
				}
				before := r.scans.Load()
				_, err = Spawn(r, context.Background(), func(context.Context) (int, error) {
					time.Sleep(tc.blockFor) // holds the slot
					return 0, nil
				}).Await(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(thr / 4) // the woken detector looks within a period
				synctest.Wait()
				if got := r.scans.Load() - before; got == 0 {
					t.Errorf("a task held a slot for %v: no look since; want the detector woken", tc.blockFor)
				}
				wantReports := int64(0)
				if tc.blockFor > thr*5/4 {
					wantReports = 1
				}
				if got := reports.Load(); got != wantReports {
					t.Errorf("reports = %d; want %d", got, wantReports)
				}
				if h := time.Duration(held.Load()); wantReports == 1 && (h < thr || h > thr*5/4) {
					t.Errorf("Held = %v; want between %v and %v", h, thr, thr*5/4)
				}
				time.Sleep(10 * time.Second)
				synctest.Wait()
				if !r.detParked.Load() {
					t.Errorf("after the task and 10s idle: detector not parked")
				}
				after := r.scans.Load()
				time.Sleep(10 * time.Second)
				synctest.Wait()
				if got := r.scans.Load() - after; got != 0 {
					t.Errorf("parked for 10s more: %d looks; want 0", got)
				}
			})
		})
	}
}
