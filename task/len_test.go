package task_test

import (
	"context"
	"errors"
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

// TestNextDoneCtxTries: Next with a done ctx never waits, and a result
// ready when it looks comes first (tokio's try_join_next): it returns
// the ended task's result, then ok false with ctx's error while the
// other task still runs.
func TestNextDoneCtxTries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := task.NewGroup[int](ctx)
		defer g.Close()
		release := make(chan struct{})
		g.Go(ctx, func(context.Context) (int, error) { return 1, nil })
		g.Go(ctx, func(context.Context) (int, error) { <-release; return 2, nil })
		synctest.Wait() // the first has ended
		done, cancel := context.WithCancel(ctx)
		cancel()
		steps := []struct {
			wantV   int
			wantErr error
			wantOK  bool
		}{
			{1, nil, true},
			{0, context.Canceled, false},
		}
		for i, s := range steps {
			v, err, ok := g.Next(done)
			if v != s.wantV || !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) || ok != s.wantOK {
				t.Errorf("Next(done ctx) #%d = %d, %v, %v; want %d, %v, %v", i+1, v, err, ok, s.wantV, s.wantErr, s.wantOK)
			}
		}
		close(release)
	})
}
