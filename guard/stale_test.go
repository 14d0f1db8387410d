package guard_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/guard"
)

// unlockPanic calls unlock and returns what it panicked with, or nil.
func unlockPanic(unlock func()) (v any) {
	defer func() { v = recover() }()
	unlock()
	return nil
}

// TestUnlockOfEndedHoldPanics: an Unlock of a Guard whose hold has ended
// (a second Unlock, or an Unlock of a copy) panics and leaves the lock as
// it was. A stale copy used to release the lock of whoever held it next,
// breaking mutual exclusion without a word (audit P3,
// TestDoubleUnlockCopiedGuard).
func TestUnlockOfEndedHoldPanics(t *testing.T) {
	ctx := context.Background()
	type locker interface {
		Lock(context.Context) (guard.Guard[int], error)
		TryLock() (guard.Guard[int], bool)
		With(func(*int))
	}
	kinds := []struct {
		name string
		new  func() locker
	}{
		{"Mutex", func() locker { return new(guard.Mutex[int]) }},
		{"RWMutex", func() locker { return new(guard.RWMutex[int]) }},
	}
	tests := []struct {
		name string
		// misuse sets up a stale Guard; it returns it and the Guard of the
		// current holder, if any (zero if the lock should be free).
		misuse func(t *testing.T, m locker) (stale, holder guard.Guard[int])
	}{
		{"second Unlock, lock free", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.Lock(ctx)
			g.Unlock()
			return g, guard.Guard[int]{}
		}},
		{"copy unlocked, lock free", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.Lock(ctx)
			cp := g
			g.Unlock()
			return cp, guard.Guard[int]{}
		}},
		{"copy unlocked, lock held by Lock", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.Lock(ctx)
			cp := g
			g.Unlock()
			other, err := m.Lock(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return cp, other
		}},
		{"copy unlocked, lock held by TryLock", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.TryLock()
			cp := g
			g.Unlock()
			other, ok := m.TryLock()
			if !ok {
				t.Fatal("TryLock of a free lock failed")
			}
			return cp, other
		}},
		{"copy unlocked, With ran since, lock free", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.Lock(ctx)
			cp := g
			g.Unlock()
			m.With(func(n *int) { *n++ })
			return cp, guard.Guard[int]{}
		}},
		{"copy unlocked, lock handed to a waiter", func(t *testing.T, m locker) (guard.Guard[int], guard.Guard[int]) {
			g, _ := m.Lock(ctx)
			cp := g
			got := make(chan guard.Guard[int])
			go func() {
				w, err := m.Lock(ctx)
				if err != nil {
					t.Error(err)
				}
				got <- w
			}()
			synctest.Wait() // the waiter has queued
			g.Unlock()      // hands the lock to it
			return cp, <-got
		}},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					m := k.new()
					stale, holder := tt.misuse(t, m)
					v := unlockPanic(stale.Unlock)
					const want = "guard: Unlock of a Guard whose hold has ended"
					if s, _ := v.(string); !strings.HasPrefix(s, want) {
						t.Errorf("stale Unlock panicked with %v; want a panic starting %q", v, want)
					}
					_, free := m.TryLock()
					if wantFree := holder == (guard.Guard[int]{}); free != wantFree {
						t.Errorf("after the stale Unlock, TryLock = %v; want %v (the lock as it was)", free, wantFree)
					}
					if free {
						return // TryLock took it; nothing more to check
					}
					// The holder still holds the lock and can release it.
					if v := unlockPanic(holder.Unlock); v != nil {
						t.Fatalf("holder's Unlock panicked: %v", v)
					}
					g, ok := m.TryLock()
					if !ok {
						t.Fatal("after the holder's Unlock, TryLock failed")
					}
					g.Unlock()
				})
			})
		}
	}
}

// TestStaleUnlockUnderReaders: a stale Guard's Unlock while readers hold
// an RWMutex panics with the same message and leaves their hold.
func TestStaleUnlockUnderReaders(t *testing.T) {
	var m guard.RWMutex[int]
	g, _ := m.Lock(context.Background())
	cp := g
	g.Unlock()
	r, ok := m.TryRLock()
	if !ok {
		t.Fatal("TryRLock of a free RWMutex failed")
	}
	v := unlockPanic(cp.Unlock)
	const want = "guard: Unlock of a Guard whose hold has ended"
	if s, _ := v.(string); !strings.HasPrefix(s, want) {
		t.Errorf("stale Unlock under a reader panicked with %v; want a panic starting %q", v, want)
	}
	if _, ok := m.TryLock(); ok {
		t.Fatal("TryLock succeeded while a reader holds the lock")
	}
	r.Unlock()
	if w, ok := m.TryLock(); !ok {
		t.Error("after the reader's Unlock, TryLock failed")
	} else {
		w.Unlock()
	}
}
