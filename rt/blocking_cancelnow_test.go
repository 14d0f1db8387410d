package rt

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestQueuedBlockingCancelResolvesAtOnce: a blocking task waiting in the
// blocking pool's queue whose context ends resolves at once, with its
// context's error, as a pool's queued task does, and its function never
// runs; the queue, the registry and the counts let it go. Its callback
// used to be registered with context.AfterFunc, which runs it on a
// goroutine of its own: a Cancel returned with the task still unresolved
// and still counted as queued, and so did a SpawnBlocking under a context
// that had ended already. A parent from package context tells the task
// on a goroutine of its own whatever rt does (settle: the test waits for
// it).
func TestQueuedBlockingCancelResolvesAtOnce(t *testing.T) {
	tests := []struct {
		name string
		// spawn spawns the task under a context of its own making and
		// returns the function that ends that context (nil: it has ended
		// already).
		spawn   func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func())
		settle  bool  // the end reaches the task on a goroutine of package context's
		wantErr error // besides task.ErrNotStarted
	}{
		{
			name: "task cancelled",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				tk := SpawnBlocking(r, ctx, fn)
				return tk, tk.Cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "parent task cancelled",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				parent := task.Go(ctx, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
				return SpawnBlocking(r, parent.Context(), fn), parent.Cancel
			},
			wantErr: context.Canceled,
		},
		{
			name: "parent task cancelled before SpawnBlocking",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				parent := task.Go(ctx, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
				parent.Cancel()
				return SpawnBlocking(r, parent.Context(), fn), nil
			},
			wantErr: context.Canceled,
		},
		{
			name: "context cancelled before SpawnBlocking",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return SpawnBlocking(r, ctx, fn), nil
			},
			wantErr: context.Canceled,
		},
		{
			name: "parent from package context cancelled",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				ctx, cancel := context.WithCancel(ctx)
				return SpawnBlocking(r, ctx, fn), cancel
			},
			settle:  true,
			wantErr: context.Canceled,
		},
		{
			name: "parent deadline",
			spawn: func(ctx context.Context, r *Runtime, fn func(context.Context) (int, error)) (*task.Task[int], func()) {
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				return SpawnBlocking(r, ctx, fn), func() { time.Sleep(2 * time.Second); cancel() /* past the deadline: does nothing */ }
			},
			settle:  true,
			wantErr: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := New(MaxBlocking(1), DetectBlocking(0), Logger(slog.New(slog.DiscardHandler)))
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				gate := make(chan struct{})
				release := sync.OnceFunc(func() { close(gate) })
				defer func() { // also when the test fails early
					release()
					_ = r.Shutdown(ctx)
				}()
				blocker := SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
				synctest.Wait() // the pool's only goroutine runs blocker

				var ran atomic.Int64
				tk, end := tt.spawn(ctx, r, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
				if end != nil {
					if m := r.Metrics(); m.BlockingQueued != 1 || m.BlockingTasks != 2 {
						t.Fatalf("before the end: BlockingQueued, BlockingTasks = %d, %d; want 1, 2 (the task queued)", m.BlockingQueued, m.BlockingTasks)
					}
					end()
				}
				if tt.settle {
					synctest.Wait()
				}
				// No synctest.Wait otherwise: the task must have resolved,
				// and left the queue and the registry, when the cancel (or
				// SpawnBlocking) returned.
				_, err, ok := tk.Result()
				if !ok {
					t.Fatal("the queued task has not resolved when its context's end returned; want resolved at once")
				}
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, task.ErrNotStarted) {
					t.Errorf("error = %v; want %v and task.ErrNotStarted", err, tt.wantErr)
				}
				m := r.Metrics()
				if m.BlockingQueued != 0 || m.BlockingTasks != 1 || m.Cancelled != 1 || m.Completed+m.Failed+m.Panicked != 0 {
					t.Errorf("once resolved: BlockingQueued, BlockingTasks, Cancelled, Completed+Failed+Panicked = %d, %d, %d, %d; want 0, 1, 1, 0",
						m.BlockingQueued, m.BlockingTasks, m.Cancelled, m.Completed+m.Failed+m.Panicked)
				}
				if ts := r.Tasks(); len(ts) != 1 || ts[0].State != "running" {
					t.Errorf("Tasks() = %v; want only the running blocker", ts)
				}

				release()
				if _, err := blocker.Await(ctx); err != nil {
					t.Fatal(err)
				}
				synctest.Wait() // the goroutine passes the cancelled entry in the queue
				if got := ran.Load(); got != 0 {
					t.Errorf("the cancelled task's function ran %d times; want 0", got)
				}
				r.mu.Lock()
				queued, left := r.bp.queued, len(r.bp.queue)-r.bp.qhead
				r.mu.Unlock()
				if queued != 0 || left != 0 {
					t.Errorf("blocking queue: %d queued, %d entries left; want 0, 0", queued, left)
				}
				if err := r.Shutdown(ctx); err != nil {
					t.Errorf("Shutdown = %v; want nil", err)
				}
				if m := r.Metrics(); m.Spawned != 2 || m.Completed != 1 || m.Cancelled != 1 || m.Failed != 0 || m.BlockingTasks != 0 {
					t.Errorf("after Shutdown: Spawned, Completed, Cancelled, Failed, BlockingTasks = %d, %d, %d, %d, %d; want 2, 1, 1, 0, 0",
						m.Spawned, m.Completed, m.Cancelled, m.Failed, m.BlockingTasks)
				}
			})
		})
	}
}

// TestShutdownResolvesQueuedBlockingAtOnce: Shutdown whose context has
// ended cancels the blocking tasks still queued; each resolves as its
// cancel returns, so even with no grace period Shutdown's report lists
// only the task that runs, and the queued ones have resolved when it
// returns. They used to be listed as queued, and resolve later.
func TestShutdownResolvesQueuedBlockingAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := New(MaxBlocking(1), DetectBlocking(0), ShutdownGrace(0), Logger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		release := sync.OnceFunc(func() { close(gate) })
		defer func() { // also when the test fails early
			release()
			_ = r.Shutdown(ctx)
		}()
		blocker := SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil })
		synctest.Wait()
		var ran atomic.Int64
		queued := make([]*task.Task[int], 3)
		for i := range queued {
			queued[i] = SpawnBlocking(r, ctx, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
		}
		sctx, cancel := context.WithCancel(ctx)
		cancel()
		var se *ShutdownError
		if err := r.Shutdown(sctx); !errors.As(err, &se) {
			t.Fatalf("Shutdown = %v; want a *ShutdownError", err)
		}
		if se.Cancelled != 4 || len(se.Running) != 1 || !se.Running[0].Blocking || se.Running[0].State != "running" {
			t.Errorf("Shutdown cancelled %d and left %v; want 4 cancelled and the running blocker left", se.Cancelled, se.Running)
		}
		for i, tk := range queued {
			if _, err, ok := tk.Result(); !ok || !errors.Is(err, context.Canceled) {
				t.Errorf("queued task %d: %v, resolved %v; want resolved with context.Canceled", i, err, ok)
			}
		}
		release()
		_, _ = blocker.Await(ctx)
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("second Shutdown = %v; want nil", err)
		}
		if got := ran.Load(); got != 0 {
			t.Errorf("cancelled queued functions ran %d times; want 0", got)
		}
	})
}
