package guard_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/internal/slottest"
	"github.com/spool-go/spool/task"
)

func newSem(t *testing.T, n int64) *guard.Semaphore {
	t.Helper()
	s, err := guard.NewSemaphore(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSemaphoreBadSizes(t *testing.T) {
	for _, n := range []int64{0, -1} {
		if s, err := guard.NewSemaphore(n); s != nil || !errors.Is(err, guard.ErrSize) {
			t.Errorf("NewSemaphore(%d) = %v, %v; want nil, ErrSize", n, s, err)
		}
	}
	s := newSem(t, 3)
	for _, n := range []int64{0, -2, 4} {
		if err := s.Acquire(t.Context(), n); !errors.Is(err, guard.ErrSize) {
			t.Errorf("Acquire(%d) on 3 permits = %v; want ErrSize at once", n, err)
		}
	}
	for _, n := range []int64{0, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Release(%d) with none held did not panic", n)
				}
			}()
			s.Release(n)
		}()
	}
}

// TestSemaphoreFIFO: waiters are served in arrival order, and a large
// request at the head holds back smaller ones that would fit.
func TestSemaphoreFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSem(t, 4)
		if err := s.Acquire(t.Context(), 3); err != nil {
			t.Fatal(err)
		}
		var (
			mu    sync.Mutex
			order []string
			wg    sync.WaitGroup
		)
		for _, r := range []struct {
			name string
			n    int64
		}{{"big", 4}, {"big2", 4}, {"small", 1}} {
			wg.Go(func() {
				if err := s.Acquire(t.Context(), r.n); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				order = append(order, r.name)
				mu.Unlock()
				time.Sleep(time.Second)
				s.Release(r.n)
			})
			synctest.Wait() // queued in this order
		}
		if len(order) != 0 {
			t.Fatalf("got %q with 1 permit free and a big request first; want nobody served", order)
		}
		if s.TryAcquire(1) {
			t.Error("TryAcquire(1) overtook the queue; want false while others wait")
		}
		s.Release(3)
		wg.Wait()
		if got, want := fmt.Sprint(order), "[big big2 small]"; got != want {
			t.Errorf("order %s; want %s", got, want)
		}
		if got := s.Available(); got != 4 {
			t.Errorf("Available = %d after everything released; want 4", got)
		}
	})
}

// TestSemaphoreCancelledWaiter: a waiter whose ctx ends leaves the queue,
// holds nothing, and lets the smaller requests behind it through.
func TestSemaphoreCancelledWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSem(t, 2)
		if err := s.Acquire(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancelCause(t.Context())
		big := make(chan error, 1)
		go func() { big <- s.Acquire(ctx, 2) }()
		synctest.Wait()
		small := make(chan error, 1)
		go func() { small <- s.Acquire(t.Context(), 1) }()
		synctest.Wait()
		select {
		case err := <-small:
			t.Fatalf("small request served past a waiting big one: %v", err)
		default:
		}
		cause := errors.New("gave up")
		cancel(cause)
		if err := <-big; !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
			t.Errorf("cancelled Acquire = %v; want context.Canceled and its cause", err)
		}
		if err := <-small; err != nil {
			t.Errorf("small Acquire after the big one left = %v; want nil", err)
		}
		if got := s.Available(); got != 0 {
			t.Errorf("Available = %d; want 0 (1 + 1 held)", got)
		}
	})
}

func TestSemaphoreClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSem(t, 1)
		if err := s.Acquire(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		waiting := make(chan error, 2)
		for range 2 {
			go func() { waiting <- s.Acquire(t.Context(), 1) }()
		}
		synctest.Wait()
		s.Close()
		s.Close()
		for range 2 {
			if err := <-waiting; !errors.Is(err, guard.ErrClosed) {
				t.Errorf("waiting Acquire after Close = %v; want ErrClosed", err)
			}
		}
		if err := s.Acquire(t.Context(), 1); !errors.Is(err, guard.ErrClosed) {
			t.Errorf("Acquire after Close = %v; want ErrClosed", err)
		}
		s.Release(1) // permits held before Close stay valid
		if s.TryAcquire(1) {
			t.Error("TryAcquire after Close = true; want false")
		}
	})
}

func TestSemaphoreAcquireIsAnAwaitPoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSem(t, 1)
		if err := s.Acquire(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		var slot slottest.Counter
		tk, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
			if err := s.Acquire(ctx, 1); err != nil {
				return 0, err
			}
			defer s.Release(1)
			return 1, nil
		}, task.WithSlot(&slot))
		go job.Run()
		synctest.Wait()
		if got := slot.Released.Load(); got != 1 {
			t.Errorf("slot released %d times while Acquire waits; want 1", got)
		}
		s.Release(1)
		if v, err := tk.Await(t.Context()); v != 1 || err != nil {
			t.Errorf("task = %d, %v; want 1, nil", v, err)
		}
		if r, a := slot.Released.Load(), slot.Acquired.Load(); r != a {
			t.Errorf("slot released %d times, acquired %d; want equal", r, a)
		}
	})
}

// TestSemaphoreStress: many goroutines taking random amounts, some with
// contexts that end, never hold more than the size, and leave it whole.
func TestSemaphoreStress(t *testing.T) {
	s := newSem(t, 5)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		held int64
	)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := int64(1 + (g+i)%5)
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*time.Microsecond)
				if err := s.Acquire(ctx, n); err == nil {
					mu.Lock()
					if held += n; held > 5 {
						t.Errorf("%d permits held; want at most 5", held)
					}
					mu.Unlock()
					mu.Lock()
					held -= n
					mu.Unlock()
					s.Release(n)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	if got := s.Available(); got != 5 {
		t.Errorf("Available = %d after the stress; want 5", got)
	}
}
