package pool

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestNeverRanErrors: the errors of work that never ran repeated
// themselves: a task that Shutdown dropped read "pool: shut down before
// the task ran: task: cancelled before it started: context canceled", and
// one whose context had ended "pool: queue: task: cancelled before it
// started: context canceled". Each says it once now, and still matches
// every error it matched.
func TestNeverRanErrors(t *testing.T) {
	cause := errors.New("the cause")
	ended := func(ctx context.Context, cancel context.CancelFunc) context.Context { cancel(); return ctx }
	cases := []struct {
		name string
		err  func(t *testing.T) error
		want string
		is   []error
	}{
		{
			name: "dropped by Shutdown",
			err: func(t *testing.T) (err error) {
				synctest.Test(t, func(t *testing.T) {
					p, perr := New(1, QueueSize(4))
					if perr != nil {
						t.Fatal(perr)
					}
					Submit(context.Background(), p, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
					q := Submit(context.Background(), p, func(context.Context) (int, error) { return 1, nil })
					synctest.Wait()
					ctx, cancel := context.WithTimeout(t.Context(), time.Second)
					defer cancel()
					_ = p.Shutdown(ctx)
					_, err, _ = q.Result()
				})
				return err
			},
			want: "pool: shut down before the task ran",
			is:   []error{ErrShutdown, task.ErrNotStarted, context.Canceled},
		},
		{
			name: "queue, cancelled",
			err: func(*testing.T) error {
				return notStartedError("queue", ended(context.WithCancel(context.Background())))
			},
			want: "pool: queue: cancelled before the task ran: context canceled",
			is:   []error{task.ErrNotStarted, context.Canceled},
		},
		{
			name: "queue, cancelled with a cause",
			err: func(*testing.T) error {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(cause)
				return notStartedError("queue", ctx)
			},
			want: "pool: queue: cancelled before the task ran: context canceled (the cause)",
			is:   []error{task.ErrNotStarted, context.Canceled, cause},
		},
		{
			name: "submit, deadline",
			err: func(*testing.T) error {
				return notStartedError("submit", ended(context.WithDeadline(context.Background(), time.Unix(0, 0))))
			},
			want: "pool: submit: cancelled before the task ran: context deadline exceeded",
			is:   []error{task.ErrNotStarted, context.DeadlineExceeded},
		},
		{
			name: "GoContext waiting for room, deadline with a cause",
			err: func(t *testing.T) (err error) {
				synctest.Test(t, func(t *testing.T) {
					p, perr := New(1, QueueSize(1))
					if perr != nil {
						t.Fatal(perr)
					}
					defer p.Close()
					release := make(chan struct{})
					defer close(release)
					for range 2 { // one runs, one fills the queue
						if err := p.Go(func() { <-release }); err != nil {
							t.Fatal(err)
						}
						synctest.Wait()
					}
					ctx, cancel := context.WithTimeoutCause(t.Context(), time.Second, cause)
					defer cancel()
					err = p.GoContext(ctx, func() {})
				})
				return err
			},
			want: "pool: go: cancelled before the job ran: context deadline exceeded (the cause)",
			is:   []error{task.ErrNotStarted, context.DeadlineExceeded, cause},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err(t)
			if err == nil {
				t.Fatal("got no error")
			}
			if got := err.Error(); got != c.want {
				t.Errorf("error = %q; want %q", got, c.want)
			}
			for _, want := range c.is {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not match %v; want it to", err, want)
				}
			}
			if errors.Is(err, ErrShutdown) != errors.Is(c.is[0], ErrShutdown) {
				t.Errorf("errors.Is(%q, ErrShutdown) = %v; want %v", err, !errors.Is(c.is[0], ErrShutdown), errors.Is(c.is[0], ErrShutdown))
			}
		})
	}
}

// TestNeverRanErrorsAllocs: building the error of work whose context
// ended costs 1 allocation, with a cause or without; the fmt.Errorf it
// replaced cost 5 and 6. (Shutdown's, errShutdownAbort, is made once.)
func TestNeverRanErrorsAllocs(t *testing.T) {
	cause := errors.New("the cause")
	plain, cancel := context.WithCancel(context.Background())
	cancel()
	withCause, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(cause)
	cases := []struct {
		name string
		ctx  context.Context
		most float64
	}{{"no cause", plain, 1}, {"cause", withCause, 1}}
	for _, c := range cases {
		var sink error
		got := testing.AllocsPerRun(100, func() { sink = notStartedError("queue", c.ctx) })
		if got > c.most {
			t.Errorf("%s: notStartedError allocates %v times; want at most %v", c.name, got, c.most)
		}
		_ = sink
	}
}

// BenchmarkNotStartedError builds the error of work whose context ended
// with a cause, as a queued task or a waiting Submit does, and matches it.
func BenchmarkNotStartedError(b *testing.B) {
	b.ReportAllocs()
	cause := errors.New("the cause")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	for b.Loop() {
		err := notStartedError("queue", ctx)
		if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, cause) {
			b.Fatal(err)
		}
	}
}
