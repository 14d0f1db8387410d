package pool_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestShutdownErrorCauseAndText: Shutdown's error matched ctx's error but
// not its cause (context.WithTimeoutCause, WithCancelCause), which the
// error it replaced, fmt.Errorf("pool: shutdown: %w", context.Cause(ctx)),
// matched; and its text said "dropped 1 queued items" and "1 items still
// running".
func TestShutdownErrorCauseAndText(t *testing.T) {
	cause := errors.New("the cause")
	cases := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		stuck   int  // items that ignore their context
		waiting bool // an item that returns when cancelled holds a worker
		queued  int
		want    string
		is      []error
	}{
		{
			name: "plain ctx",
			ctx: func(parent context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(parent, time.Second)
			},
			stuck: 1, queued: 1,
			want: "pool: shutdown: context deadline exceeded: dropped 1 queued item; 1 item still running after 100ms, its worker left behind (Close or Done waits for it)",
			is:   []error{context.DeadlineExceeded},
		},
		{
			name: "WithTimeoutCause",
			ctx: func(parent context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeoutCause(parent, time.Second, cause)
			},
			stuck: 2, queued: 2,
			want: "pool: shutdown: context deadline exceeded (the cause): dropped 2 queued items; 2 items still running after 100ms, their workers left behind (Close or Done waits for them)",
			is:   []error{context.DeadlineExceeded, cause},
		},
		{
			name: "WithCancelCause",
			ctx: func(parent context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancelCause(parent)
				cancel(cause)
				return ctx, func() {}
			},
			waiting: true, queued: 1,
			want: "pool: shutdown: context canceled (the cause): dropped 1 queued item; all running items returned",
			is:   []error{context.Canceled, cause},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGate()
				defer g.open()
				n := max(c.stuck, 1)
				p := newPool(t, n, pool.QueueSize(8))
				busyWorkers(t, p, c.stuck, g)
				if c.waiting {
					pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
					synctest.Wait()
				}
				for range c.queued {
					if err := p.Go(func() { t.Error("a dropped item ran") }); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := c.ctx(t.Context())
				defer cancel()
				err := p.Shutdown(ctx)
				var se *pool.ShutdownError
				if !errors.As(err, &se) {
					t.Fatalf("Shutdown = %v; want a *pool.ShutdownError", err)
				}
				if got := err.Error(); got != c.want {
					t.Errorf("Shutdown = %q; want %q", got, c.want)
				}
				for _, want := range c.is {
					if !errors.Is(err, want) {
						t.Errorf("Shutdown = %v; want it to match %v", err, want)
					}
				}
				g.open()
				<-p.Done()
			})
		})
	}
}

// TestConcurrentShutdownsCountEachDropOnce: two Shutdowns with an expired
// context at once on a pool with queued tasks: their errors' Dropped add
// up to the tasks dropped. Each counted every drop of the window they
// shared, 16 for 8 tasks in about one round in six.
func TestConcurrentShutdownsCountEachDropOnce(t *testing.T) {
	const rounds, queued = 100, 8
	for round := range rounds {
		p, err := pool.New(1, pool.QueueSize(queued))
		if err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		pool.Submit(context.Background(), p, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done() // holds the only worker until Shutdown cancels it
			return 0, ctx.Err()
		})
		<-started
		var ts []*task.Task[int]
		for range queued {
			ts = append(ts, pool.Submit(context.Background(), p, func(context.Context) (int, error) { return 1, nil }))
		}
		expired, cancel := context.WithCancel(context.Background())
		cancel()
		var (
			wg    sync.WaitGroup
			drops [2]int
			gate  = make(chan struct{})
		)
		for i := range drops {
			wg.Go(func() {
				<-gate
				var se *pool.ShutdownError
				if err := p.Shutdown(expired); errors.As(err, &se) {
					drops[i] = se.Dropped
				}
			})
		}
		close(gate)
		wg.Wait()
		p.Close()
		dropped := 0
		for _, tk := range ts {
			if _, err := tk.Await(context.Background()); errors.Is(err, pool.ErrShutdown) {
				dropped++
			}
		}
		if got := drops[0] + drops[1]; got != dropped {
			t.Fatalf("round %d: Dropped %d + %d = %d; want the %d tasks dropped", round, drops[0], drops[1], got, dropped)
		}
	}
}
