package pool_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestDoorClosedWhenShutdownReturns checks that once Shutdown has
// returned, even at once with an ended ctx, the pool refuses new work
// with ErrClosed. Shutdown started the part of Close that closes the door
// on a goroutine of its own, and returned before it ran: a Go was then
// accepted with a nil error and dropped unrun, and a Resize returned nil
// (about 2,000 times in 2,000 on one P, in an audit), and a Submit's task
// was never resolved. On one P the goroutine never ran in time; on more it
// mostly did, so the test runs on one.
func TestDoorClosedWhenShutdownReturns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, tc := range []struct {
		name   string
		submit func(p *pool.Pool) error
	}{
		{"Go", func(p *pool.Pool) error { return p.Go(func() {}) }},
		{"GoContext", func(p *pool.Pool) error { return p.GoContext(context.Background(), func() {}) }},
		{"TryGo", func(p *pool.Pool) error { return p.TryGo(func() {}) }},
		{"TrySubmit", func(p *pool.Pool) error {
			_, err := pool.TrySubmit(context.Background(), p, func(context.Context) (int, error) { return 1, nil })
			return err
		}},
		{"Submit", func(p *pool.Pool) error {
			// Accepted, the task was never resolved: a guard, not a timing.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 1, nil }).Await(ctx)
			return err
		}},
		{"Resize", func(p *pool.Pool) error { return p.Resize(3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 20 { // the race it guards against went one way nearly every time
				p, err := pool.New(1, pool.ShutdownGrace(0))
				if err != nil {
					t.Fatal(err)
				}
				started, gate := make(chan struct{}), make(chan struct{})
				if err := p.Go(func() { close(started); <-gate }); err != nil {
					t.Fatal(err)
				}
				<-started
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_ = p.Shutdown(ctx) // returns at once: one item still runs
				err = tc.submit(p)
				close(gate)
				<-p.Done()
				if !errors.Is(err, pool.ErrClosed) {
					t.Fatalf("round %d: %s after Shutdown returned: got %v, want ErrClosed", i, tc.name, err)
				}
			}
		})
	}
}
