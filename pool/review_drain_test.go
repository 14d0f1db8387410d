package pool_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestReviewDrainStress closes or shuts down pools while work, nested
// submissions, Resize and the keep-alive sweep are in flight, and checks
// that Close and Shutdown always return and the counts balance.
func TestReviewDrainStress(t *testing.T) {
	rounds := 1500
	if testing.Short() {
		rounds = 150
	}
	const goroutines = 4
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for gi := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(gi), 7))
			for i := range rounds {
				limit := 1 + rng.IntN(8)
				opts := []pool.Option{pool.QueueSize(rng.IntN(4))}
				if rng.IntN(2) == 0 {
					opts = append(opts, pool.KeepAlive(time.Duration(1+rng.IntN(20))*time.Microsecond))
				}
				p, err := pool.New(limit, opts...)
				if err != nil {
					errs <- err
					return
				}
				jobs := rng.IntN(30)
				ctx := context.Background()
				for range jobs {
					switch rng.IntN(3) {
					case 0:
						_ = p.Go(func() {})
					case 1:
						pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
							pool.Submit(ctx, p, func(context.Context) (int, error) { return 1, nil }) // nested
							return 0, nil
						})
					default:
						d := time.Duration(rng.IntN(20)) * time.Microsecond
						_ = p.Go(func() { time.Sleep(d) })
					}
				}
				resized := make(chan struct{})
				resize, size := rng.IntN(2) == 0, 1+rng.IntN(8)
				go func() {
					defer close(resized)
					if resize {
						_ = p.Resize(size)
					}
				}()
				closed := make(chan error, 1)
				shutdown := rng.IntN(2) == 0
				grace := time.Duration(rng.IntN(50)) * time.Microsecond
				go func() {
					if shutdown {
						sctx, cancel := context.WithTimeout(ctx, grace)
						defer cancel()
						closed <- p.Shutdown(sctx)
						return
					}
					p.Close()
					closed <- nil
				}()
				select {
				case err := <-closed:
					// A Shutdown whose grace ran out (a loaded machine can
					// keep even an idle worker from its stop message for
					// 100 ms) leaves workers behind, still the pool's: wait
					// for them.
					if err != nil {
						select {
						case <-p.Done():
						case <-time.After(20 * time.Second): // a hang, not a timing
							errs <- fmt.Errorf("round %d (limit %d): Shutdown = %v, and the workers left behind never exited: Size %d, Metrics %+v", i, limit, err, p.Size(), p.Metrics())
							return
						}
					}
				case <-time.After(20 * time.Second): // a hang, not a timing
					errs <- fmt.Errorf("round %d (limit %d, shutdown %v): Close has not returned: Size %d, Metrics %+v", i, limit, shutdown, p.Size(), p.Metrics())
					return
				}
				<-resized
				m := p.Metrics()
				if m.Submitted != m.Completed+m.Failed+m.Panicked+m.Cancelled+m.Rejected || m.Running != 0 || m.Workers != 0 {
					errs <- fmt.Errorf("round %d: after Close, Metrics %+v: want balanced counts, nothing running, no workers", i, m)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
