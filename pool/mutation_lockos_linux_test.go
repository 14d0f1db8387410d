package pool_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/spool-go/spool/pool"
)

// TestMutLockOSThreadSurvivesYields: a task of a LockOSThread pool stays
// on its worker's thread however often it yields while other goroutines
// keep every P busy. Unlocked, a goroutine that yields goes to the global
// run queue and the next P to look, on whatever thread, runs it.
func TestMutLockOSThreadSurvivesYields(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("with one P an unlocked goroutine has no other thread to move to: the test could not fail")
	}
	tests := []struct {
		name string
		opts []pool.Option
	}{
		{"LockOSThread", []pool.Option{pool.LockOSThread()}},
		{"LockOSThread, 2 workers", []pool.Option{pool.LockOSThread()}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pool.New(1+i, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			// A single try may find every goroutine on one P (Gosched does
			// not wake an idle P), so an unlocked task that never moves: try
			// again with fresh spinners.
			const tries, rounds = 4, 500
			for try := range tries {
				var stop atomic.Bool
				var spinners sync.WaitGroup
				for range runtime.GOMAXPROCS(0) + 1 {
					spinners.Go(func() {
						for !stop.Load() {
							runtime.Gosched()
						}
					})
				}
				tk := pool.Submit(t.Context(), p, func(context.Context) (int, error) {
					want := syscall.Gettid()
					moved := 0
					for range rounds {
						runtime.Gosched()
						if syscall.Gettid() != want {
							moved++
						}
					}
					return moved, nil
				})
				moved, err := tk.Await(t.Context())
				stop.Store(true)
				spinners.Wait()
				if err != nil {
					t.Fatal(err)
				}
				if moved != 0 {
					t.Fatalf("try %d: the task ran on another thread after %d of %d yields; want 0 (its worker is locked to its thread)", try, moved, rounds)
				}
			}
		})
	}
}
