package guard_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/guard"
)

// TestZeroSemaphoreSaysNewSemaphore: a zero Semaphore has no permits, and
// its Acquire's error said only "out of range (Acquire(1) of a semaphore
// of 0)", not how to get a usable one (audit P3).
func TestZeroSemaphoreSaysNewSemaphore(t *testing.T) {
	tests := []struct {
		name string
		n    int64
		want string
	}{
		{"Acquire(1)", 1, "guard: semaphore size or request out of range (Acquire(1) of a zero Semaphore: make one with NewSemaphore)"},
		{"Acquire(3)", 3, "guard: semaphore size or request out of range (Acquire(3) of a zero Semaphore: make one with NewSemaphore)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s guard.Semaphore
			err := s.Acquire(context.Background(), tt.n)
			if err == nil {
				t.Fatalf("Acquire(%d) of a zero Semaphore = nil; want %q", tt.n, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Acquire(%d) of a zero Semaphore = %q; want %q", tt.n, got, tt.want)
			}
			if !errors.Is(err, guard.ErrSize) {
				t.Errorf("Acquire(%d) of a zero Semaphore = %v; want it to match ErrSize", tt.n, err)
			}
		})
	}
}
