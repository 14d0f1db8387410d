package rt_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestBlockingQueue: beyond MaxBlocking, blocking tasks wait in FIFO order;
// one whose context ends while queued resolves with the context's error.
func TestBlockingQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.MaxBlocking(2))
		ctx := context.Background()
		var (
			mu    sync.Mutex
			order []int
		)
		gates := make([]chan struct{}, 6)
		ts := make([]*task.Task[int], 6)
		cctx, cancel := context.WithCancel(ctx)
		for i := range ts {
			gates[i] = make(chan struct{})
			sctx := ctx
			if i == 3 {
				sctx = cctx
			}
			ts[i] = rt.SpawnBlocking(r, sctx, func(context.Context) (int, error) {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				<-gates[i]
				return i, nil
			})
		}
		synctest.Wait()
		if m := r.Metrics(); m.BlockingBusy != 2 || m.BlockingQueued != 4 || m.BlockingTasks != 6 || m.BusySlots != 0 {
			t.Errorf("BlockingBusy, BlockingQueued, BlockingTasks, BusySlots = %d, %d, %d, %d; want 2, 4, 6, 0",
				m.BlockingBusy, m.BlockingQueued, m.BlockingTasks, m.BusySlots)
		}
		cancel()
		synctest.Wait()
		if _, err, ok := ts[3].Result(); !ok || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "blocking pool") {
			t.Errorf("queued task cancelled: %v, ended %v; want ended with context.Canceled", err, ok)
		}
		if m := r.Metrics(); m.BlockingQueued != 3 {
			t.Errorf("BlockingQueued = %d after a cancel; want 3", m.BlockingQueued)
		}
		for _, i := range []int{1, 0, 2, 4, 5} {
			close(gates[i])
			synctest.Wait()
		}
		for i, tk := range ts {
			if i == 3 {
				continue
			}
			if v, err := tk.Await(ctx); v != i || err != nil {
				t.Errorf("task %d = %d, %v", i, v, err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		// 0 and 1 start at once on two goroutines; the queue is FIFO.
		if got := order; len(got) != 5 || got[0]+got[1] != 1 || !equal(got[2:], []int{2, 4, 5}) {
			t.Errorf("blocking tasks started in order %v; want 0 and 1, then 2, 4, 5", got)
		}
	})
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBlockingKeepAlive: an idle blocking goroutine is reused within the
// keep-alive and exits after it.
func TestBlockingKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.KeepAlive(10*time.Second))
		ctx := context.Background()
		fn := func(context.Context) (int, error) { return 1, nil }
		for range 3 {
			if _, err := rt.SpawnBlocking(r, ctx, fn).Await(ctx); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if m := r.Metrics(); m.BlockingIdle != 1 || m.BlockingBusy != 0 {
				t.Fatalf("BlockingIdle, BlockingBusy = %d, %d; want 1, 0 (one goroutine, reused)", m.BlockingIdle, m.BlockingBusy)
			}
			time.Sleep(9 * time.Second)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if m := r.Metrics(); m.BlockingIdle != 0 {
			t.Errorf("BlockingIdle = %d after the keep-alive; want 0", m.BlockingIdle)
		}
	})
}

// TestBlockingGoexit: a blocking function that calls runtime.Goexit kills
// its goroutine; queued work still runs on a replacement.
func TestBlockingGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.MaxBlocking(1))
		ctx := context.Background()
		gate := make(chan struct{})
		a := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-gate; panicOrExit(); return 0, nil })
		b := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 2, nil })
		close(gate)
		if _, err := a.Await(ctx); !errors.Is(err, task.ErrGoexit) {
			t.Errorf("a = %v; want ErrGoexit", err)
		}
		if v, err := b.Await(ctx); v != 2 || err != nil {
			t.Errorf("b = %d, %v; want 2, nil", v, err)
		}
	})
}

func panicOrExit() { runtimeGoexit() }
