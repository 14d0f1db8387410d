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
type lock struct {
	state atomic.Int64 // writerBit | waitersBit | readers<<readerShift

	mu sync.Mutex // guards the queue and the waiters' granted flags
	q  fifo.List[waiter, *waiter]
}

const (
	writerBit   = 1
	waitersBit  = 2
	readerShift = 2
	oneReader   = 1 << readerShift
)

type waiter struct {
	ch      chan struct{} // 1-buffered: the lock was granted
	shared  bool
	granted bool
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

func (l *lock) tryLock() bool { return l.state.CompareAndSwap(0, writerBit) }

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

// lock takes the lock exclusively, waiting as long as it takes.
func (l *lock) lock() {
	if !l.tryLock() {
		l.lockSlow(context.Background(), false, false)
	}
}

// lockCtx takes the lock, or returns a wrapped ctx error if ctx ends first.
// Waiting is an await point.
func (l *lock) lockCtx(ctx context.Context, shared bool) error {
	if shared {
		if l.tryRLock() {
			return nil
		}
	} else if l.tryLock() {
		return nil
	}
	return l.lockSlow(ctx, shared, true)
}

func (l *lock) rlock() {
	if !l.tryRLock() {
		l.lockSlow(context.Background(), true, false)
	}
}

func (l *lock) unlock() {
	if !l.state.CompareAndSwap(writerBit, 0) {
		l.unlockSlow()
	}
}

// runlock takes a reader off with a compare-and-swap, so that a misplaced
// RUnlock panics without touching the state: a recovered panic leaves the
// lock as it was.
func (l *lock) runlock() {
	for {
		s := l.state.Load()
		if s>>readerShift <= 0 || s&writerBit != 0 {
			panic("guard: RUnlock of a lock not read-locked")
		}
		n := s - oneReader
		if !l.state.CompareAndSwap(s, n) {
			continue
		}
		if n&waitersBit != 0 && n>>readerShift == 0 {
			l.mu.Lock()
			l.dispatch()
			l.mu.Unlock()
		}
		return
	}
}

func (l *lock) unlockSlow() {
	l.mu.Lock()
	if l.state.Load()&writerBit == 0 {
		l.mu.Unlock()
		panic("guard: Unlock of an unlocked lock")
	}
	l.state.Add(-writerBit)
	l.dispatch()
	l.mu.Unlock()
}

// lockSlow queues the caller and waits for dispatch to grant it the lock.
// With await set, the wait is an await point and ends early if ctx ends;
// without, it is the plain blocking wait of With and Read.
func (l *lock) lockSlow(ctx context.Context, shared, await bool) error {
	if !shared {
		for range spins {
			if l.state.Load()&waitersBit != 0 {
				break // tryLock cannot win while others queue
			}
			for range 30 {
				if l.state.Load() == 0 {
					break
				}
			}
			if l.tryLock() {
				return nil
			}
			runtime.Gosched()
		}
	}
	if await && ctx.Err() != nil {
		return lockError(ctx)
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

	if !await {
		<-w.ch
		return nil
	}
	pk := task.Park(ctx)
	select {
	case <-w.ch:
		pk.Resume()
		return nil
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
			l.unlock()
		}
	}
	pk.Resume()
	return lockError(ctx)
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
// waiters bit. l.mu is held.
func (l *lock) grab(shared bool) bool {
	for {
		s := l.state.Load()
		if s&writerBit != 0 || !shared && s>>readerShift != 0 {
			return false
		}
		n := s | writerBit
		if shared {
			n = s + oneReader
		}
		if l.state.CompareAndSwap(s, n) {
			return true
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
		l.state.And(^int64(waitersBit))
	}
}

// dispatch grants the lock to the waiters at the head of the queue for as
// long as they can have it: one writer, or a run of readers. l.mu is held.
func (l *lock) dispatch() {
	for w := l.q.Front(); w != nil; w = l.q.Front() {
		if !l.grab(w.shared) {
			return
		}
		l.remove(w)
		w.granted = true
		w.ch <- struct{}{}
		if !w.shared {
			return
		}
	}
}
