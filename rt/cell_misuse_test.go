package rt

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/task"
)

// TestMisusedAwaitPointsLeaveNoCell: goroutines other than the task's own
// that park and resume with the task's context (a misuse that rt keeps its
// accounting straight under) race each other's Release and Acquire. While
// the task holds its slot at most one holder cell may show it, and once it
// has ended (and the runtime has shut down) none may. A hold used to be
// shown by an Acquire after the hold had ended and another had begun (and
// been shown): the first show was never taken, so the ended task stayed
// in a cell for good, and while it lived the detector saw it twice.
func TestMisusedAwaitPointsLeaveNoCell(t *testing.T) {
	const (
		tasks = 1000
		parks = 200 // per misusing goroutine and task
	)
	tests := []struct {
		name     string
		misusers int // goroutines besides the task's own
	}{
		{"two misusers", 2},
		{"three misusers", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(Workers(2), DetectBlocking(time.Hour), Logger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			doubled := false // reported a task shown twice already
			for range tasks {
				started, release := make(chan struct{}), make(chan struct{})
				tk := Spawn(r, ctx, func(context.Context) (int, error) {
					close(started)
					<-release // holds its slot meanwhile
					return 1, nil
				})
				<-started
				var wg sync.WaitGroup
				for range tt.misusers {
					wg.Go(func() {
						for range parks {
							task.Park(tk.Context()).Resume()
						}
					})
				}
				wg.Wait()
				// The task holds its slot, in one hold: one cell at most
				// may show it (none if a take of an ended hold cleared its
				// cell instead of its own: a misuse may hide a hold).
				if got := cellsShowing(r, tk.Context()); got > 1 && !doubled {
					t.Errorf("while the task holds its slot: %d cells show it; want at most 1", got)
					doubled = true
				}
				close(release)
				if _, err := tk.Await(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range r.held.cells {
				if e := r.held.cells[i].e.Load(); e != nil {
					t.Errorf("after Shutdown: cell %d shows a task that has ended (parks %d); want every cell empty", i, e.parks())
				}
			}
		})
	}
}

// cellsShowing counts the holder cells that show the task whose context is
// ctx.
func cellsShowing(r *Runtime, ctx context.Context) int {
	n := 0
	for i := range r.held.cells {
		if e := r.held.cells[i].e.Load(); e != nil && e.job.Context() == ctx {
			n++
		}
	}
	return n
}
