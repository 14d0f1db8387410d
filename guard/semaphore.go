package guard

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/task"
)

// ErrInvalid is matched (errors.Is) by the errors of package guard that
// report bad input rather than a failure: those matching [ErrSize]. Bad
// input to a function without an error result panics instead
// (TryAcquire's and Release's bad n), and so does a nil context anywhere.
var ErrInvalid = errors.New("guard: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// Errors of a Semaphore.
var (
	// ErrSize is the error of NewSemaphore given a size below 1, and of an
	// Acquire of fewer than 1 or more than the size permits (TryAcquire
	// panics). It matches [ErrInvalid].
	ErrSize error = invalidError("guard: semaphore size or request out of range")
	// ErrClosed is the error of Acquire on a closed Semaphore, including
	// the calls that were waiting when it closed.
	ErrClosed = errors.New("guard: semaphore closed")
)

// Semaphore is a weighted semaphore: n permits that callers take and give
// back in any amounts. It is tokio's Semaphore and x/sync's
// semaphore.Weighted, with two differences that matter in spool: waiting
// in Acquire is an await point, so a task of a runtime (package rt) that
// waits for permits gives its worker slot back, as it does for a lock; and
// a request that can never be met (more than the size) fails at once
// instead of waiting until its context ends.
//
// Waiters are served in arrival order: a large request at the head of the
// queue holds back smaller ones behind it, so it is never starved. Use a
// Semaphore to bound how many of something run at once where a pool or a
// Group limit does not fit, such as the connections a crawler holds open
// across its tasks, or to apply back-pressure to rt.Spawn, which never
// blocks.
//
// The zero Semaphore has no permits: every Acquire fails with ErrSize and
// every TryAcquire panics. Make one with [NewSemaphore].
//
// Acquire and Release of a free permit cost about 23 ns and no allocation,
// as x/sync's Weighted (24 ns); with every P taking one of 2 permits, 53 ns
// against its 56 ns (BenchmarkSemaphore, 5 runs). A caller that must wait
// allocates its queue entry and channel.
type Semaphore struct {
	size int64

	mu     sync.Mutex
	held   int64
	q      fifo.List[semWaiter, *semWaiter]
	closed bool
}

type semWaiter struct {
	n       int64
	ch      chan struct{} // 1-buffered: granted, or the semaphore closed
	granted bool
	links   fifo.Links[semWaiter]
}

func (w *semWaiter) Links() *fifo.Links[semWaiter] { return &w.links }

// NewSemaphore returns a semaphore of n permits, or an error wrapping
// ErrSize if n is below 1.
func NewSemaphore(n int64) (*Semaphore, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w (NewSemaphore(%d))", ErrSize, n)
	}
	return &Semaphore{size: n}, nil
}

// Size returns the number of permits the semaphore was made with.
func (s *Semaphore) Size() int64 { return s.size }

// Available returns how many permits are free now: a snapshot, for
// metrics and tests.
func (s *Semaphore) Available() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size - s.held
}

// Acquire takes n permits, waiting for them in arrival order (an await
// point). It returns an error wrapping ctx's error if ctx ends first, and
// then holds nothing; ErrClosed if the semaphore is closed; and ErrSize
// if n is below 1 or above the size (always, for a zero Semaphore, whose
// error says to use NewSemaphore). It panics if ctx is nil.
func (s *Semaphore) Acquire(ctx context.Context, n int64) error {
	if ctx == nil {
		panic("guard: Semaphore.Acquire: nil context")
	}
	if n < 1 || n > s.size {
		if s.size == 0 {
			return fmt.Errorf("%w (Acquire(%d) of a zero Semaphore: make one with NewSemaphore)", ErrSize, n)
		}
		return fmt.Errorf("%w (Acquire(%d) of a semaphore of %d)", ErrSize, n, s.size)
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.q.Empty() && s.size-s.held >= n:
		s.held += n
		s.mu.Unlock()
		return nil
	}
	if ctx.Err() != nil {
		s.mu.Unlock()
		return waitError(ctx, "acquire")
	}
	w := &semWaiter{n: n, ch: make(chan struct{}, 1)}
	s.q.PushBack(w)
	s.mu.Unlock()

	pk := task.Park(ctx)
	select {
	case <-w.ch:
		pk.Resume()
		// granted was written before the send on w.ch: the receive orders it
		// before this read. Close sends without granting.
		if w.granted {
			return nil
		}
		return ErrClosed
	case <-ctx.Done():
	}
	// Leave the queue (or give the permits back) before taking the slot
	// back: that may wait for a busy runtime, and the waiters behind must not.
	s.mu.Lock()
	if w.granted { // granted just as ctx ended: give the permits back
		s.held -= n
	} else if !s.closed {
		s.q.Remove(w)
	}
	s.grant() // w may have held back the waiters behind it
	s.mu.Unlock()
	pk.Resume()
	return waitError(ctx, "acquire")
}

// TryAcquire takes n permits if they are free and nobody waits for
// permits, and reports whether it did. It never waits. It reports false
// after Close. An n below 1 or above the size, which Acquire refuses with
// ErrSize, is bad input that no wait could meet: TryAcquire, which has no
// error to say so, panics, as in "guard: Semaphore.TryAcquire: n must be
// from 1 to the size, 3 (got 4)" (on a zero Semaphore too).
func (s *Semaphore) TryAcquire(n int64) bool {
	if n < 1 || n > s.size {
		if s.size == 0 {
			panic(fmt.Sprintf("guard: Semaphore.TryAcquire: a zero Semaphore has no permits: make one with NewSemaphore (got n = %d)", n))
		}
		panic(fmt.Sprintf("guard: Semaphore.TryAcquire: n must be from 1 to the size, %d (got %d)", s.size, n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.q.Empty() || s.size-s.held < n {
		return false
	}
	s.held += n
	return true
}

// Release gives back n permits, waking the waiters they satisfy in
// arrival order. It panics if n is below 1 or more than are held, which
// is a bug in the caller, as an Unlock of an unlocked mutex is.
func (s *Semaphore) Release(n int64) {
	s.mu.Lock()
	if n < 1 || n > s.held {
		held := s.held
		s.mu.Unlock()
		panic(fmt.Sprintf("guard: Semaphore.Release: n must be from 1 to the %d permits held (got %d)", held, n))
	}
	s.held -= n
	s.grant()
	s.mu.Unlock()
}

// Close makes every waiting and later Acquire fail with ErrClosed (and
// TryAcquire report false). Permits already held stay valid and may still
// be released. Close may be called more than once.
func (s *Semaphore) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for w := s.q.Front(); w != nil; w = s.q.Front() {
		s.q.Remove(w)
		w.ch <- struct{}{}
	}
}

// grant hands permits to the waiters at the head of the queue while they
// fit. s.mu is held.
func (s *Semaphore) grant() {
	for w := s.q.Front(); w != nil && !s.closed; w = s.q.Front() {
		if s.size-s.held < w.n {
			return
		}
		s.held += w.n
		s.q.Remove(w)
		w.granted = true
		w.ch <- struct{}{}
	}
}
