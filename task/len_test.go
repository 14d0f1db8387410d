package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestGroupLen follows Len through a group's life: tasks count from Go
// until Next or Wait delivers their results, ended or not; a TryGo
// refused at the limit does not count, a Go refused after Close does.
func TestGroupLen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var zero task.Group[int]
		if got := zero.Len(); got != 0 {
			t.Errorf("zero Group: Len() = %d; want 0", got)
		}
		ctx := context.Background()
		g := task.NewGroup[int](ctx, task.Limit(2))
		defer g.Close()
		release := []chan struct{}{make(chan struct{}), make(chan struct{})}
		for i := range release {
			g.Go(ctx, func(context.Context) (int, error) { <-release[i]; return i, nil })
		}
		steps := []struct {
			name string
			do   func()
			want int
		}{
			{"two running", func() {}, 2},
			{"TryGo refused at the limit", func() { g.TryGo(func(context.Context) (int, error) { return 9, nil }) }, 2},
			{"one ended, not delivered", func() { close(release[0]); synctest.Wait() }, 2},
			{"Next delivered it", func() { g.Next(ctx) }, 1},
			{"the other ended and Wait delivered it", func() { close(release[1]); g.Wait(ctx) }, 0},
			{"Go after Close, refused", func() { g.Close(); g.Go(ctx, func(context.Context) (int, error) { return 3, nil }) }, 1},
			{"Wait delivered the refusal", func() { g.Wait(ctx) }, 0},
		}
		for _, s := range steps {
			s.do()
			if got := g.Len(); got != s.want {
				t.Errorf("after %s: Len() = %d; want %d", s.name, got, s.want)
			}
		}
	})
}

// TestGroupDroppedEndsWithItsContext: a group nobody closes, waits for or
// drains keeps its idle goroutines only until its context ends: its
// parent's cancel, or with FailFast a failure. (synctest fails a test
// that leaves goroutines blocked in its bubble.) A task submitted after
// that still runs, on a goroutine that ends with it.
func TestGroupDroppedEndsWithItsContext(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name     string
		failFast bool
		end      func(cancel context.CancelFunc, g *task.Group[int])
	}{
		{"parent cancelled", false, func(cancel context.CancelFunc, _ *task.Group[int]) { cancel() }},
		{"FailFast failure", true, func(_ context.CancelFunc, g *task.Group[int]) {
			g.Go(context.Background(), func(context.Context) (int, error) { return 0, boom })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var opts []task.GroupOption
				if c.failFast {
					opts = append(opts, task.FailFast())
				}
				g := task.NewGroup[int](ctx, opts...)
				for i := range 4 {
					g.Go(ctx, func(ctx context.Context) (int, error) { return i, task.Sleep(ctx, time.Millisecond) })
				}
				time.Sleep(2 * time.Millisecond)
				synctest.Wait() // the tasks have ended; their goroutines are parked
				c.end(cancel, g)
				synctest.Wait()
				if !c.failFast {
					if v, err := g.Go(context.Background(), func(context.Context) (int, error) { return 7, nil }).Await(context.Background()); v != 7 || err != nil {
						t.Errorf("a task submitted after the group's context ended = %d, %v; want 7, nil", v, err)
					}
				}
				// The group is dropped here, neither closed nor drained.
			})
		})
	}
}
