package rt

import (
	"errors"
	"expvar"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/stats"
)

// nbuckets power-of-two buckets cover 0 to 2^38 ns (about 4.6 minutes);
// longer durations land in the last one, which snapshot reports as open
// (Below is the longest Duration).
const nbuckets = 40

// histogram counts durations in power-of-two buckets with atomic counters:
// bucket i holds durations d with bits.Len64(d) == i, that is
// 2^(i-1) <= d < 2^i nanoseconds (bucket 0 holds 0).
// The sum of the durations, in nanoseconds, is kept beside the counts, so
// that a snapshot has their mean: one more atomic add for each duration
// recorded (BenchmarkPark: a hold in 8 is recorded). It takes the end of
// the padding, so a histogram is the size it was without it, and the
// Runtime's other fields keep their cache lines.
type histogram struct {
	_   [64 - 8]byte // keep off the cache lines of its neighbours
	sum atomic.Int64
	b   [nbuckets]atomic.Uint64
}

func (h *histogram) add(d int64) {
	if d < 0 {
		d = 0
	}
	i := bits.Len64(uint64(d))
	if i >= nbuckets {
		i = nbuckets - 1
	}
	h.b[i].Add(1)
	h.sum.Add(d)
}

func (h *histogram) snapshot() Histogram { return histogramOf(h.load()) }

// load reads the counts of every bucket, and then the sum.
func (h *histogram) load() (c [nbuckets]uint64, sum int64) {
	for i := range h.b {
		c[i] = h.b[i].Load()
	}
	return c, h.sum.Load()
}

// histogramOf makes the Histogram of counts c and sum, in one allocation
// of the exact size.
func histogramOf(c [nbuckets]uint64, sum int64) Histogram {
	k := 0
	for _, n := range c {
		if n > 0 {
			k++
		}
	}
	if k == 0 {
		return Histogram{}
	}
	s := Histogram{Buckets: make([]Bucket, 0, k), Sum: time.Duration(sum)}
	for i, n := range c {
		if n > 0 {
			below := time.Duration(1) << i
			if i == nbuckets-1 {
				below = math.MaxInt64 // clamped: any longer duration
			}
			s.Buckets = append(s.Buckets, Bucket{Below: below, Count: n})
		}
	}
	return s
}

// Histogram is a distribution of durations in power-of-two buckets. Only
// buckets with a count are listed, shortest first. It reads as
// pool.Histogram does: Count, Sum, Mean and Quantile.
type Histogram struct {
	Buckets []Bucket
	Sum     time.Duration // the sum of the durations recorded
}

// Bucket counts the durations below Below and at least half of it (the
// first bucket, Below 1ns, counts zero durations: a slot taken at once).
// The last possible bucket counts every duration of 2^38 ns (about 4.6
// minutes) or more: its Below is the longest time.Duration.
type Bucket struct {
	Below time.Duration
	Count uint64
}

// Count returns the number of durations recorded.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, b := range h.Buckets {
		n += b.Count
	}
	return n
}

// Mean returns the mean duration, Sum / Count, or 0 for an empty
// histogram. In a snapshot taken while durations are recorded, Sum and the
// counts are read one after the other, so the mean may be off by the few
// recorded in between.
func (h Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return h.Sum / time.Duration(n)
}

// Quantile returns an upper bound of the q-quantile (0 <= q <= 1): the
// Below of the bucket it falls in, so within a factor of two, except in
// the open last bucket (durations of 2^38 ns, about 4.6 minutes, or more),
// whose bound is the longest time.Duration. It returns 0 for an empty
// histogram. It panics if q is not in [0, 1] (NaN included), as in "rt:
// Histogram.Quantile: q must be in [0, 1] (got 1.5)".
func (h Histogram) Quantile(q float64) time.Duration {
	if !(q >= 0 && q <= 1) {
		panic(fmt.Sprintf("rt: Histogram.Quantile: q must be in [0, 1] (got %v)", q))
	}
	total := h.Count()
	if total == 0 {
		return 0
	}
	rank := stats.Rank(q, total) // the ⌈q·total⌉th sample
	var n uint64
	for _, b := range h.Buckets {
		n += b.Count
		if n >= rank {
			return b.Below
		}
	}
	return h.Buckets[len(h.Buckets)-1].Below
}

// Metrics is a snapshot of a runtime's state and counters. Most fields are
// read one by one, not atomically together, so a snapshot taken while
// tasks come and go may be off by a few. The live task counts (Tasks,
// BlockingTasks) and the outcome counts are read together, and a task
// leaves the first for the second in one step, so every snapshot has
//
//	Spawned == Completed + Failed + Panicked + Cancelled + Tasks + BlockingTasks
//
// The outcomes mean what pool.Metrics' do. A task counts once it has left
// the registry, a moment after it resolved: an Await that returned does
// not mean the task is counted yet; once Shutdown has returned nil, every
// task is. Once the runtime is shut down and every task has ended, Tasks,
// BlockingTasks and BusySlots are 0 and the outcomes add up to Spawned.
type Metrics struct {
	Name    string // the runtime's name
	Workers int    // worker slots
	Closed  bool   // Shutdown has been called

	BusySlots    int // worker slots held now
	Tasks        int // live async tasks: waiting for a slot, running, or parked at an await point
	WaitingTasks int // tasks waiting for a worker slot, to start or to resume

	MaxBlocking    int // bound on the blocking pool's goroutines
	BlockingTasks  int // live blocking tasks: running or queued
	BlockingBusy   int // blocking goroutines running a task (or given one): never more than BlockingTasks
	BlockingIdle   int // blocking goroutines waiting for work (they exit after the keep-alive); one that has just ended a task is in neither count until it looks for work
	BlockingQueued int // blocking tasks waiting for a goroutine

	Spawned         uint64 // tasks accepted (async and blocking); refused ones are not counted
	Completed       uint64 // ran and returned a nil error
	Failed          uint64 // ran and returned an error, even a *task.PanicError of a task it awaited
	Panicked        uint64 // ran and panicked (its error is a *task.PanicError) or called runtime.Goexit (task.ErrGoexit): each panic counts once, in the task where it happened
	Cancelled       uint64 // never ran: its context was done before it took its first slot or while it waited in the blocking queue (Shutdown's cancels included: ShutdownError.NotStarted, not ShutdownError.Cancelled, which counts running tasks too)
	BlockingReports uint64 // reports made by the blocking detector

	SlotWait Histogram // how long tasks waited for a worker slot, to start or to resume (a slot taken at once counts as 0)
	SlotHold Histogram // how long tasks held a worker slot between await points: one hold in 8, picked at random
}

// Metrics returns a snapshot of the runtime's metrics. Its cost does not
// grow with the number of tasks: with 100,000 live tasks parked at await
// points, a call takes 186-237 ns and 2 allocations, one per histogram
// (80-208 B, as many buckets as have samples), on a 2-core machine
// (BenchmarkMetrics, 6 runs). A nil or zero Runtime has zero Metrics.
func (r *Runtime) Metrics() Metrics {
	if r.zero() {
		return Metrics{}
	}
	m := Metrics{
		Name:        r.cfg.name,
		Workers:     r.cfg.workers,
		MaxBlocking: r.cfg.maxBlocking,
	}
	m.BusySlots = max(0, int(r.capacity.Load()-r.sem.free.Load()))
	m.WaitingTasks = int(r.sem.nwait.Load())
	r.mu.Lock()
	m.Closed = r.isClosed
	m.Tasks = r.tasks
	m.BlockingTasks = r.btasks
	m.BlockingIdle = len(r.bp.idle)
	m.BlockingBusy = r.bp.busy
	m.BlockingQueued = r.bp.queued
	m.Spawned = r.spawned
	m.Completed = r.completed
	m.Failed = r.failed
	m.Panicked = r.panicked
	m.Cancelled = r.cancelled
	m.BlockingReports = r.reports
	r.mu.Unlock()
	takes := r.held.taken()
	// Slots taken at once are not timed (a clock reading on the fast
	// path): they are the takes that did not wait. Counting takes walks no
	// task: the holders' cells count them.
	wait, sum := r.wait.load()
	var waited uint64
	for _, n := range wait {
		waited += n
	}
	// Under 1 ns: the first bucket, and nothing to the sum. takes and the
	// waits are read a moment apart, while tasks take slots, so the
	// difference may run ahead of what a later snapshot reads: the first
	// bucket went backwards (2556 -> 2486 under load), which a rate over
	// it reads as a counter reset. It is reported as the most any snapshot
	// has read, which the true count reaches soon.
	var fast uint64
	if takes > waited {
		fast = takes - waited
	}
	for {
		seen := r.fastTakes.Load()
		if fast <= seen {
			fast = seen
			break
		}
		if r.fastTakes.CompareAndSwap(seen, fast) {
			break
		}
	}
	wait[0] += fast
	m.SlotWait = histogramOf(wait, sum)
	m.SlotHold = r.hold.snapshot()
	return m
}

var publishMu sync.Mutex

// ErrPublished is matched (errors.Is) by the error of [Runtime.Publish]
// given an expvar name that is taken.
var ErrPublished = errors.New("rt: expvar name already published")

// Publish exports the runtime's [Metrics] through package expvar under
// name (so at /debug/vars when expvar's handler is served). Nothing is
// published unless Publish is called. expvar names are global and
// permanent: Publish returns an error matching [ErrPublished] if name is
// taken (even by a concurrent expvar.Publish elsewhere, which makes
// expvar panic), and the variable goes on reporting the runtime's final
// state after Shutdown. An empty name gives an error matching
// [ErrInvalid], and a nil or zero Runtime [ErrNilRuntime].
func (r *Runtime) Publish(name string) (err error) {
	if r.zero() {
		return ErrNilRuntime
	}
	if name == "" {
		return invalidError("rt: Publish: name must not be empty")
	}
	publishMu.Lock()
	defer publishMu.Unlock()
	taken := fmt.Errorf("%w: %q", ErrPublished, name)
	if expvar.Get(name) != nil {
		return taken
	}
	defer func() {
		if recover() != nil { // published meanwhile by someone else
			err = taken
		}
	}()
	expvar.Publish(name, expvar.Func(func() any { return r.Metrics() }))
	return nil
}
