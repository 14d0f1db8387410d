package guard_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/internal/testpanic"
)

// TestNilContextPanics: every exported function of guard that takes a
// context panics at once with "guard: <Func>: nil context". Lock and RLock
// used to take a free lock without looking at the nil, and Acquire to take
// free permits; a contended one crashed on a nil dereference.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	var m guard.Mutex[int]
	var rw guard.RWMutex[int]
	s := newSem(t, 2)
	tests := []struct {
		name string
		call func()
	}{
		{"Mutex.Lock", func() { g, _ := m.Lock(nilCtx); g.Unlock() }},
		{"RWMutex.Lock", func() { g, _ := rw.Lock(nilCtx); g.Unlock() }},
		{"RWMutex.RLock", func() { g, _ := rw.RLock(nilCtx); g.Unlock() }},
		{"Semaphore.Acquire", func() { _ = s.Acquire(nilCtx, 1); s.Release(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "guard: " + tt.name + ": nil context"
			if got := testpanic.Value(tt.call); got != want {
				t.Errorf("%s(nil ctx) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
	if _, ok := m.TryLock(); !ok {
		t.Error("the Mutex is held after the refused Lock")
	}
	if got := s.Available(); got != 2 {
		t.Errorf("Available() = %d after the refused Acquire; want 2", got)
	}
}

// TestBadInput: a bad size or request is an error matching ErrSize and
// ErrInvalid where there is an error result (NewSemaphore, Acquire), and a
// panic naming the function and the value where there is none
// (TryAcquire, which used to report false as for permits in use, and
// Release).
func TestBadInput(t *testing.T) {
	s := newSem(t, 3)
	var zero guard.Semaphore
	errs := []struct {
		name string
		call func() error
	}{
		{"NewSemaphore(0)", func() error { _, err := guard.NewSemaphore(0); return err }},
		{"NewSemaphore(-1)", func() error { _, err := guard.NewSemaphore(-1); return err }},
		{"Acquire(0)", func() error { return s.Acquire(t.Context(), 0) }},
		{"Acquire(-2)", func() error { return s.Acquire(t.Context(), -2) }},
		{"Acquire(4) of 3", func() error { return s.Acquire(t.Context(), 4) }},
		{"Acquire(1) of a zero Semaphore", func() error { return zero.Acquire(t.Context(), 1) }},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, guard.ErrSize) || !errors.Is(err, guard.ErrInvalid) {
				t.Errorf("%s = %v; want an error matching ErrSize and ErrInvalid", tt.name, err)
			}
		})
	}
	panics := []struct {
		name string
		call func()
		want string
	}{
		{"TryAcquire(0)", func() { s.TryAcquire(0) }, "guard: Semaphore.TryAcquire: n must be from 1 to the size, 3 (got 0)"},
		{"TryAcquire(-1)", func() { s.TryAcquire(-1) }, "guard: Semaphore.TryAcquire: n must be from 1 to the size, 3 (got -1)"},
		{"TryAcquire(4)", func() { s.TryAcquire(4) }, "guard: Semaphore.TryAcquire: n must be from 1 to the size, 3 (got 4)"},
		{"TryAcquire(1) of a zero Semaphore", func() { zero.TryAcquire(1) },
			"guard: Semaphore.TryAcquire: a zero Semaphore has no permits: make one with NewSemaphore (got n = 1)"},
		{"Release(0)", func() { s.Release(0) }, "guard: Semaphore.Release: n must be from 1 to the 0 permits held (got 0)"},
		{"Release(1)", func() { s.Release(1) }, "guard: Semaphore.Release: n must be from 1 to the 0 permits held (got 1)"},
	}
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			if got := testpanic.Value(tt.call); got != tt.want {
				t.Errorf("%s panicked with %v; want %q", tt.name, got, tt.want)
			}
		})
	}
	if got := s.Available(); got != 3 {
		t.Errorf("Available() = %d after the refused calls; want 3", got)
	}
}

// ExampleSemaphore_TryAcquire_badRequest: a request no wait could meet is
// bad input; TryAcquire, which has no error result, panics.
func ExampleSemaphore_TryAcquire_badRequest() {
	s, _ := guard.NewSemaphore(2)
	defer func() { fmt.Println(recover()) }()
	s.TryAcquire(3)
	// Output: guard: Semaphore.TryAcquire: n must be from 1 to the size, 2 (got 3)
}

// TestNilFuncPanics: a nil fn given to With, Read or their Try forms
// panics at once, naming the method, and leaves the lock free; it was a
// nil dereference that named nothing.
func TestNilFuncPanics(t *testing.T) {
	var m guard.Mutex[int]
	var rw guard.RWMutex[int]
	tests := []struct {
		name string
		call func()
	}{
		{"Mutex.With", func() { m.With(nil) }},
		{"Mutex.TryWith", func() { m.TryWith(nil) }},
		{"RWMutex.Read", func() { rw.Read(nil) }},
		{"RWMutex.With", func() { rw.With(nil) }},
		{"RWMutex.TryRead", func() { rw.TryRead(nil) }},
		{"RWMutex.TryWith", func() { rw.TryWith(nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "guard: " + tt.name + ": fn must not be nil (got nil)"
			if got := testpanic.Value(tt.call); got != want {
				t.Errorf("%s(nil) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
	if !m.TryWith(func(*int) {}) || !rw.TryWith(func(*int) {}) {
		t.Error("a lock is held after the refused calls")
	}
}
