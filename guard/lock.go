package guard

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/task"
)

// lock is the reader/writer lock under Mutex and RWMutex: an atomic state
// word for the uncontended paths and a FIFO queue of waiters, each with its
// own channel, for the rest.
//
// Once anyone waits (waitersBit), new arrivals queue behind them and every
// release goes through dispatch, which grants the lock to the head of the
// queue (and to the readers right behind a reader head) without releasing
// it in between: waiters are served in arrival order, and a writer is never
// starved by a stream of readers (write-preferring, as tokio's RwLock).
//
// The state word's high half counts the exclusive holds that have ended:
// a Guard keeps the count of its hold and its Unlock expects it, so an
// Unlock of a hold that has ended (a second Unlock, or one of a stale
// copy of the Guard) panics instead of releasing another holder's lock.
// The count rides in the word the fast paths compare-and-swap anyway, so
// the check costs the uncontended Lock one load and Unlock nothing.
type lock struct {
	state atomic.Uint64 // gen<<genShift | readers<<readerShift | waitersBit | writerBit

	mu sync.Mutex // guards the queue and the waiters' granted flags
	q  fifo.List[waiter, *waiter]
}

const (
	writerBit   = 1
	waitersBit  = 2
	readerShift = 2
	oneReader   = 1 << readerShift
	genShift    = 32
	oneGen      = 1 << genShift
	lowMask     = oneGen - 1                 // writer, waiters and readers
	readersMask = lowMask &^ (oneReader - 1) // up to 2^30 readers
)

// A hold names one exclusive hold of a lock: the state word the lock has
// while that hold holds it and nobody waits, gen<<genShift | writerBit.
// Unlock compares it with the state, so it knows a hold that has ended.
type hold uint64

// holdOf is the hold that a writer taking the lock from state s gets.
func holdOf(s uint64) hold { return hold(s&^lowMask | writerBit) }

type waiter struct {
	ch      chan struct{} // 1-buffered: the lock was granted
	shared  bool
	granted bool
	h       hold // the exclusive hold granted
	links   fifo.Links[waiter]
}

func (w *waiter) Links() *fifo.Links[waiter] { return &w.links }

// spins is how many times an exclusive locker retries before it queues.
// Short critical sections usually end within it, which keeps contended
// throughput near sync.Mutex's.
var spins = func() int {
	if runtime.GOMAXPROCS(0) > 1 {
		return 4
	}
	return 0
}()

// tryLock takes the lock exclusively if it is free and nobody waits, and
// returns the hold, for unlock. As sync.Mutex's TryLock, it makes one
// attempt.
func (l *lock) tryLock() (hold, bool) {
	s := l.state.Load()
	return hold(s | writerBit), s&lowMask == 0 && l.state.CompareAndSwap(s, s|writerBit)
}

func (l *lock) tryRLock() bool {
	for {
		s := l.state.Load()
		if s&(writerBit|waitersBit) != 0 {
			return false
		}
		if l.state.CompareAndSwap(s, s+oneReader) {
			return true
		}
	}
}

// lock takes the lock exclusively, waiting as long as it takes, and
// returns the hold.
func (l *lock) lock() hold {
	if h, ok := l.tryLock(); ok {
		return h
	}
	h, _ := l.lockSlow(context.Background(), false, false)
	return h
}

// lockCtx takes the lock, or returns a wrapped ctx error if ctx ends first.
// Waiting is an await point. For an exclusive hold it returns the hold.
func (l *lock) lockCtx(ctx context.Context, shared bool) (hold, error) {
	if shared {
		if l.tryRLock() {
			return 0, nil
		}
	} else if h, ok := l.tryLock(); ok {
		return h, nil
	}
	return l.lockSlow(ctx, shared, true)
}

func (l *lock) rlock() {
	if !l.tryRLock() {
		l.lockSlow(context.Background(), true, false)
	}
}

// unlock ends the exclusive hold h: it releases the lock and counts the
// hold as ended (the next hold has the next gen). If the lock is not held
// by h, it panics and leaves the lock as it was.
func (l *lock) unlock(h hold) {
	if !l.state.CompareAndSwap(uint64(h), uint64(h)+(oneGen-writerBit)) {
		l.unlockSlow(h)
	}
}

// runlock takes a reader off with a compare-and-swap, so that a misplaced
// RUnlock panics without touching the state: a recovered panic leaves the
// lock as it was.
func (l *lock) runlock() {
	for {
		s := l.state.Load()
		if s&readersMask == 0 || s&writerBit != 0 {
			panic("guard: RUnlock of a lock not read-locked")
		}
		n := s - oneReader
		if !l.state.CompareAndSwap(s, n) {
			continue
		}
		if n&waitersBit != 0 && n&readersMask == 0 {
			l.mu.Lock()
			l.dispatch()
			l.mu.Unlock()
		}
		return
	}
}

// unlockSlow is unlock when the fast path's compare-and-swap failed:
// others wait, or the hold h has ended. The check and the release happen
// under l.mu, which the waiters bit cannot be cleared without: an Unlock
// of a copy of h racing with this one cannot succeed in between, and
// finds the lock released and panics.
func (l *lock) unlockSlow(h hold) {
	l.mu.Lock()
	if s := l.state.Load(); holdOf(s) != h || s&writerBit == 0 {
		l.mu.Unlock()
		panic(fmt.Sprintf("guard: Unlock of a Guard whose hold has ended (a second Unlock, or an Unlock of a copy of the Guard); the lock is %s and was left so", heldBy(s)))
	}
	l.state.Add(oneGen - writerBit)
	l.dispatch()
	l.mu.Unlock()
}

// heldBy describes who holds a lock in state s, for the panic of an
// Unlock of an ended hold.
func heldBy(s uint64) string {
	switch {
	case s&writerBit != 0:
		return "held by another holder"
	case s&readersMask != 0:
		return "read-locked"
	}
	return "free"
}

// lockSlow queues the caller and waits for dispatch to grant it the lock.
// With await set, the wait is an await point and ends early if ctx ends;
// without, it is the plain blocking wait of With and Read.
//
// For an exclusive hold it returns the hold.
func (l *lock) lockSlow(ctx context.Context, shared, await bool) (hold, error) {
	if !shared {
		for range spins {
			if l.state.Load()&waitersBit != 0 {
				break // tryLock cannot win while others queue
			}
			for range 30 {
				if l.state.Load()&lowMask == 0 {
					break
				}
			}
			if h, ok := l.tryLock(); ok {
				return h, nil
			}
			runtime.Gosched()
		}
	}
	if await && ctx.Err() != nil {
		return 0, lockError(ctx)
	}
	// Waiters are not pooled: a channel made inside a testing/synctest
	// bubble must not be used outside it.
	w := &waiter{ch: make(chan struct{}, 1), shared: shared}
	l.mu.Lock()
	l.push(w)
	// The lock may have come free between the caller's try and the waiters
	// bit going up, with no one left to dispatch: dispatch now.
	l.dispatch()
	l.mu.Unlock()

	// w.h was written before the send on w.ch: the receive orders it
	// before the reads below.
	if !await {
		<-w.ch
		return w.h, nil
	}
	pk := task.Park(ctx)
	select {
	case <-w.ch:
		pk.Resume()
		return w.h, nil
	case <-ctx.Done():
	}
	// Leave the queue (or hand the lock on) before taking the slot back:
	// that may wait for a busy runtime, and the waiters behind must not.
	l.mu.Lock()
	granted := w.granted
	if !granted {
		l.remove(w)
		l.dispatch() // w may have been holding back the waiters behind it
	}
	l.mu.Unlock()
	if granted {
		// The lock was handed to w just as ctx ended: hand it on.
		<-w.ch
		if shared {
			l.runlock()
		} else {
			l.unlock(w.h)
		}
	}
	pk.Resume()
	return 0, lockError(ctx)
}

func lockError(ctx context.Context) error { return waitError(ctx, "lock") }

// waitError is the error of a wait (op) that ctx ended: it wraps ctx's
// error and, if it differs, its cause.
func waitError(ctx context.Context, op string) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("guard: %s: %w: %w", op, err, cause)
	}
	return fmt.Errorf("guard: %s: %w", op, err)
}

// grab takes the lock if it is free for this kind of locker, ignoring the
// waiters bit, and returns an exclusive hold. l.mu is held.
func (l *lock) grab(shared bool) (hold, bool) {
	for {
		s := l.state.Load()
		if s&writerBit != 0 || !shared && s&readersMask != 0 {
			return 0, false
		}
		n := s | writerBit
		if shared {
			n = s + oneReader
		}
		if l.state.CompareAndSwap(s, n) {
			return holdOf(s), true
		}
	}
}

// push appends w to the queue and raises the waiters bit. l.mu is held.
func (l *lock) push(w *waiter) {
	l.q.PushBack(w)
	l.state.Or(waitersBit)
}

// remove takes w out of the queue, and lowers the waiters bit if it was
// the last. l.mu is held.
func (l *lock) remove(w *waiter) {
	l.q.Remove(w)
	if l.q.Empty() {
		l.state.And(^uint64(waitersBit))
	}
}

// dispatch grants the lock to the waiters at the head of the queue for as
// long as they can have it: one writer, or a run of readers. l.mu is held.
func (l *lock) dispatch() {
	for w := l.q.Front(); w != nil; w = l.q.Front() {
		h, ok := l.grab(w.shared)
		if !ok {
			return
		}
		l.remove(w)
		w.granted, w.h = true, h
		w.ch <- struct{}{}
		if !w.shared {
			return
		}
	}
}
