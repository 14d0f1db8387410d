package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// TestMutGoexitOnHelper: a runtime.Goexit in fn on a helper goroutine (not
// the caller's) stops the run with an error matching task.ErrGoexit, as the
// package doc says. Of two items, the first to start waits for the second,
// which calls Goexit: the two run on different goroutines. A run where the
// Goexit landed on Map's caller (which then exits, as documented) is
// tried again.
func TestMutGoexitOnHelper(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepGoing=%v", keep), func(t *testing.T) {
			opts := []parallel.Option{parallel.Workers(2), parallel.ChunkSize(1)}
			if keep {
				opts = append(opts, parallel.KeepGoing())
			}
			for range 100 {
				began := make(chan struct{})
				var starts atomic.Int32
				type result struct {
					res []int
					err error
				}
				done := make(chan result, 1)
				exited := make(chan bool, 1)
				go func() {
					normal := false
					defer func() { exited <- !normal }()
					res, err := parallel.Map(context.Background(), []int{0, 1}, func(ctx context.Context, x int) (int, error) {
						if starts.Add(1) == 2 {
							close(began)
							runtime.Goexit()
						}
						select {
						case <-began:
						case <-ctx.Done():
						}
						return x, nil
					}, opts...)
					done <- result{res, err}
					normal = true
				}()
				if <-exited { // the Goexit ran on Map's caller: try again
					continue
				}
				r := <-done
				if !errors.Is(r.err, task.ErrGoexit) {
					t.Errorf("Map = %v, %v; want an error matching task.ErrGoexit", r.res, r.err)
				}
				if r.res != nil {
					t.Errorf("Map results = %v; want nil", r.res)
				}
				return
			}
			t.Fatal("in 100 runs, the Goexit never ran on a helper")
		})
	}
}

// TestMutMapOrderedWindow: "Up to 2×workers results may wait for an
// earlier one to be yielded": while the first value's call is stuck, the
// iterator takes no more than 2×workers values from seq (one more pulled
// and not handed out is tolerated).
func TestMutMapOrderedWindow(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				pulled := 0
				seq := func(yield func(int) bool) {
					for i := range 100 {
						mu.Lock()
						pulled++
						mu.Unlock()
						if !yield(i) {
							return
						}
					}
				}
				release := make(chan struct{})
				var got []int
				done := make(chan struct{})
				go func() {
					defer close(done)
					for r, err := range parallel.MapOrdered(context.Background(), seq, workers, func(ctx context.Context, x int) (int, error) {
						if x == 0 {
							<-release
						}
						return x, nil
					}) {
						if err != nil {
							t.Errorf("MapOrdered yielded %v", err)
						}
						got = append(got, r)
					}
				}()
				synctest.Wait()
				mu.Lock()
				n := pulled
				mu.Unlock()
				if limit := 2*workers + 1; n > limit {
					t.Errorf("workers=%d: %d values taken from seq while the first was stuck; want at most %d (2×workers, +1 pending)", workers, n, limit)
				}
				close(release)
				<-done
				if want := 100; len(got) != want || !slices.IsSorted(got) {
					t.Errorf("got %d results (sorted %v); want %d in order", len(got), slices.IsSorted(got), want)
				}
			})
		})
	}
}
