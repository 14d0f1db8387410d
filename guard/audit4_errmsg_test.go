package guard_test

import (
	"errors"
	"testing"

	"github.com/spool-go/spool/guard"
)

// TestAudit4ErrSizeSaysGuardOnce: NewSemaphore and Acquire wrapped ErrSize,
// whose text starts with "guard: ", in a "guard: ...: " of their own, so
// the message read "guard: NewSemaphore(0): guard: semaphore size or
// request out of range".
func TestAudit4ErrSizeSaysGuardOnce(t *testing.T) {
	s := newSem(t, 2)
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"NewSemaphore(0)", func() error { _, err := guard.NewSemaphore(0); return err },
			"guard: semaphore size or request out of range (NewSemaphore(0))"},
		{"NewSemaphore(-5)", func() error { _, err := guard.NewSemaphore(-5); return err },
			"guard: semaphore size or request out of range (NewSemaphore(-5))"},
		{"Acquire(3) of 2", func() error { return s.Acquire(t.Context(), 3) },
			"guard: semaphore size or request out of range (Acquire(3) of a semaphore of 2)"},
		{"Acquire(0) of 2", func() error { return s.Acquire(t.Context(), 0) },
			"guard: semaphore size or request out of range (Acquire(0) of a semaphore of 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil {
				t.Fatalf("%s = nil; want %q", c.name, c.want)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("%s = %q; want %q", c.name, got, c.want)
			}
			if !errors.Is(err, guard.ErrSize) {
				t.Errorf("%s = %v; want it to match ErrSize", c.name, err)
			}
		})
	}
	if got := s.Available(); got != 2 {
		t.Errorf("Available() after the refused Acquires = %d; want 2", got)
	}
}
