package task_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// TestMutFailFastListsPanicsAfterTrip: in a FailFast group's Wait, a task
// that panicked after the failure is listed, even if the panic value
// matches context.Canceled: only errors that are not panics count in the
// summary.
func TestMutFailFastListsPanicsAfterTrip(t *testing.T) {
	boom := errors.New("boom")
	bg := context.Background()
	cases := []struct {
		name  string
		value func(ctx context.Context) any
	}{
		{"panic(ctx.Err())", func(ctx context.Context) any { return ctx.Err() }},
		{"panic(context.Cause(ctx))", func(ctx context.Context) any { return context.Cause(ctx) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := task.NewGroup[int](bg, task.FailFast())
			defer g.Close()
			started := make(chan struct{})
			g.Go(bg, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				panic(tc.value(ctx))
			})
			<-started
			g.Go(bg, func(context.Context) (int, error) { return 0, boom })
			_, err := g.Wait(bg)
			if !errors.Is(err, boom) {
				t.Errorf("Wait = %v; want it to match the failure", err)
			}
			if _, ok := errors.AsType[*task.PanicError](err); !ok {
				t.Errorf("Wait = %v; want the *PanicError listed", err)
			}
		})
	}
}

// TestMutSummaryCounts: the summary lines of All and of a FailFast
// group's Wait write their counts with thousands separators, and none
// before the first digit.
func TestMutSummaryCounts(t *testing.T) {
	boom := errors.New("boom")
	bg := context.Background()
	blocked := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
	for _, n := range []int{1, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			word := map[bool]string{true: "task", false: "tasks"}[n == 1]
			num := map[int]string{1: "1", 100: "100", 1000: "1,000"}[n]

			ts := []*task.Task[int]{task.Go(bg, func(context.Context) (int, error) { return 0, boom })}
			for range n {
				ts = append(ts, task.Go(bg, blocked))
			}
			_, err := task.All(bg, ts...)
			if want := fmt.Sprintf("task: all: %s more %s cancelled after the failure", num, word); !strings.Contains(err.Error(), want) {
				t.Errorf("All = %q; want it to contain %q", err, want)
			}

			g := task.NewGroup[int](bg, task.FailFast())
			defer g.Close()
			for range n {
				g.Go(bg, blocked)
			}
			g.Go(bg, func(context.Context) (int, error) { return 0, boom })
			_, err = g.Wait(bg)
			if want := fmt.Sprintf("task: %s more %s cancelled or not started after the group failed", num, word); !strings.Contains(err.Error(), want) {
				t.Errorf("Wait = %q; want it to contain %q", err, want)
			}
		})
	}
}

// TestMutFailFastRefusalWakesWaiters: a FailFast group tripped by a
// refused submission (a Go whose ctx had ended) fails the submitters
// blocked on the limit at once, while the running task that holds the
// place ignores its context.
func TestMutFailFastRefusalWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		g := task.NewGroup[int](bg, task.FailFast(), task.Limit(1))
		defer g.Close()
		release := make(chan struct{})
		g.Go(bg, func(context.Context) (int, error) { <-release; return 1, nil }) // ignores ctx
		waiter := make(chan *task.Task[int], 1)
		go func() { waiter <- g.Go(bg, func(context.Context) (int, error) { return 2, nil }) }()
		synctest.Wait() // the waiter waits for the place

		ended, cancel := context.WithCancel(bg)
		cancel()
		g.Go(ended, func(context.Context) (int, error) { return 3, nil }) // refused: trips the group
		synctest.Wait()
		select {
		case w := <-waiter:
			if _, err := w.Await(bg); !errors.Is(err, task.ErrNotStarted) {
				t.Errorf("waiter's err = %v; want the group's failure (ErrNotStarted)", err)
			}
		default:
			t.Errorf("the waiter still waits for a place after the group failed; want it refused at once")
		}
		close(release)
		if len(waiter) > 0 {
			(<-waiter).Await(bg)
		}
	})
}
