package chans_test

import (
	"context"
	"errors"
	"github.com/spool-go/spool/internal/slottest"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
)

func TestWatchGetSetVersion(t *testing.T) {
	w := chans.NewWatch("a")
	if v, ver := w.Get(), w.Version(); v != "a" || ver != 0 {
		t.Fatalf("Get, Version = %q, %d; want a, 0", v, ver)
	}
	r := w.Subscribe()
	if r.HasChanged() {
		t.Errorf("HasChanged = true on a new watcher; want false")
	}
	if err := w.Set("b"); err != nil {
		t.Fatal(err)
	}
	if !r.HasChanged() {
		t.Errorf("HasChanged = false after Set; want true")
	}
	if v, ver := r.Borrow(); v != "b" || ver != 1 {
		t.Errorf("Borrow = %q, %d; want b, 1", v, ver)
	}
	if r.HasChanged() {
		t.Errorf("HasChanged = true after Borrow; want false (Borrow marks seen)")
	}
	if err := w.Update(func(s *string) { *s += "c" }); err != nil {
		t.Fatal(err)
	}
	if v, ver := w.Get(), w.Version(); v != "bc" || ver != 2 {
		t.Errorf("after Update: %q, %d; want bc, 2", v, ver)
	}
}

func TestWatchChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		w := chans.NewWatch(0)
		r := w.Subscribe()
		got := make(chan error)
		go func() { got <- r.Changed(ctx) }()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("Changed returned %v before any Set", err)
		default:
		}
		_ = w.Set(1)
		if err := <-got; err != nil {
			t.Fatalf("Changed = %v; want nil", err)
		}
		// Several Sets between two Changed calls are seen as one.
		_ = w.Set(2)
		_ = w.Set(3)
		if err := r.Changed(ctx); err != nil {
			t.Fatalf("Changed = %v", err)
		}
		if v, ver := r.Borrow(); v != 3 || ver != 3 {
			t.Errorf("Borrow = %d, %d; want 3, 3", v, ver)
		}
		if r.HasChanged() {
			t.Errorf("HasChanged after Changed and Borrow; want false")
		}
	})
}

func TestWatchClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		w := chans.NewWatch(0)
		seen, behind := w.Subscribe(), w.Subscribe()
		waiting := make(chan error)
		go func() { waiting <- seen.Changed(ctx) }()
		synctest.Wait()
		_ = w.Set(1)
		if err := <-waiting; err != nil {
			t.Fatalf("Changed = %v", err)
		}
		go func() { waiting <- seen.Changed(ctx) }()
		synctest.Wait()
		w.Close()
		if err := <-waiting; !errors.Is(err, chans.ErrClosed) {
			t.Errorf("waiting Changed after Close = %v; want ErrClosed", err)
		}
		// A watcher that has not seen the last value gets it first.
		if err := behind.Changed(ctx); err != nil {
			t.Errorf("Changed with an unseen value after Close = %v; want nil", err)
		}
		if err := behind.Changed(ctx); !errors.Is(err, chans.ErrClosed) {
			t.Errorf("Changed = %v; want ErrClosed", err)
		}
		if err := w.Set(2); !errors.Is(err, chans.ErrClosed) {
			t.Errorf("Set after Close = %v; want ErrClosed", err)
		}
		called := false
		if err := w.Update(func(*int) { called = true }); !errors.Is(err, chans.ErrClosed) || called {
			t.Errorf("Update after Close = %v (fn called: %v); want ErrClosed, not called", err, called)
		}
		if v := w.Get(); v != 1 {
			t.Errorf("Get after Close = %d; want 1", v)
		}
		w.Close()
	})
}

func TestWatchChangedCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := chans.NewWatch(0)
		r := w.Subscribe()
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error)
		go func() { got <- r.Changed(ctx) }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("Changed = %v; want Canceled", err)
		}
	})
}

func TestWatchConcurrent(t *testing.T) {
	ctx := context.Background()
	w := chans.NewWatch(0)
	const last = 2000
	var wg sync.WaitGroup
	for range 4 {
		r := w.Subscribe()
		wg.Go(func() {
			prev := -1
			for r.Changed(ctx) == nil {
				v, ver := r.Borrow()
				if v < prev || uint64(v) != ver {
					t.Errorf("value %d at version %d after %d; want increasing, equal to its version", v, ver, prev)
					return
				}
				prev = v
			}
			if v, _ := r.Borrow(); v != last {
				t.Errorf("watcher ended at %d; want %d", v, last)
			}
		})
	}
	for i := 1; i <= last; i++ {
		_ = w.Set(i)
	}
	w.Close()
	wg.Wait()
}

func TestWatchParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sl slottest.Counter
		w := chans.NewWatch(0)
		go func() {
			synctest.Wait()
			_ = w.Set(1)
		}()
		onSlot(t, &sl, func(ctx context.Context) {
			if err := w.Subscribe().Changed(ctx); err != nil {
				t.Errorf("Changed = %v", err)
			}
		})
		if r, a := sl.Released.Load(), sl.Acquired.Load(); r != 1 || a != 1 {
			t.Errorf("slot released %d, acquired %d; want 1 and 1", r, a)
		}
	})
}
