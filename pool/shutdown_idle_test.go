package pool_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestIdleShutdownWithDoneCtxIsNil: Shutdown of a pool with nothing
// queued or running returns nil even with a ctx that is already done. It
// returned "dropped 0 queued items; all running items returned" whenever
// the pool had idle workers: they had not taken their stop items yet when
// Shutdown looked, so it took the pool for busy.
func TestIdleShutdownWithDoneCtxIsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		use  func(p *pool.Pool) error
	}{
		{"new", func(*pool.Pool) error { return nil }},
		{"after tasks", func(p *pool.Pool) error {
			for range 4 {
				if _, err := pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 1, nil }).Await(context.Background()); err != nil {
					return err
				}
			}
			return nil
		}},
		{"after Go jobs", func(p *pool.Pool) error {
			done := make(chan struct{}, 4)
			for range 4 {
				if err := p.Go(func() { done <- struct{}{} }); err != nil {
					return err
				}
			}
			for range 4 {
				<-done
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 100
			errs := 0
			var last error
			for range n {
				p, err := pool.New(4)
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.use(p); err != nil {
					t.Fatal(err)
				}
				if err := p.Shutdown(ctx); err != nil {
					errs, last = errs+1, err
				}
			}
			if errs != 0 {
				t.Errorf("Shutdown of an idle pool with a done ctx: %d of %d calls returned an error (last: %v); want nil", errs, n, last)
			}
		})
	}
}

// TestSecondShutdownCountsItsOwnDrops: ShutdownError.Dropped counts what
// that call dropped. A second Shutdown, with the queue already dropped by
// the first and one Go job still running, reported the first one's drops
// as its own.
func TestSecondShutdownCountsItsOwnDrops(t *testing.T) {
	p, err := pool.New(1, pool.QueueSize(10), pool.ShutdownGrace(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	if err := p.Go(func() { close(started); <-release }); err != nil {
		t.Fatal(err)
	}
	<-started
	const queued = 6
	for range queued {
		if err := p.Go(func() {}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i, want := range []struct{ dropped, running int }{{queued, 1}, {0, 1}} {
		var se *pool.ShutdownError
		if err := p.Shutdown(ctx); !errors.As(err, &se) {
			t.Fatalf("Shutdown %d = %v; want a *ShutdownError", i+1, err)
		}
		if se.Dropped != want.dropped || se.Running != want.running {
			t.Errorf("Shutdown %d: dropped %d, running %d; want %d, %d", i+1, se.Dropped, se.Running, want.dropped, want.running)
		}
	}
	close(release)
	p.Close()
}

// TestMetricsWaiting: Metrics.Waiting counts the submitters blocked for
// room in a full queue at the limit, and drops to 0 once they are in.
func TestMetricsWaiting(t *testing.T) {
	tests := []struct {
		name   string
		submit func(p *pool.Pool)
	}{
		{"Go", func(p *pool.Pool) { _ = p.Go(func() {}) }},
		{"GoContext", func(p *pool.Pool) { _ = p.GoContext(context.Background(), func() {}) }},
		{"Submit", func(p *pool.Pool) {
			pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 0, nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, gate := fullPool(t)
				var wg sync.WaitGroup
				for range 3 {
					wg.Go(func() { tt.submit(p) })
				}
				synctest.Wait()
				if got := p.Metrics().Waiting; got != 3 {
					t.Errorf("Waiting = %d with 3 submitters blocked; want 3", got)
				}
				close(gate)
				wg.Wait()
				if got := p.Metrics().Waiting; got != 0 {
					t.Errorf("Waiting = %d once every submitter is in; want 0", got)
				}
			})
		})
	}
}

// TestMaxWaiting: with MaxWaiting(2), two submitters wait for room and a
// third fails at once with ErrFull, counted as rejected, whichever way it
// submits; once room comes, the two waiting get in.
func TestMaxWaiting(t *testing.T) {
	tests := []struct {
		name   string
		submit func(p *pool.Pool) error
	}{
		{"Go", func(p *pool.Pool) error { return p.Go(func() {}) }},
		{"GoContext", func(p *pool.Pool) error { return p.GoContext(context.Background(), func() {}) }},
		{"Submit", func(p *pool.Pool) error {
			_, err := pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 0, nil }).Await(context.Background())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, gate := fullPool(t, pool.MaxWaiting(2))
				errs := make(chan error, 2)
				for range 2 {
					go func() { errs <- tt.submit(p) }()
				}
				synctest.Wait()
				before := p.Metrics().Rejected
				if err := tt.submit(p); !errors.Is(err, pool.ErrFull) {
					t.Errorf("a third submitter: %v; want ErrFull at once", err)
				}
				if got := p.Metrics().Rejected - before; got != 1 {
					t.Errorf("Rejected grew by %d; want 1", got)
				}
				close(gate)
				for range 2 {
					if err := <-errs; err != nil {
						t.Errorf("a waiting submitter: %v; want nil", err)
					}
				}
			})
		})
	}
	if _, err := pool.New(1, pool.MaxWaiting(-1)); !errors.Is(err, pool.ErrInvalid) {
		t.Errorf("MaxWaiting(-1): %v; want ErrInvalid", err)
	}
}

// fullPool returns a pool of one worker and a queue of one place, both
// taken, in a synctest bubble, closed when t ends: its worker runs until
// gate is closed, and the next submitter must wait for room.
func fullPool(t *testing.T, opts ...pool.Option) (p *pool.Pool, gate chan struct{}) {
	t.Helper()
	p, err := pool.New(1, append([]pool.Option{pool.QueueSize(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	gate = make(chan struct{})
	_ = p.Go(func() { <-gate }) // the worker
	_ = p.Go(func() {})         // the queue's one place
	synctest.Wait()
	return p, gate
}
