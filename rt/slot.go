package rt

import (
	"context"
	"math"
	"math/rand/v2"
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
	gstate   uint8        // for a task of a group on r (see TaskSlot): gNone, gAccepted, gRun or gRefused (r.mu)
	seq      uint16       // spawn order: picks a first holder cell
	qstate   atomic.Int32 // blocking queue state; qResuming for an async task waiting to go on (see blocking.go)

	// Slot state. slot packs parks and holds in one word (see slotWord),
	// so that the step that begins a hold also numbers it. parks counts
	// Release calls not yet matched by Acquire: the slot is held while it
	// is 0 and holds, the count of holds begun (modulo 2^32, skipping 0),
	// is not (a task that has not started yet holds nothing). start is
	// r.now() when a sampled hold began (one in 8, at random: reading the
	// clock costs ~20 ns), else 0. Once the task has ended, parks is
	// parksEnded, so that an await point with its context that resumes on
	// another goroutine takes nothing for it.
	slot  atomic.Uint64
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

// A slot word holds parks, signed, in its high 32 bits and holds in its
// low 32 bits. A hold begins with one CAS that sets parks to 0 and counts
// the hold, so that the word names the hold until it ends: whoever showed
// a hold in a cell can tell, by reading the word, whether that hold is
// still on (see startHold). Release adds onePark, which never carries
// into holds.
const onePark = 1 << 32

func slotWord(parks int32, holds uint32) uint64 { return uint64(uint32(parks))<<32 | uint64(holds) }
func parksOf(w uint64) int32                    { return int32(w >> 32) }
func holdsOf(w uint64) uint32                   { return uint32(w) }

// nextHold is the number of the hold after the hold numbered h: 0 means
// "not started", so the count skips it when it wraps.
func nextHold(h uint32) uint32 {
	if h++; h == 0 {
		h = 1
	}
	return h
}

// parks returns how many await points with e's context have given its
// slot back and not taken it again (0: it holds it; below 0: it has
// ended).
func (e *entry) parks() int32 { return parksOf(e.slot.Load()) }

// holds returns the number of e's current or last hold: 0 if it has not
// started.
func (e *entry) holds() uint32 { return holdsOf(e.slot.Load()) }

// ended reports whether e's task has ended (parks is parksEnded, plus any
// stray Releases since).
func (e *entry) ended() bool { return e.parks() < 0 }

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
	if holdsOf(e.slot.Load()) == 0 {
		return false // not started: a Park with the task's context from elsewhere
	}
	if parksOf(e.slot.Add(onePark)) != 1 {
		return true // already given back (a misused await point on another goroutine)
	}
	e.giveBack()
	return true
}

// giveBack gives back the slot e held, once parks says it no longer does.
// Every hold that ends comes here: its take of e's cell is the one that
// startHold counts on when it finds the hold still on after its put.
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

// end marks e as ended, giving its slot back if it holds it: an await
// point with e's context that began on another goroutine before e started
// and resumes after it ended must not take a slot for it, which nothing
// would ever give back. If such a resume took the slot just now (parks is
// 0 again), it is given back here.
func (e *entry) end() {
	for {
		w := e.slot.Load()
		if e.slot.CompareAndSwap(w, slotWord(parksEnded, holdsOf(w))) {
			if parksOf(w) == 0 { // holding, as a task that ends usually is
				e.giveBack()
			}
			return
		}
	}
}

// begin starts the task's first hold, on its own goroutine once it has
// its first slot. Nothing else writes e.slot while holds is 0 (Release
// and Acquire do nothing then), so a store does.
func (e *entry) begin() {
	w := slotWord(0, 1)
	e.slot.Store(w)
	e.startHold(w)
}

// Acquire takes a worker slot again after an await point, waiting in FIFO
// order if none is free. It is called by task.Parked.Resume.
func (e *entry) Acquire() {
	if holdsOf(e.slot.Load()) == 0 {
		return // the other half of Release's early return
	}
	for {
		w := e.slot.Load()
		n := parksOf(w)
		if n > 1 {
			// Another await point on the same task is still parked: the
			// last one to resume takes the slot.
			if e.slot.CompareAndSwap(w, w-onePark) {
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
		w = e.slot.Load()
		held := slotWord(0, nextHold(holdsOf(w)))
		if parksOf(w) == 1 && e.slot.CompareAndSwap(w, held) {
			if waited >= 0 {
				e.r.wait.add(waited)
			}
			e.startHold(held)
			return
		}
		e.r.sem.release() // a concurrent Park came in; let it resume instead
	}
}

// startHold records that the task holds a slot, in the hold that set its
// slot word to w, and shows it to the detector.
//
// The show races the hold's end when await points with the task's
// context run on other goroutines (a misuse): the hold may end, and its
// giveBack take e's cell, before the put here, and another hold may even
// begin and show e in a cell of its own meanwhile. So once e is shown,
// startHold reads the slot word again. If it still says w, the hold is
// on, and its end's take will come after the put. If not, the hold has
// ended and its take may have come first, so startHold takes e once
// more itself. Either way every put is followed by a take of its own
// that begins after it, and since every take of e probes the cells in
// the same order and clears a cell only by a CAS, a take never misses
// every copy of e that was shown before it began: once the task has
// ended, and the takes have returned, no cell shows it
// (TestMisusedAwaitPointsLeaveNoCell). While it holds its slot, at most
// one cell does, or none (a take of an ended hold may clear the cell of
// the current one: the detector then misses that hold). Reading parks
// alone would not do, nor numbering the hold after the step that began
// it: either may find the word as the hold left it although another
// hold began since, and that hold's end takes only one of e's two cells.
func (e *entry) startHold(w uint64) {
	r := e.r
	r.held.count(e)
	if r.cfg.threshold > 0 {
		r.held.put(e) // before the look at detParked: see detect
		if e.slot.Load() != w {
			r.held.take(e) // the hold ended before the put: see above
			return
		}
		if r.detParked.Load() {
			r.wakeDetector()
		}
	}
	// One hold in 8, at random: picked by spawn order and hold number, a
	// task that holds once was timed only if its spawn number was 1 mod 8,
	// so a workload that spawns tasks in pairs (or a Spawn and a
	// SpawnBlocking a request) never timed one of the two kinds.
	if rand.Uint32()&7 == 0 {
		e.start.Store(r.now())
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

// holder returns the task shown in c if it holds its slot, and the
// number of that hold: nil if c is empty or its task is giving the slot
// back.
func (c *holderCell) holder() (*entry, uint32) {
	if e := c.e.Load(); e != nil {
		if w := e.slot.Load(); parksOf(w) == 0 {
			return e, holdsOf(w)
		}
	}
	return nil, 0
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

// take clears e's cell, if put found it one: the same probe finds it. It
// clears one cell, by a CAS: two takes of e that race (see startHold)
// clear two cells, or one and nothing, never one cell twice.
func (h *holders) take(e *entry) {
	for i, k := 0, uint32(e.seq)&h.mask; i < len(h.cells); i, k = i+1, (k+1)&h.mask {
		if c := &h.cells[k].e; c.Load() == e && c.CompareAndSwap(e, nil) {
			return
		}
	}
}
