package rt

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/task"
)

// TestAudit3BlockingQueueStaysSmall: the blocking pool's queue must not
// grow with the number of tasks that went through it while it was never
// empty, nor with queued tasks that were cancelled while the pool stayed
// busy. Its backing array used to be reset only when the queue emptied,
// and cancelled entries stayed in it until a goroutine popped them: a pool
// kept saturated (or one stuck task and callers timing out behind it) held
// every task it had ever queued.
func TestAudit3BlockingQueueStaysSmall(t *testing.T) {
	const n = 5000
	tests := []struct {
		name string
		run  func(t *testing.T, r *Runtime) (maxLen int)
	}{
		{"never empty", func(t *testing.T, r *Runtime) int {
			// One task runs at a time and one more always waits: before the
			// running one returns, the next is queued behind the waiting one.
			ctx := context.Background()
			started, release := make(chan struct{}), make(chan struct{})
			blocker := func(context.Context) (int, error) {
				started <- struct{}{}
				<-release
				return 0, nil
			}
			tasks := []*task.Task[int]{SpawnBlocking(r, ctx, blocker)}
			<-started
			tasks = append(tasks, SpawnBlocking(r, ctx, blocker))
			maxLen := 0
			for range n {
				tasks = append(tasks, SpawnBlocking(r, ctx, blocker))
				release <- struct{}{} // the running task returns; the oldest queued one starts
				<-started
				r.mu.Lock()
				maxLen = max(maxLen, len(r.bp.queue))
				r.mu.Unlock()
			}
			release <- struct{}{}
			<-started
			release <- struct{}{}
			for _, tk := range tasks {
				if _, err := tk.Await(ctx); err != nil {
					t.Fatal(err)
				}
			}
			return maxLen
		}},
		{"cancelled behind a stuck task", func(t *testing.T, r *Runtime) int {
			ctx := context.Background()
			release := make(chan struct{})
			stuck := SpawnBlocking(r, ctx, func(context.Context) (int, error) {
				<-release
				return 0, nil
			})
			maxLen := 0
			for range n {
				cctx, cancel := context.WithCancel(ctx)
				tk := SpawnBlocking(r, cctx, func(context.Context) (int, error) { return 1, nil })
				cancel()
				<-tk.Done()
				r.mu.Lock()
				maxLen = max(maxLen, len(r.bp.queue)-r.bp.qhead)
				r.mu.Unlock()
			}
			close(release)
			if _, err := stuck.Await(ctx); err != nil {
				t.Fatal(err)
			}
			return maxLen
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(MaxBlocking(1), DetectBlocking(0))
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := r.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			}()
			if got, want := tt.run(t, r), 64; got > want {
				t.Errorf("the blocking queue grew to %d entries after %d tasks; want at most %d", got, n, want)
			}
		})
	}
}
