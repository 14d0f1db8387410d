package rt

import (
	"context"
	"math"
	"runtime/trace"
	"sync"
	"sync/atomic"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/task"
)

// sem is the runtime's budget of worker slots: a counting semaphore with an
// atomic fast path (a CAS on the count of free slots) and a FIFO queue of
// waiters behind a mutex for the slow path.
//
// The fast path is refused while anyone is queued, so a task that gives its
// slot back and takes it again at once cannot overtake the tasks waiting
// for one. Lost wake-ups are impossible because release adds to free and
// then reads nwait, while a waiter adds to nwait and then reads free (both
// sequentially consistent): at least one of them sees the other.
type sem struct {
	free  atomic.Int64 // slots nobody holds
	_     [56]byte     // keep free and nwait on separate cache lines
	nwait atomic.Int64 // queued waiters

	mu sync.Mutex
	q  fifo.List[waiter, *waiter]

	// waiters recycles waiters, and their channels, between waits: a wait
	// leaves its waiter unqueued, without a token and not granted. It is
	// the sem's own, not the package's, so that a waiter's channel stays
	// with its runtime (a runtime made in a testing/synctest bubble must
	// not share channels with another bubble).
	waiters sync.Pool
}

// waiter is a place in the sem's queue, taken from the sem's pool for one
// wait.
type waiter struct {
	links   fifo.Links[waiter]
	ready   chan struct{} // 1-buffered; made on the first wait
	queued  bool          // in the queue (mu)
	granted bool          // given a slot while queued (mu, then read by the waiter)
}

func (w *waiter) Links() *fifo.Links[waiter] { return &w.links }

func (s *sem) tryAcquire() bool {
	if s.nwait.Load() != 0 {
		return false
	}
	for {
		f := s.free.Load()
		if f <= 0 {
			return false
		}
		if s.free.CompareAndSwap(f, f-1) {
			return true
		}
	}
}

func (s *sem) release() {
	s.free.Add(1)
	if s.nwait.Load() != 0 {
		s.mu.Lock()
		s.grantLocked()
		s.mu.Unlock()
	}
}

// unbounded is what open adds to the free slots: more than any number of
// tasks, and far from overflow.
const unbounded = 1 << 40

// open lifts the bound: every waiter is given a slot and later takes
// succeed at once. Shutdown opens the gates once it has cancelled every
// task, so that cancelled tasks can return without queueing behind a task
// that never gives its slot back.
func (s *sem) open() {
	s.free.Add(unbounded)
	s.mu.Lock()
	s.grantLocked()
	s.mu.Unlock()
}

// grantLocked hands free slots to the waiters at the head of the queue.
func (s *sem) grantLocked() {
	for !s.q.Empty() {
		f := s.free.Load()
		if f <= 0 {
			return
		}
		if !s.free.CompareAndSwap(f, f-1) {
			continue
		}
		w := s.q.Front()
		s.remove(w)
		w.granted = true
		s.nwait.Add(-1)
		w.ready <- struct{}{} // never blocks: one token per grant
	}
}

func (s *sem) push(w *waiter) {
	w.queued = true
	s.q.PushBack(w)
}

func (s *sem) remove(w *waiter) {
	s.q.Remove(w)
	w.queued = false
}

// wait queues w and blocks until it is given a slot (true), or until done is
// closed first (false: w holds nothing). done may be nil.
func (s *sem) wait(w *waiter, done <-chan struct{}) bool {
	s.mu.Lock()
	if w.ready == nil {
		w.ready = make(chan struct{}, 1)
	}
	s.nwait.Add(1)
	s.push(w)
	s.grantLocked()
	s.mu.Unlock()
	select {
	case <-w.ready:
		w.granted = false
		return true
	case <-done:
	}
	s.mu.Lock()
	if w.granted {
		// Granted while done was closing: take the token and give the
		// slot back, so the caller sees a clean "no".
		s.mu.Unlock()
		<-w.ready
		w.granted = false
		s.release()
		return false
	}
	s.remove(w)
	s.nwait.Add(-1)
	s.mu.Unlock()
	return false
}

// entry is the runtime's record of one task: its slot (it implements
// task.Slot), its place in the registry, and what the detector and the
// shutdown report need to know about it. It is kept small (88 bytes, so
// that with a 160-byte Task[int] it fits the 256-byte size class): what
// only named or traced tasks need hangs off their own label set (extra).
type entry struct {
	r        *Runtime
	job      task.Job // what its goroutine runs, and the task's outcome and Cancel
	pc       uintptr  // the function, for a default name
	spawned  int64    // r.clock() at Spawn
	lab      *labels  // pooled for an unnamed async task; nil for an unnamed blocking one, untraced
	blocking bool
	seq      uint16       // spawn order: picks the holds in 8 that are timed, and a first holder cell
	qstate   atomic.Int32 // blocking queue state; qResuming for an async task waiting to go on (see blocking.go)

	// Slot state. parks counts Release calls not yet matched by Acquire:
	// the slot is held while it is 0 and holds, the count of holds begun
	// (modulo 2^32, skipping 0), is not (a task that has not started yet
	// holds nothing). start is r.now() when a sampled hold began (one in
	// 8, chosen by seq: reading the clock costs ~20 ns), else 0. Once the
	// task has ended, parks is parksEnded, so that an await point with its
	// context that resumes on another goroutine takes nothing for it.
	parks atomic.Int32
	holds atomic.Uint32
	start atomic.Int64

	// Registry links (r.mu).
	prev, next *entry
}

// extra holds what only named or traced tasks need, in their own labels.
type extra struct {
	name string
	tctx context.Context // runtime/trace task context
	tt   *trace.Task
}

// extra returns what e has of a name and a trace, or nil.
func (e *entry) extra() *extra {
	if e.lab != nil {
		return e.lab.x // nil in a pooled set, which is never written
	}
	return nil
}

// labelCtx returns the pprof labels the task's goroutine runs under.
func (e *entry) labelCtx() context.Context {
	if e.lab != nil {
		return e.lab.ctx
	}
	return e.r.blab // an unnamed blocking task
}

func (e *entry) name() string {
	if x := e.extra(); x != nil {
		return x.name
	}
	return ""
}

var _ task.Slot = (*entry)(nil)

// Release gives the task's worker slot back at an await point. It is
// called by task.Park; see [task.Slot]. A Park and Resume pair that finds
// a slot free costs about 57 ns and no allocation (BenchmarkPark; 55-59 ns
// over several runs).
//
// It reports false, counting nothing, for a task that has not started (a
// Park with its context from another goroutine): that Park's Resume then
// takes no slot, and cannot take one for the task while the task waits at
// an await point of its own.
func (e *entry) Release() bool {
	if e.holds.Load() == 0 {
		return false // not started: a Park with the task's context from elsewhere
	}
	if e.parks.Add(1) != 1 {
		return true // already given back (a misused await point on another goroutine)
	}
	e.giveBack()
	return true
}

// giveBack gives back the slot e held, once parks says it no longer does.
func (e *entry) giveBack() {
	r := e.r
	if r.cfg.threshold > 0 {
		r.held.take(e)
	}
	if s := e.start.Load(); s != 0 {
		e.start.Store(0)
		r.hold.add(r.now() - s)
	}
	r.sem.release()
}

// parksEnded is parks once the task has ended: below 1, so Acquire takes
// no slot, and far enough from 0 that stray Releases never bring it to 1.
const parksEnded = math.MinInt32 / 2

// end marks e as ended, giving its slot back: an await point with e's
// context that began on another goroutine before e started and resumes
// after it ended must not take a slot for it, which nothing would ever
// give back. If such a resume took the slot just now (parks is 0 again),
// it is given back once more.
func (e *entry) end() {
	if e.parks.CompareAndSwap(0, parksEnded) { // holding, as a task that ends is
		e.giveBack()
		return
	}
	for {
		e.Release()
		if n := e.parks.Load(); n != 0 && e.parks.CompareAndSwap(n, parksEnded) {
			return
		}
	}
}

// Acquire takes a worker slot again after an await point, waiting in FIFO
// order if none is free. It is called by task.Parked.Resume.
func (e *entry) Acquire() {
	if e.holds.Load() == 0 {
		return // the other half of Release's early return
	}
	for {
		n := e.parks.Load()
		if n > 1 {
			// Another await point on the same task is still parked: the
			// last one to resume takes the slot.
			if e.parks.CompareAndSwap(n, n-1) {
				return
			}
			continue
		}
		if n < 1 {
			// Held already (only a Park that came from another goroutine
			// before the task started, resumed after, gets here), or the
			// task has ended (parksEnded).
			return
		}
		_, waited := e.r.acquire(e, nil, false)
		if e.parks.CompareAndSwap(1, 0) {
			if waited >= 0 {
				e.r.wait.add(waited)
			}
			e.startHold()
			if e.r.cfg.threshold > 0 && e.parks.Load() != 0 {
				// The slot went back meanwhile (the task ended, or a stray
				// Park came in), and its take of the cell may have come
				// before startHold's put: take it again, or the cell
				// would keep e for good.
				e.r.held.take(e)
			}
			return
		}
		e.r.sem.release() // a concurrent Park came in; let it resume instead
	}
}

// startHold records that the task now holds a slot, and shows it to the
// detector.
func (e *entry) startHold() {
	h := e.holds.Add(1) // before put: a scan that finds e sees this hold
	if h == 0 {
		h = e.holds.Add(1) // 0 means "not started"
	}
	e.r.held.count(e)
	if e.r.cfg.threshold > 0 {
		e.r.held.put(e) // before the look at detParked: see detect
		if e.r.detParked.Load() {
			e.r.wakeDetector()
		}
	}
	if uint8(h)&7 == uint8(e.seq)&7 {
		e.start.Store(e.r.now())
	}
}

// holders are the cells in which the tasks that hold a slot show
// themselves to the detector, so that a scan visits the slots' holders,
// not every live task: with 100,000 tasks parked at await points, an
// otherwise idle process that scanned the registry under the runtime's
// lock every quarter threshold used 21-22% of a core, and its worst
// Spawn+Await took 3.8-4.5 ms (two runs); with the cells, 4.2% and 70 µs,
// as with no tasks. There are at least twice as many cells
// as slots, each on a cache line of its own, so a holder finds a free cell
// in a probe or two and holders on different cores do not share a line.
// Once Shutdown has opened the gates more tasks may hold than there are
// cells; those the detector does not see.
type holders struct {
	cells []holderCell
	mask  uint32
}

type holderCell struct {
	e     atomic.Pointer[entry]
	takes atomic.Uint64 // slots taken by the tasks whose spawn order picks this cell
	_     [48]byte
}

// holder returns the task shown in c if it holds its slot: nil if c is
// empty or its task is giving the slot back.
func (c *holderCell) holder() *entry {
	if e := c.e.Load(); e != nil && e.parks.Load() == 0 {
		return e
	}
	return nil
}

func (h *holders) init(workers int) {
	n := 2
	for n < 2*workers {
		n <<= 1
	}
	h.cells = make([]holderCell, n)
	h.mask = uint32(n - 1)
}

// count counts a slot taken by e, in the cell its spawn order picks: a
// counter of its own for Metrics, which the task's cell (when the detector
// runs) usually shares a cache line with.
func (h *holders) count(e *entry) { h.cells[uint32(e.seq)&h.mask].takes.Add(1) }

// taken returns how many slots have been taken, by every task so far.
func (h *holders) taken() uint64 {
	var n uint64
	for i := range h.cells {
		n += h.cells[i].takes.Load()
	}
	return n
}

// put shows e, which has just taken a slot, in a free cell, trying first
// the cell its spawn order picks.
func (h *holders) put(e *entry) {
	for i, k := 0, uint32(e.seq)&h.mask; i < len(h.cells); i, k = i+1, (k+1)&h.mask {
		c := &h.cells[k].e
		if c.Load() == nil && c.CompareAndSwap(nil, e) {
			return
		}
	}
}

// take clears e's cell, if put found it one: the same probe finds it.
func (h *holders) take(e *entry) {
	for i, k := 0, uint32(e.seq)&h.mask; i < len(h.cells); i, k = i+1, (k+1)&h.mask {
		if c := &h.cells[k].e; c.Load() == e {
			c.Store(nil)
			return
		}
	}
}
