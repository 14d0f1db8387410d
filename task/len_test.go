package task_test

import (
	"context"
	"testing"
	"testing/synctest"

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
