package task_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestSelectLowestIndexAfterWaiting: cases that become ready together
// while Select waits give the lowest index, as cases ready before it
// waits do (select! with biased;). Go's select picked one at random, so
// Select(ctx, t, t) returned 1 about half the time.
func TestSelectLowestIndexAfterWaiting(t *testing.T) {
	tests := []struct {
		name  string
		cases func(t *task.Task[int], ctx context.Context) []task.Case
		want  int
	}{
		{"the same task twice", func(t *task.Task[int], _ context.Context) []task.Case { return []task.Case{t, t} }, 0},
		{"behind a case never ready", func(t *task.Task[int], _ context.Context) []task.Case {
			return []task.Case{task.After(time.Hour), t, t}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				for range 64 {
					ctx, cancel := context.WithCancel(context.Background())
					tk := task.Go(ctx, func(ctx context.Context) (int, error) {
						time.Sleep(time.Millisecond)
						return 1, nil
					})
					got, err := task.Select(ctx, tt.cases(tk, ctx)...)
					if got != tt.want || err != nil {
						t.Fatalf("Select = %d, %v; want %d, nil", got, err, tt.want)
					}
					_, _ = tk.Await(context.Background())
					cancel()
				}
			})
		})
	}
}
