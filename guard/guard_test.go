package guard_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/task"
)

func TestZeroValue(t *testing.T) {
	var m guard.Mutex[[]int]
	m.With(func(s *[]int) { *s = append(*s, 1, 2) })
	if got := m.Get(); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("Mutex.Get() = %v; want [1 2]", got)
	}
	m.Set(nil)
	if got := m.Get(); got != nil {
		t.Errorf("Mutex.Get() after Set(nil) = %v; want nil", got)
	}

	var rw guard.RWMutex[map[string]int]
	rw.With(func(m *map[string]int) { *m = map[string]int{"a": 1} })
	var got int
	rw.Read(func(m *map[string]int) { got = (*m)["a"] })
	if got != 1 {
		t.Errorf("RWMutex.Read saw %d; want 1", got)
	}
	rw.Set(map[string]int{"b": 2})
	if got := rw.Get()["b"]; got != 2 {
		t.Errorf("RWMutex.Get()[b] = %d; want 2", got)
	}
}

func TestTry(t *testing.T) {
	var m guard.Mutex[int]
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("TryLock on a free Mutex = false; want true")
	}
	if _, ok := m.TryLock(); ok {
		t.Error("TryLock on a held Mutex = true; want false")
	}
	if m.TryWith(func(*int) {}) {
		t.Error("TryWith on a held Mutex = true; want false")
	}
	g.Unlock()
	if !m.TryWith(func(n *int) { *n = 5 }) || m.Get() != 5 {
		t.Error("TryWith on a free Mutex did not run")
	}

	var rw guard.RWMutex[int]
	r1, ok1 := rw.TryRLock()
	r2, ok2 := rw.TryRLock()
	if !ok1 || !ok2 {
		t.Fatal("two TryRLocks on a free RWMutex failed; want both to succeed")
	}
	if _, ok := rw.TryLock(); ok {
		t.Error("TryLock while read-locked = true; want false")
	}
	if rw.TryWith(func(*int) {}) {
		t.Error("TryWith while read-locked = true; want false")
	}
	if !rw.TryRead(func(*int) {}) {
		t.Error("TryRead while read-locked = false; want true")
	}
	r1.Unlock()
	r2.Unlock()
	w, ok := rw.TryLock()
	if !ok {
		t.Fatal("TryLock after the readers left = false; want true")
	}
	if _, ok := rw.TryRLock(); ok {
		t.Error("TryRLock while write-locked = true; want false")
	}
	if rw.TryRead(func(*int) {}) {
		t.Error("TryRead while write-locked = true; want false")
	}
	w.Unlock()
}

func TestPanicInsideUnlocks(t *testing.T) {
	var m guard.Mutex[int]
	var rw guard.RWMutex[int]
	cases := []struct {
		name string
		give func()
		free func() bool
	}{
		{"Mutex.With", func() { m.With(func(*int) { panic("boom") }) }, func() bool { return m.TryWith(func(*int) {}) }},
		{"Mutex.TryWith", func() { m.TryWith(func(*int) { panic("boom") }) }, func() bool { return m.TryWith(func(*int) {}) }},
		{"RWMutex.With", func() { rw.With(func(*int) { panic("boom") }) }, func() bool { return rw.TryWith(func(*int) {}) }},
		{"RWMutex.Read", func() { rw.Read(func(*int) { panic("boom") }) }, func() bool { return rw.TryWith(func(*int) {}) }},
		{"RWMutex.TryRead", func() { rw.TryRead(func(*int) { panic("boom") }) }, func() bool { return rw.TryWith(func(*int) {}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			func() {
				defer func() {
					if r := recover(); r != "boom" {
						t.Errorf("recovered %v; want the panic to propagate as boom", r)
					}
				}()
				c.give()
			}()
			if !c.free() {
				t.Errorf("lock still held after a panic in %s", c.name)
			}
		})
	}
}

func TestMisusePanics(t *testing.T) {
	cases := []struct {
		name string
		give func()
	}{
		{"zero Guard", func() { guard.Guard[int]{}.Unlock() }},
		{"zero ReadGuard", func() { guard.ReadGuard[int]{}.Unlock() }},
		{"double Unlock", func() {
			var m guard.Mutex[int]
			g, _ := m.TryLock()
			g.Unlock()
			g.Unlock()
		}},
		{"double RUnlock", func() {
			var m guard.RWMutex[int]
			g, _ := m.TryRLock()
			g.Unlock()
			g.Unlock()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if s, _ := recover().(string); !strings.HasPrefix(s, "guard: ") {
					t.Errorf("%s: recovered %q; want a guard: panic", c.name, s)
				}
			}()
			c.give()
		})
	}
}

func TestLockCancelledWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m guard.Mutex[int]
		held, _ := m.TryLock()
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() {
			_, err := m.Lock(ctx)
			errc <- err
		}()
		timed, stop := context.WithTimeout(t.Context(), time.Second)
		defer stop()
		go func() {
			_, err := m.Lock(timed)
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Lock cancelled while waiting = %v; want context.Canceled", err)
		}
		time.Sleep(time.Second)
		if err := <-errc; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Lock timed out while waiting = %v; want DeadlineExceeded", err)
		}
		held.Unlock()
		if _, ok := m.TryLock(); !ok {
			t.Error("Mutex held after the cancelled waiters left; want it free")
		}
		// A context that is already done does not lock a held Mutex.
		if _, err := m.Lock(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Lock(done ctx) on a held Mutex = %v; want context.Canceled", err)
		}
	})
}

func TestLockCancelledKeepsQueueOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m guard.RWMutex[int]
		r, _ := m.TryRLock()
		// A writer waits for the reader; a reader queues behind the writer.
		wctx, cancelWriter := context.WithCancel(t.Context())
		werr := make(chan error)
		go func() {
			_, err := m.Lock(wctx)
			werr <- err
		}()
		synctest.Wait()
		got := make(chan guard.ReadGuard[int])
		go func() {
			g, err := m.RLock(t.Context())
			if err != nil {
				t.Error(err)
			}
			got <- g
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("a reader got in ahead of a waiting writer; want write preference")
		default:
		}
		cancelWriter() // the reader behind the writer may go now
		if err := <-werr; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled writer = %v; want context.Canceled", err)
		}
		g := <-got
		g.Unlock()
		r.Unlock()
		if _, ok := m.TryLock(); !ok {
			t.Error("RWMutex held after everyone left")
		}
	})
}

// TestGrantedAsCtxEnds cancels a waiter's context and at once hands it the
// lock, so that it usually finds itself granted the lock while it leaves
// for the cancellation: it must hand the lock on, not keep it or lose it.
func TestGrantedAsCtxEnds(t *testing.T) {
	handedOn := 0
	for range 64 {
		synctest.Test(t, func(t *testing.T) {
			var m guard.Mutex[int]
			held, _ := m.TryLock()
			ctx, cancel := context.WithCancel(t.Context())
			first := make(chan error)
			go func() {
				g, err := m.Lock(ctx)
				if err == nil {
					g.Unlock()
				}
				first <- err
			}()
			synctest.Wait()
			second := make(chan error)
			go func() {
				g, err := m.Lock(t.Context())
				if err == nil {
					*g.Value() = 2
					g.Unlock()
				}
				second <- err
			}()
			synctest.Wait()
			cancel()      // the first waiter wakes to its context's end,
			held.Unlock() // but by the time it runs it has been granted the lock
			if err := <-first; err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("first waiter = %v; want nil or context.Canceled", err)
				}
				handedOn++
			}
			if err := <-second; err != nil {
				t.Errorf("second waiter = %v; want the lock", err)
			}
			if got := m.Get(); got != 2 {
				t.Errorf("value = %d; want 2 (set by the second waiter)", got)
			}
			if _, ok := m.TryLock(); !ok {
				t.Error("Mutex held at the end; want it free")
			}
		})
	}
	if handedOn == 0 {
		t.Error("no round took the granted-but-cancelled path; want some")
	}
}

func TestFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m guard.Mutex[[]int]
		held, _ := m.TryLock()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				if i%2 == 0 {
					m.With(func(s *[]int) { *s = append(*s, i) })
					return
				}
				g, err := m.Lock(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				*g.Value() = append(*g.Value(), i)
				g.Unlock()
			})
			synctest.Wait() // queued before the next one starts
		}
		held.Unlock()
		wg.Wait()
		if got := fmt.Sprint(m.Get()); got != "[0 1 2 3 4 5 6 7]" {
			t.Errorf("waiters got the lock in order %s; want arrival order [0 1 2 3 4 5 6 7]", got)
		}
	})
}

func TestRWMutexBatchesReaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m guard.RWMutex[int]
		w, _ := m.TryLock()
		var readers atomic.Int32
		var order []string
		var mu sync.Mutex
		note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		release := make(chan struct{})
		var wg sync.WaitGroup
		reader := func(name string) {
			wg.Go(func() {
				g, err := m.RLock(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				readers.Add(1)
				note(name)
				<-release
				readers.Add(-1)
				g.Unlock()
			})
			synctest.Wait()
		}
		reader("r1")
		reader("r2")
		wg.Go(func() {
			m.With(func(*int) { note("w2") })
		})
		synctest.Wait()
		reader("r3")
		w.Unlock()
		synctest.Wait()
		if got := readers.Load(); got != 2 {
			t.Errorf("%d readers hold the lock after the writer left; want r1 and r2 together", got)
		}
		close(release)
		wg.Wait()
		if got := strings.Join(order, " "); got != "r1 r2 w2 r3" && got != "r2 r1 w2 r3" {
			t.Errorf("order %q; want r1 and r2 (in any order), then w2, then r3", got)
		}
	})
}

func TestLockIsAnAwaitPoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m guard.Mutex[int]
		held, _ := m.TryLock()
		var s slottest.Counter
		tk, job := task.Prepare(t.Context(), func(ctx context.Context) (int, error) {
			g, err := m.Lock(ctx)
			if err != nil {
				return 0, err
			}
			defer g.Unlock()
			return *g.Value(), nil
		}, task.WithSlot(&s))
		go job.Run()
		synctest.Wait()
		if got := s.Released.Load(); got != 1 {
			t.Errorf("slot released %d times while Lock waits; want 1", got)
		}
		*held.Value() = 4
		held.Unlock()
		if v, err := tk.Await(t.Context()); v != 4 || err != nil {
			t.Errorf("task = %d, %v; want 4, nil", v, err)
		}
		if r, a := s.Released.Load(), s.Acquired.Load(); r != a {
			t.Errorf("slot released %d times, acquired %d; want equal", r, a)
		}
	})
}

// TestStress mixes every way in, with cancellations, under the race
// detector: the count must come out exact and the locks free.
func TestStress(t *testing.T) {
	var m guard.Mutex[int]
	var rw guard.RWMutex[[2]int]
	var wg sync.WaitGroup
	var added atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				switch (g + i) % 5 {
				case 0:
					m.With(func(n *int) { *n++ })
					added.Add(1)
				case 1:
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*time.Microsecond)
					if gd, err := m.Lock(ctx); err == nil {
						*gd.Value()++
						gd.Unlock()
						added.Add(1)
					}
					cancel()
				case 2:
					if m.TryWith(func(n *int) { *n++ }) {
						added.Add(1)
					}
				case 3:
					rw.With(func(p *[2]int) { p[0]++; p[1]++ })
				case 4:
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*time.Microsecond)
					if r, err := rw.RLock(ctx); err == nil {
						if p := r.Value(); p[0] != p[1] {
							t.Errorf("reader saw %v; want equal halves", *p)
						}
						r.Unlock()
					}
					cancel()
					rw.Read(func(p *[2]int) {
						if p[0] != p[1] {
							t.Errorf("reader saw %v; want equal halves", *p)
						}
					})
				}
			}
		})
	}
	wg.Wait()
	if got, want := int64(m.Get()), added.Load(); got != want {
		t.Errorf("count = %d; want %d", got, want)
	}
	if _, ok := m.TryLock(); !ok {
		t.Error("Mutex held after the stress; want it free")
	}
	if _, ok := rw.TryLock(); !ok {
		t.Error("RWMutex held after the stress; want it free")
	}
}
