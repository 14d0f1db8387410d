package pool_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestAudit3CloseRacingControlMessages: Close's drain (stop) waits while
// the pool is short and queued() says work is queued. Resize and the
// keep-alive sweep send a control message and then count it in ctlQ, so
// between the two queued() counted the message as work; a Close that
// looked then waited for a poke, and the idle worker that took the
// message exited (retired or expired) without one, while the other idle
// workers had poked before Close began: Close hung for good, with no work
// queued and no worker running. The window is a few instructions wide, so
// the test closes many pools while those messages fly; it fails within a
// few thousand under -race.
func TestAudit3CloseRacingControlMessages(t *testing.T) {
	cases := []struct {
		name   string
		opts   []pool.Option
		resize bool
	}{
		{name: "keep-alive sweep", opts: []pool.Option{pool.KeepAlive(4 * time.Microsecond)}},
		{name: "Resize down", resize: true},
		{name: "both", opts: []pool.Option{pool.KeepAlive(4 * time.Microsecond)}, resize: true},
	}
	const rounds, goroutines = 2000, 8
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range rounds {
						p, err := pool.New(64, c.opts...)
						if err != nil {
							errs <- err
							return
						}
						// Two workers, idle once both jobs have run.
						var both sync.WaitGroup
						both.Add(2)
						for range 2 {
							if err := p.Go(func() { both.Done(); both.Wait() }); err != nil {
								errs <- err
								return
							}
						}
						both.Wait()
						time.Sleep(time.Duration(i%20) * time.Microsecond) // vary where Close lands
						resized := make(chan struct{})
						go func() {
							defer close(resized)
							if c.resize {
								p.Resize(1)
							}
						}()
						closed := make(chan struct{})
						go func() { p.Close(); close(closed) }()
						select {
						case <-closed:
						case <-time.After(10 * time.Second): // a hang, not a timing
							errs <- fmt.Errorf("round %d: Close has not returned after 10 s: Size() = %d, Metrics().Queued = %d; want Close to return",
								i, p.Size(), p.Metrics().Queued)
							return // leaves the pool hung: goleak reports it too
						}
						<-resized
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
