package pool_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestCloseShutdownStorm: many goroutines Close and Shutdown (some
// with expired contexts, some twice) while others submit, Resize and the
// sweep runs; the pool must close, and its counts add up.
func TestCloseShutdownStorm(t *testing.T) {
	for i := range 200 {
		q := []int{0, 1, 4}[i%3]
		p := newPool(t, 1+i%5, pool.QueueSize(q), pool.KeepAlive(time.Millisecond))
		var wg sync.WaitGroup
		for s := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range 30 {
					switch (s + k) % 5 {
					case 0:
						_ = p.Go(func() { time.Sleep(time.Microsecond) })
					case 1:
						pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) { return 0, nil })
					case 2:
						_ = p.TryGo(func() {})
					case 3:
						_ = p.Resize(1 + (s+k)%4)
					case 4:
						ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
						_ = p.GoContext(ctx, func() {})
						cancel()
					}
				}
			}()
		}
		for c := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(c) * 100 * time.Microsecond)
				switch c % 3 {
				case 0:
					p.Close()
				case 1:
					ctx, cancel := context.WithCancel(context.Background())
					cancel()
					_ = p.Shutdown(ctx)
					_ = p.Shutdown(ctx)
				case 2:
					ctx, cancel := context.WithTimeout(context.Background(), 50*time.Microsecond)
					_ = p.Shutdown(ctx)
					cancel()
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("iteration %d: hung", i)
		}
		<-p.Done()
		m := checkInvariant(t, p)
		if m.Workers != 0 || m.Idle != 0 || m.Queued != 0 || m.Running != 0 {
			t.Fatalf("iteration %d: after close %+v", i, m)
		}
	}
}
