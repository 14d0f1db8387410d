package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestParentCauseBeforeOwnEnd: a task context whose parent of package
// context was cancelled with a cause reports that cause even when the
// task's own end (Cancel, Group.Close, its function returning) comes
// right after the parent's cancel returned, as a context.WithCancel child
// does. The parent tells a task context through context.AfterFunc, on a
// goroutine of its own, and an own end that came first won: the cause was
// context.Canceled in 96-100% of runs.
func TestParentCauseBeforeOwnEnd(t *testing.T) {
	errX := errors.New("shutting down")
	tests := []struct {
		name string
		run  func(parent context.Context, cancel context.CancelCauseFunc) (cause error)
	}{
		{"Task.Cancel", func(parent context.Context, cancel context.CancelCauseFunc) error {
			release := make(chan struct{})
			tk := task.Go(parent, func(ctx context.Context) (int, error) { <-release; return 0, nil })
			_ = tk.Context().Done() // attached to the parent
			cancel(errX)
			tk.Cancel()
			cause := context.Cause(tk.Context())
			close(release)
			_, _ = tk.Await(context.Background())
			return cause
		}},
		{"the function returns", func(parent context.Context, cancel context.CancelCauseFunc) error {
			release, ready := make(chan struct{}), make(chan struct{})
			tk := task.Go(parent, func(ctx context.Context) (int, error) {
				_ = ctx.Done()
				close(ready)
				<-release
				return 0, nil
			})
			<-ready
			cancel(errX)
			close(release)
			_, _ = tk.Await(context.Background())
			return context.Cause(tk.Context())
		}},
		{"Group.Close", func(parent context.Context, cancel context.CancelCauseFunc) error {
			g := task.NewGroup[error](parent)
			started := make(chan struct{})
			g.Go(context.Background(), func(ctx context.Context) (error, error) {
				close(started)
				<-ctx.Done()
				return context.Cause(ctx), nil
			})
			<-started
			cancel(errX)
			g.Close()
			res, _ := g.Wait(context.Background())
			return res[0]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lost := 0
			for range 50 {
				parent, cancel := context.WithCancelCause(context.Background())
				if got := tt.run(parent, cancel); got != errX {
					lost++
				}
			}
			if lost > 0 {
				t.Errorf("%d of 50 runs lost the parent's cause; want it in every one (%v)", lost, errX)
			}
		})
	}
}

// TestGroupCauseReachesItsTasks: context.Cause of a FailFast group's
// context, and of the contexts of the tasks its failure cancelled, is the
// failure (matched with errors.Is), as for errgroup.WithContext; after
// Close it is ErrClosed. It was context.Canceled.
func TestGroupCauseReachesItsTasks(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		opts []task.GroupOption
		end  func(g *task.Group[error])
		want error
	}{
		{"FailFast failure", []task.GroupOption{task.FailFast()}, func(g *task.Group[error]) {
			g.Go(context.Background(), func(context.Context) (error, error) { return nil, errBoom })
		}, errBoom},
		{"Close", nil, func(g *task.Group[error]) { g.Close() }, task.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := task.NewGroup[error](context.Background(), tt.opts...)
			defer g.Close()
			started := make(chan struct{})
			sibling := g.Go(context.Background(), func(ctx context.Context) (error, error) {
				close(started)
				<-ctx.Done()
				return context.Cause(ctx), nil
			})
			<-started
			tt.end(g)
			got, _ := sibling.Await(context.Background())
			if !errors.Is(got, tt.want) {
				t.Errorf("Cause of a task's context: %v; want %v", got, tt.want)
			}
			if got := context.Cause(g.Context()); !errors.Is(got, tt.want) {
				t.Errorf("Cause of the group's context: %v; want %v", got, tt.want)
			}
			if got := g.Context().Err(); got != context.Canceled {
				t.Errorf("Err of the group's context: %v; want context.Canceled", got)
			}
		})
	}
}
