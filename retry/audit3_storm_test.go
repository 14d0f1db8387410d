package retry_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/retry"
)

// TestAudit3AfterWithJitterSpreads: many clients fail together and the
// server tells each of them Retry-After: 1s (retry.After). With jitter
// turned on, which the package doc says to do "when many clients may fail
// at the same moment", they must not all come back at the same instant,
// and none may come back before the second the server asked for, nor more
// than a tenth of it later, nor after MaxAfter. A delay asked with After
// used to replace the jittered back-off outright: every client retried
// exactly 1s later, a synchronised storm, whatever the Jitter; then it
// had the whole jittered back-off added, waiting up to 9.6s for a 1s
// Retry-After. Without jitter, After's delay is kept exactly.
func TestAudit3AfterWithJitterSpreads(t *testing.T) {
	const (
		clients = 100
		after   = time.Second
		base    = 100 * time.Millisecond // the first delay of the schedules below
	)
	exp := retry.Exponential(base, 10*time.Second)
	tests := []struct {
		name         string
		give         retry.Schedule
		ask          time.Duration // the delay asked with After
		maxAfter     time.Duration // 0: the default
		lo, hi       time.Duration // bounds of the second attempt's start
		wantDistinct int           // at least this many distinct start times
	}{
		{"no jitter", exp, after, 0, after, after, 1},
		{"full jitter", exp.Jitter(retry.FullJitter), after, 0, after, after + after/10, clients / 2},
		{"equal jitter", exp.Jitter(retry.EqualJitter), after, 0, after, after + after/10, clients / 2},
		{"decorrelated jitter", exp.Jitter(retry.DecorrelatedJitter), after, 0, after, after + after/10, clients / 2},
		{"spread", exp.Spread(0.5), after, 0, after, after + after/10, clients / 2},
		{"spread within MaxAfter", exp.Jitter(retry.FullJitter), after, after + after/20, after, after + after/20, clients / 2},
		{"capped by MaxAfter", exp.Jitter(retry.FullJitter), time.Hour, after, after - after/10, after, clients / 2},
		{"capped without jitter", exp, time.Hour, after, after, after, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ask := tt.ask
				opts := []retry.Option{retry.Backoff(tt.give), retry.MaxAttempts(2)}
				if tt.maxAfter > 0 {
					opts = append(opts, retry.MaxAfter(tt.maxAfter))
				}
				var (
					mu     sync.Mutex
					starts = map[time.Duration]int{}
					wg     sync.WaitGroup
				)
				start := time.Now()
				for i := range clients {
					wg.Go(func() {
						_, _ = retry.Do(t.Context(), func(ctx context.Context, attempt int) (int, error) {
							if attempt == 2 {
								mu.Lock()
								starts[time.Since(start)]++
								mu.Unlock()
							}
							return 0, retry.After(ask, errBoom)
						}, slices.Concat(opts, []retry.Option{retry.Seed(uint64(i))})...)
					})
				}
				wg.Wait()
				for at, n := range starts {
					if at < tt.lo || at > tt.hi {
						t.Errorf("%d clients retried at %v; want in [%v, %v]", n, at, tt.lo, tt.hi)
					}
				}
				if got := len(starts); got < tt.wantDistinct {
					t.Errorf("%d clients told Retry-After %v retried at %d distinct times (%v); want at least %d", clients, ask, got, starts, tt.wantDistinct)
				}
			})
		})
	}
}
