package guard

import "context"

// Mutex is a mutual-exclusion lock that owns the value it guards: the
// value is reached through With or a Guard, so code cannot touch it
// without holding the lock, as with Rust's Mutex<T>. The zero value is an
// unlocked Mutex holding the zero T:
//
//	var m guard.Mutex[[]int]
//	m.With(func(s *[]int) { *s = append(*s, 1) })
//
// Waiters are served in arrival order once they queue (an exclusive locker
// first retries briefly, as sync.Mutex spins). A Mutex must not be copied
// after first use.
type Mutex[T any] struct {
	l lock
	v T
}

// With runs fn with the value while holding the lock: the chapter's
// std::sync::Mutex, for short critical sections that do not wait. If fn
// panics, the lock is released and the panic goes on. fn must not keep
// the pointer after it returns.
//
// Uncontended, With costs about 14 ns of CPU time and no allocation,
// against 11 ns for sync.Mutex's Lock and Unlock: two atomic operations
// each, plus a call, and a load for the hold check that Guard.Unlock
// relies on (BenchmarkWith/uncontended against
// BenchmarkSyncMutex/uncontended, medians of 6 alternating runs; the hold
// check moved neither by more than the runs' noise, under 1 ns).
func (m *Mutex[T]) With(fn func(*T)) {
	if fn == nil {
		panic("guard: Mutex.With: fn must not be nil (got nil)")
	}
	defer m.l.unlock(m.l.lock())
	fn(&m.v)
}

// TryWith runs fn with the value if the lock is free, without waiting,
// and reports whether it did.
func (m *Mutex[T]) TryWith(fn func(*T)) bool {
	if fn == nil {
		panic("guard: Mutex.TryWith: fn must not be nil (got nil)")
	}
	h, ok := m.l.tryLock()
	if !ok {
		return false
	}
	defer m.l.unlock(h)
	fn(&m.v)
	return true
}

// Lock waits for the lock and returns a Guard that holds it: the
// chapter's tokio::sync::Mutex, for a lock held across await points.
// Waiting is an await point (on a runtime, the caller's slot is given back)
// and is cancellable: if ctx ends first, Lock returns a wrapped ctx error
// and does not hold the lock. A free lock is taken without looking at ctx,
// as semaphore.Weighted.Acquire does. Call Unlock on the Guard exactly once.
//
// Uncontended, Lock and Unlock cost about 14.5 ns of CPU time and no
// allocation: the Guard is a value (BenchmarkLockCtx/uncontended, medians
// of 6 runs).
//
// Lock panics if ctx is nil ("guard: Mutex.Lock: nil context"), free lock
// or not, as RWMutex's Lock and RLock and Semaphore.Acquire do.
func (m *Mutex[T]) Lock(ctx context.Context) (Guard[T], error) {
	if ctx == nil {
		panic("guard: Mutex.Lock: nil context")
	}
	h, err := m.l.lockCtx(ctx, false)
	if err != nil {
		return Guard[T]{}, err
	}
	return Guard[T]{l: &m.l, v: &m.v, h: h}, nil
}

// TryLock returns a Guard holding the lock if it is free, without waiting.
func (m *Mutex[T]) TryLock() (Guard[T], bool) {
	h, ok := m.l.tryLock()
	if !ok {
		return Guard[T]{}, false
	}
	return Guard[T]{l: &m.l, v: &m.v, h: h}, true
}

// Get returns a copy of the value, taken under the lock. The copy is
// shallow: slices and maps in it still share their contents.
func (m *Mutex[T]) Get() T {
	defer m.l.unlock(m.l.lock())
	return m.v
}

// Set replaces the value under the lock.
func (m *Mutex[T]) Set(v T) {
	defer m.l.unlock(m.l.lock())
	m.v = v
}

// Guard is an exclusive hold on a Mutex or RWMutex and the way to its
// value. It is a small value, not a pointer: keep one copy and call Unlock
// on it once. Using Value after Unlock is a data race the race detector
// reports.
//
// A Guard knows which hold it stands for (each exclusive hold of a lock
// has its own number, kept in the lock's state word), so a second Unlock,
// or an Unlock of a copy after the hold has ended, panics instead of
// releasing the lock of whoever holds it now.
type Guard[T any] struct {
	l *lock
	v *T
	h hold // which exclusive hold of l this is
}

// Value returns the guarded value. It is valid until Unlock.
func (g Guard[T]) Value() *T { return g.v }

// Unlock releases the lock, handing it to the first waiter if there is one.
// It panics if the hold g stands for has ended (a second Unlock, or an
// Unlock of a copy of g), leaving the lock as it is, held or not, as
// sync.Mutex panics on an unlock of an unlocked mutex; a recovered panic
// leaves the lock usable. (The check is by a 32-bit count of holds, so a
// copy kept across a multiple of 2^32 later holds would go unnoticed.)
func (g Guard[T]) Unlock() {
	if g.l == nil {
		panic("guard: Unlock of a zero Guard")
	}
	g.l.unlock(g.h)
}

// RWMutex is a reader/writer lock that owns the value it guards: many
// readers or one writer at a time, as Rust's RwLock<T>. It is
// write-preferring and fair, as tokio's: once a writer waits, new readers
// queue behind it, so readers cannot starve writers. The zero value is an
// unlocked RWMutex holding the zero T. An RWMutex must not be copied after
// first use.
//
// Prefer a Mutex unless reads are long or far outnumber writes: a read
// lock costs as much as a Mutex lock (about 14 ns uncontended, by Read or
// RLock: BenchmarkRead), and for critical sections of a few nanoseconds
// readers contend on the lock word anyway.
type RWMutex[T any] struct {
	l lock
	v T
}

// Read runs fn with the value while holding a read lock; other readers may
// run at the same time. fn must only read: mutating the value in Read is a
// data race with the other readers (the race detector reports it) and must
// go through With. If fn panics, the read lock is released and the panic
// goes on.
func (m *RWMutex[T]) Read(fn func(*T)) {
	if fn == nil {
		panic("guard: RWMutex.Read: fn must not be nil (got nil)")
	}
	m.l.rlock()
	defer m.l.runlock()
	fn(&m.v)
}

// With runs fn with the value while holding the write lock.
func (m *RWMutex[T]) With(fn func(*T)) {
	if fn == nil {
		panic("guard: RWMutex.With: fn must not be nil (got nil)")
	}
	defer m.l.unlock(m.l.lock())
	fn(&m.v)
}

// TryRead runs fn under a read lock if one can be had without waiting, and
// reports whether it did.
func (m *RWMutex[T]) TryRead(fn func(*T)) bool {
	if fn == nil {
		panic("guard: RWMutex.TryRead: fn must not be nil (got nil)")
	}
	if !m.l.tryRLock() {
		return false
	}
	defer m.l.runlock()
	fn(&m.v)
	return true
}

// TryWith runs fn under the write lock if it is free, and reports whether
// it did.
func (m *RWMutex[T]) TryWith(fn func(*T)) bool {
	if fn == nil {
		panic("guard: RWMutex.TryWith: fn must not be nil (got nil)")
	}
	h, ok := m.l.tryLock()
	if !ok {
		return false
	}
	defer m.l.unlock(h)
	fn(&m.v)
	return true
}

// RLock waits for a read lock, as Mutex.Lock waits for the lock: an await
// point, cancellable with ctx. As with sync.RWMutex, a goroutine must not
// take a read lock it already holds: a writer waiting in between would
// make it wait for itself.
func (m *RWMutex[T]) RLock(ctx context.Context) (ReadGuard[T], error) {
	if ctx == nil {
		panic("guard: RWMutex.RLock: nil context")
	}
	if _, err := m.l.lockCtx(ctx, true); err != nil {
		return ReadGuard[T]{}, err
	}
	return ReadGuard[T]{l: &m.l, v: &m.v}, nil
}

// Lock waits for the write lock, as Mutex.Lock does.
func (m *RWMutex[T]) Lock(ctx context.Context) (Guard[T], error) {
	if ctx == nil {
		panic("guard: RWMutex.Lock: nil context")
	}
	h, err := m.l.lockCtx(ctx, false)
	if err != nil {
		return Guard[T]{}, err
	}
	return Guard[T]{l: &m.l, v: &m.v, h: h}, nil
}

// TryRLock returns a ReadGuard if a read lock can be had without waiting.
func (m *RWMutex[T]) TryRLock() (ReadGuard[T], bool) {
	if !m.l.tryRLock() {
		return ReadGuard[T]{}, false
	}
	return ReadGuard[T]{l: &m.l, v: &m.v}, true
}

// TryLock returns a Guard if the write lock is free.
func (m *RWMutex[T]) TryLock() (Guard[T], bool) {
	h, ok := m.l.tryLock()
	if !ok {
		return Guard[T]{}, false
	}
	return Guard[T]{l: &m.l, v: &m.v, h: h}, true
}

// Get returns a copy of the value, taken under a read lock.
func (m *RWMutex[T]) Get() T {
	m.l.rlock()
	defer m.l.runlock()
	return m.v
}

// Set replaces the value under the write lock.
func (m *RWMutex[T]) Set(v T) {
	defer m.l.unlock(m.l.lock())
	m.v = v
}

// ReadGuard is a shared hold on an RWMutex. Its Value must only be read.
type ReadGuard[T any] struct {
	l *lock
	v *T
}

// Value returns the guarded value, for reading only, until Unlock.
func (g ReadGuard[T]) Value() *T { return g.v }

// Unlock releases the read lock. Unlock each ReadGuard once: a second
// Unlock of g, or an Unlock of a copy, panics ("guard: RUnlock of a lock
// not read-locked") only when no reader holds the lock. While another
// reader does, it goes unnoticed and ends that reader's hold instead, so
// a writer may get in while that reader still reads, as with
// sync.RWMutex's RUnlock. (Read holds are counted, not named, so that a
// read lock costs one compare-and-swap; a Guard, which is exclusive, is
// checked.)
func (g ReadGuard[T]) Unlock() {
	if g.l == nil {
		panic("guard: Unlock of a zero ReadGuard")
	}
	g.l.runlock()
}
