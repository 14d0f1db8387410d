package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/internal/wait"
	"github.com/spool-go/spool/task"
)

// Errors of refused or cancelled work.
var (
	// ErrClosed is the error of work submitted after Close or Shutdown
	// began, including submitters that were waiting for queue space then
	// (a running task's sub-tasks excepted: see Close).
	ErrClosed = errors.New("pool: closed")
	// ErrFull is the error of TrySubmit (and TryGo) when the queue has no
	// room, no worker is idle, and the pool is at its limit; and of
	// Submit, Go and GoContext then, when [MaxWaiting] callers wait
	// already.
	ErrFull = errors.New("pool: queue full")
	// ErrShutdown is the error of queued tasks that Shutdown dropped
	// because its context ended before the queue drained. Such errors also
	// match task.ErrNotStarted and context.Canceled.
	ErrShutdown = errors.New("pool: shut down before the task ran")
	// ErrSize is the error of New and Resize given a worker count below 1.
	// It matches [ErrInvalid].
	ErrSize error = invalidError("pool: worker count must be positive")
	// ErrNilPool is the error of work given to a nil *Pool or to a zero
	// Pool, one not made by New, and of Resize and Shutdown on one.
	ErrNilPool = errors.New("pool: nil pool (make one with pool.New)")
)

// ErrInvalid is matched (errors.Is) by the errors of package pool that
// report bad input rather than a failure: [New]'s for a bad or nil
// option, whose text names the option and the value, as in "pool:
// KeepAlive(0s): must be positive", and those matching [ErrSize]. Options
// never panic: a bad value is recorded and reported by New. Other bad
// input panics: a nil context anywhere, as in "pool: Submit: nil
// context", and a q outside [0, 1] for [Histogram.Quantile].
//
// A nil fn given to Submit, TrySubmit, Go, GoContext or TryGo is refused
// with an error that matches both this and task.ErrNilFunc, the sentinel
// that stands for a nil function across spool, as in "pool: Submit: fn
// must not be nil (got nil)" (the work was refused: it counts in
// Metrics.Rejected).
var ErrInvalid = errors.New("pool: invalid option or argument")

// nilFuncError reports a nil fn: it matches ErrInvalid and task.ErrNilFunc.
type nilFuncError string

func (e nilFuncError) Error() string { return "pool: " + string(e) + ": fn must not be nil (got nil)" }
func (nilFuncError) Unwrap() []error { return []error{ErrInvalid, task.ErrNilFunc} }

// The errors for a nil fn, one per entry point.
var (
	errNilSubmit    error = nilFuncError("Submit")
	errNilTrySubmit error = nilFuncError("TrySubmit")
	errNilGo        error = nilFuncError("Pool.Go")
	errNilGoContext error = nilFuncError("Pool.GoContext")
	errNilTryGo     error = nilFuncError("Pool.TryGo")
)

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// DefaultQueueSize is the queue capacity of a pool made without the
// QueueSize option. New allocates the whole queue up front, 16 bytes an
// item, so the default queue takes 16 KiB from New on, while it keeps
// submitters from waiting on workers that are about to come free. (The
// queue is most of what an idle pool costs: New allocates 22 KiB in all,
// BenchmarkNewClose.)
const DefaultQueueSize = 1024

// MaxQueueSize is the largest queue [QueueSize] accepts: 1<<24 items. The
// queue is a channel that New allocates in full before any work arrives,
// 16 bytes an item (8 on 32-bit platforms), so its size is memory spent
// up front (256 MiB at this bound, 128 MiB on 32-bit platforms), not a
// limit that costs nothing until it is reached; and a queue is
// back-pressure, which a deeper one only puts off. Without the bound,
// QueueSize(1<<40) had New ask for 16 TiB, and the program died with
// "fatal error: runtime: out of memory", which no recover catches. There
// is no unbounded queue (New refuses QueueSize(math.MaxInt) too): work
// that must never wait for room needs a buffer of its own in front of the
// pool, one that grows with what it holds.
const MaxQueueSize = 1 << 24

// DefaultSampleEvery is how often a pool times a task for its queue-wait
// and run-time histograms when no SampleTimings option is given: one task
// in 256: timing every item makes a Go job cost about 3x as much
// (BenchmarkGoTimed against BenchmarkGo: 153-165 ns against 47-50 ns).
const DefaultSampleEvery = 256

// Option configures a Pool.
type Option func(*config)

// config is what the options set: a pool's settings, which it keeps, and
// the bad values, which New reports.
type config struct {
	settings
	errs []error
}

type settings struct {
	queue    int
	maxWait  int64 // MaxWaiting's n; 0: no cap
	lockOS   bool
	name     string
	log      *slog.Logger
	onPanic  func(*task.PanicError)
	sampling uint64
	keep     time.Duration
	grace    time.Duration
}

// bad records a bad option, for New to report as an error matching
// ErrInvalid.
func (c *config) bad(format string, args ...any) {
	c.errs = append(c.errs, invalidError("pool: "+fmt.Sprintf(format, args...)))
}

// DefaultKeepAlive is how long an idle worker waits for work before it
// exits when no KeepAlive option is given: tokio's thread_keep_alive, as
// rt's blocking pool.
const DefaultKeepAlive = 10 * time.Second

// KeepAlive sets how long an idle worker waits for work before it exits
// (default [DefaultKeepAlive]), so that a burst that started many workers
// does not keep them after it. A sweep every d/2, while a worker is idle,
// finds how many workers stayed idle for d and tells as many to exit, so
// a worker exits between d and 1.5d after it went idle; idling costs no
// timer per worker. A later submission starts workers again as it needs
// them. d must be positive.
func KeepAlive(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.bad("KeepAlive(%v): must be positive", d)
			return
		}
		c.keep = d
	}
}

// DefaultShutdownGrace is how long Shutdown waits, once its context has
// ended and it has dropped the queue and cancelled the running tasks, for
// the running items to return, when no ShutdownGrace option is given: the
// same as rt.DefaultShutdownGrace.
const DefaultShutdownGrace = 100 * time.Millisecond

// ShutdownGrace sets how long [Pool.Shutdown] waits, once its context has
// ended and it has dropped the queue and cancelled the running tasks, for
// the running items to return before it gives up on them and returns a
// *[ShutdownError] (default [DefaultShutdownGrace]); 0 gives up at once.
// d must not be negative.
func ShutdownGrace(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.bad("ShutdownGrace(%v): must not be negative", d)
			return
		}
		c.grace = d
	}
}

// QueueSize sets the queue's capacity: how many submitted items may wait
// for a worker. 0 makes a pool without a queue: a submission is handed to
// an idle worker, or to a new one below the limit, or else waits (Submit,
// Go, GoContext) or is refused (TrySubmit, TryGo).
//
// New allocates the queue's memory up front, 16 bytes an item (8 on
// 32-bit platforms), whether or not it ever fills: QueueSize(1<<20) costs
// 16 MiB from New on. k must be from 0 to [MaxQueueSize] (1<<24 items,
// 256 MiB; 128 MiB on 32-bit platforms); there is no unbounded queue.
func QueueSize(k int) Option {
	return func(c *config) {
		if k < 0 || k > MaxQueueSize {
			c.bad("QueueSize(%d): must be from 0 to MaxQueueSize, %d (New allocates the whole queue up front, %d bytes an item)", k, MaxQueueSize, unsafe.Sizeof(item{}))
			return
		}
		c.queue = k
	}
}

// MaxWaiting caps the submitters that may wait for room at once (Submit,
// Go and GoContext at a full queue and the limit): while n wait, one more
// fails at once with ErrFull, counted as rejected, as TrySubmit and TryGo
// fail, where it would have waited. It sheds load once the backlog of
// waiting callers is deep enough, as ants' MaxBlockingTasks does.
// Metrics.Waiting shows the backlog. The default, 0, means no cap; n must
// not be negative. A worker's nested submission, which runs on its caller
// instead of waiting (see Submit), is never refused so. A submitter counts
// itself as it starts to wait, before a last look for room: when
// submitters race, one may be refused a moment before n really wait, and
// Metrics.Waiting may read a little above n.
func MaxWaiting(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.bad("MaxWaiting(%d): must not be negative (0: no cap)", n)
			return
		}
		c.maxWait = int64(n)
	}
}

// LockOSThread makes every worker call runtime.LockOSThread before it takes
// work, so each worker is a real OS thread for its whole life: for cgo or
// thread-affine work, and for comparing the threads model with goroutines.
// A worker never unlocks, so its thread ends with it.
func LockOSThread() Option { return func(c *config) { c.lockOS = true } }

// Name names the pool in its log records and in String. The default is
// "pool". It must not be empty.
func Name(s string) Option {
	return func(c *config) {
		if s == "" {
			c.bad(`Name(""): must not be empty`)
			return
		}
		c.name = s
	}
}

// Logger sets the logger for panics in Go jobs (see OnPanic) and for
// worker replacements. The default is slog.Default(). It must not be nil.
func Logger(l *slog.Logger) Option {
	return func(c *config) {
		if l == nil {
			c.bad("Logger(nil): must not be nil")
			return
		}
		c.log = l
	}
}

// OnPanic sets the handler for panics (and runtime.Goexit calls) in jobs
// started with [Pool.Go], which have no task to carry the error. The panic
// is also counted in Metrics.Panicked. The default handler logs the value
// and the stack at error level. A handler that panics crashes the program,
// as an unrecovered panic in a goroutine does:
//
//	pool.OnPanic(func(e *task.PanicError) { panic(e) })
//
// Panics in tasks started with Submit or TrySubmit are never passed here:
// they become the task's *task.PanicError. h must not be nil.
func OnPanic(h func(*task.PanicError)) Option {
	return func(c *config) {
		if h == nil {
			c.bad("OnPanic(nil): must not be nil")
			return
		}
		c.onPanic = h
	}
}

// SampleTimings makes the pool time one item in every n for the
// QueueWait and RunTime histograms, n rounded up to a power of two.
// Timing an item reads the clock three times and updates two shared
// histograms: with n = 1 a Go job costs about 3x as much as untimed
// (BenchmarkGoTimed), so the default times one item in
// [DefaultSampleEvery]; 1 times every item. Counts are always exact.
// n must be positive.
func SampleTimings(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.bad("SampleTimings(%d): must be positive", n)
			return
		}
		c.sampling = uint64(n)
	}
}

// Pool is a set of up to n workers draining a bounded queue: the chapter's
// ThreadPool. See the package documentation for the model and its costs.
// A Pool is safe for concurrent use. Close or Shutdown it when done.
type Pool struct {
	// Read by every submission and every worker, written rarely.
	cfg     settings
	q       chan item
	epoch   time.Time
	closing chan struct{} // closed when Close begins: wakes blocked submitters
	poke    chan struct{} // 1-buffered: a submission settled after Close began
	aborted atomic.Bool   // Shutdown's context ended: abort queued items
	// nested is set once a worker has submitted to its own full pool (see
	// send): from then on, submitters that find the queue full at the
	// limit look at once whether they are workers.
	nested atomic.Bool
	// workers counts live worker goroutines; closedBit is set once Close
	// has counted the workers it must stop, after which no worker retires
	// or starts on its own. target is the limit (New's n, or Resize's).
	workers atomic.Int64
	target  atomic.Int64

	// Workers start as work arrives (see grow). idle counts workers
	// blocked on the empty queue and starting those started to serve the
	// queue that have not reached it yet. Both are read by every item
	// while the pool is below its limit and written rarely, so they have
	// a line of their own.
	_        [64]byte
	idle     atomic.Int64
	idleMin  atomic.Int64 // the fewest idle workers since sweepIdle last looked
	starting atomic.Int64
	handing  atomic.Int64 // workers started with an item (startWith) that have not run yet
	spareN   atomic.Int64 // len(spares)
	_        [64]byte

	// waiting counts the submitters blocked for room: written whenever a
	// submitter must wait, read by need only when the queue is not enough.
	waiting atomic.Int64
	// ctlQ counts the control messages in the queue (retire, expire and
	// stop), which are not work: Metrics.Queued and need leave them out.
	// It is raised after a send and lowered as soon as a worker takes one,
	// so for a moment it may miss one that is there (need then counts it
	// as work and may start a worker for nothing), but it never counts one
	// that is not: counting one early made need miss real work, which then
	// waited in the queue while the pool was below its limit. Close's stop
	// items are counted before they are sent when they fit (see sendStop).
	ctlQ atomic.Int64

	// Written by every submission: kept off the workers' cache lines.
	// entered counts submissions (it is Metrics.Submitted, less late) and
	// carries closedBit once Close begins. A submission that entered before
	// the bit is early: Close waits until every early one has settled (see
	// stop); one that finds the bit is late and refused at once.
	_       [64]byte
	entered atomic.Int64
	_       [56]byte

	late          atomic.Uint64 // submissions refused because the pool was closed
	lateCancelled atomic.Uint64 // submissions after Close whose ctx was done (see cancelEnded)
	lateRun       atomic.Int64  // submissions after Close that ran on their callers (see admitsLate)
	rejected      atomic.Uint64
	cancelled     atomic.Uint64 // submitters' ctx ended while waiting for room
	dropped       atomic.Int64  // items Shutdown's abort kept from running (ShutdownError.Dropped)
	claimed       atomic.Int64  // the drops some Shutdown's error counted already (see claimDrops)

	wg       sync.WaitGroup
	resizeMu sync.Mutex // serialises Resize, and Resize against Close
	mu       sync.Mutex
	shards   []*shard                   // counters, shared by the workers round-robin
	nextSh   int                        // the shard the next worker takes
	live     fifo.List[worker, *worker] // live workers: 16 B each in the worker, nothing to grow
	inline   map[task.Job]int           // tasks running caller-runs (runInline), for Shutdown to cancel: how many callers hold each
	inlineN  atomic.Int64               // items, tasks or Go jobs, running caller-runs: for Metrics.Running

	slot     *poolSlot    // given to every task: marks the contexts of p's tasks
	awaiting atomic.Int64 // tasks of p in an await point (Park), for help
	// takenQ counts the queue entries of tasks a waiter has claimed to
	// run for help (see exec): raised as it claims one, lowered when the
	// entry's taker skips it. Queued and settled leave them out: they are
	// no longer work, and counted as settled already.
	takenQ atomic.Int64

	// Waiters for a task still queued that found a worker able to run it
	// wait on helpCh too, which parked closes when p gets stuck (help).
	helpMu    sync.Mutex
	helpCh    chan struct{}
	helpArmed atomic.Bool // helpCh is open
	cores     int64       // GOMAXPROCS at New: how many workers may be starting at once

	// Spares: idle workers parked off the queue, on spareCh (see
	// worker.await). spareN counts the parked spares no one has claimed:
	// a waker claims one (claimSpare) before it sends on spareCh, so its
	// send always finds a receiver. Sends and the close of spareCh, once
	// Close begins (sparesClosed), are under spareMu.
	spareMu      sync.Mutex
	spareCh      chan item
	sparesClosed bool
	spareMin     atomic.Int64 // the fewest unclaimed spares since sweepIdle last looked
	spareWas     int64        // the fewest in sweepIdle's last period, less those it expired (p.mu)

	sweepT     *time.Timer    // runs sweep
	sweepArmed atomic.Bool    // sweepT is armed
	sweeping   sync.WaitGroup // a sweep running; Close waits for it
	idleWas    int64          // the fewest idle workers in sweepIdle's last period, less those it expired (p.mu)

	stallMu sync.Mutex
	stall   chan struct{} // closed by stallT; nil when no timer is armed
	stallT  *time.Timer

	closeOnce sync.Once
	early     int64         // entered when the door closed (beginClose): what stop waits to settle
	done      chan struct{} // closed once every worker has exited
}

// poolSlot is the task.Slot of a pool's tasks. Giving it back at an await
// point does nothing: a pool task keeps its worker while it waits, as a
// thread does. It is there so that a submission can tell, from its
// context, that it comes from one of the pool's own tasks, and so that a
// task of the pool that waits for another one still queued helps (it is a
// task.Helper: see Pool.help).
type poolSlot struct{ p *Pool }

// Release and Acquire count the pool's tasks in await points, for help.
func (s *poolSlot) Release() bool { s.p.parked(); return true }
func (s *poolSlot) Acquire()      { s.p.awaiting.Add(-1) }

func (s *poolSlot) Help(ctx context.Context, j task.Job, lastResort bool) <-chan struct{} {
	return s.p.help(ctx, j, lastResort)
}

const closedBit = 1 << 62

// New returns a pool of at most n workers. No worker starts until work
// arrives; see the package documentation for when they start. It returns
// an error, and no pool, if n is below 1 (an error matching [ErrSize]) or
// an option is invalid or nil: each of these errors, joined, all matching
// [ErrInvalid] and naming what was wrong, as in "pool: KeepAlive(0s): must
// be positive".
//
// New and Close of a pool with the default queue that ran nothing cost
// about 3.5 µs and 22 KiB, 16 KiB of it the queue (BenchmarkNewClose);
// each worker started adds a goroutine.
func New(n int, opts ...Option) (*Pool, error) {
	c := config{settings: settings{queue: DefaultQueueSize, sampling: DefaultSampleEvery, keep: DefaultKeepAlive, grace: DefaultShutdownGrace, name: "pool"}}
	if n <= 0 {
		c.errs = append(c.errs, fmt.Errorf("%w (New(%d))", ErrSize, n))
	}
	for i, o := range opts {
		if o == nil {
			c.bad("New: option must not be nil (got nil at index %d)", i)
			continue
		}
		o(&c)
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	mask := uint64(1)
	for mask < c.sampling {
		mask <<= 1
	}
	c.sampling = mask - 1 // now a mask
	p := &Pool{
		cfg:     c.settings,
		q:       make(chan item, c.queue),
		epoch:   time.Now(),
		poke:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		spareCh: make(chan item),
	}
	p.slot = &poolSlot{p: p}
	if c.onPanic == nil {
		p.cfg.onPanic = p.logPanic
	}
	// Workers publish their counts in batches, so a few shards serve any
	// number of workers without contention; one per worker would cost
	// 1 KiB each.
	p.shards = make([]*shard, min(n, 2*runtime.GOMAXPROCS(0), 1<<16)) // a worker keeps a uint16 index
	for i := range p.shards {
		p.shards[i] = new(shard)
	}
	p.target.Store(int64(n))
	p.cores = int64(runtime.GOMAXPROCS(0))
	p.sweepT = time.AfterFunc(time.Hour, p.sweep)
	p.sweepT.Stop()
	return p, nil
}

// String returns the pool's name ("<nil>" for a nil *Pool, "" for a zero
// Pool, as for one not named).
func (p *Pool) String() string {
	if p == nil {
		return "<nil>"
	}
	return p.cfg.name
}

// now returns the time since the pool started, never 0, so that 0 can mean
// "not timed".
func (p *Pool) now() int64 { return int64(time.Since(p.epoch)) | 1 }

func (p *Pool) logPanic(e *task.PanicError) {
	p.cfg.log.Error("pool: job panicked", "pool", p.cfg.name, "panic", fmt.Sprint(e.Value), "stack", string(e.Stack))
}

// Size returns the number of live workers: at most the limit, and fewer
// while the work so far has not needed them all. It trails Resize while
// busy workers finish their items before they retire. It is 0 for a nil
// or zero Pool.
func (p *Pool) Size() int {
	if p == nil {
		return 0
	}
	return int(p.workers.Load() &^ closedBit)
}

// Limit returns the most workers the pool may run: New's n, or the last
// Resize's; 0 for a nil or zero Pool.
func (p *Pool) Limit() int {
	if p == nil {
		return 0
	}
	return int(p.target.Load())
}

// Resize sets the limit to n. Growing starts workers only for work that
// is queued or waiting for room; more start as work arrives. Shrinking
// retires idle workers at once and busy ones as they finish their current
// item. It returns an error matching ErrSize (and so [ErrInvalid]) if n is
// below 1, and ErrClosed once the pool is closing.
func (p *Pool) Resize(n int) error {
	if p.zero() {
		return ErrNilPool
	}
	if n <= 0 {
		return fmt.Errorf("%w (Resize(%d))", ErrSize, n)
	}
	p.resizeMu.Lock()
	defer p.resizeMu.Unlock()
	// closedBit in entered: Close has begun, and may be draining the queue
	// with the limit it had (beginClose sets it before it returns; stop
	// marks workers too before it stops them).
	if p.entered.Load()&closedBit != 0 {
		return ErrClosed // and Limit stays what it was
	}
	w := p.workers.Load()
	p.target.Store(int64(n))
	switch {
	case w < int64(n):
		for p.short() && p.need() {
			if !p.wakeSpare() {
				p.startLocked()
			}
		}
	case w > int64(n):
		// Retire spares, then wake idle workers with retire messages, one
		// each at most: busy ones check the target after each item, and a
		// worker that goes idle checks it before it waits (see await), so
		// more messages would only take queue room from work.
		for w > int64(n) && p.exitSpare(p.tryRetire) {
			w--
		}
		for range min(w-int64(n), p.idle.Load()) {
			select {
			case p.q <- retireItem:
				p.ctlQ.Add(1)
			default:
			}
		}
	}
	return nil
}

// short reports whether fewer workers are live than the limit. It is
// false once Close has begun.
func (p *Pool) short() bool { return p.workers.Load() < p.target.Load() }

// mayGrow reports whether grow could do anything: the pool is short, or
// has spares to wake. It is all that a full pool without spares pays.
func (p *Pool) mayGrow() bool { return p.short() || p.spareN.Load() > 0 }

// need reports whether queued items or waiting submitters outnumber the
// workers on their way to them (idle or starting), and fewer than
// GOMAXPROCS workers are starting.
//
// Workers start lazily, and this rule keeps that from stranding work: a
// submitter checks it after it queues an item, and every worker checks it
// after it takes one (before running it), and a worker about to park as a
// spare. When a check finds no need, the idle or starting worker it
// counted will check again once it takes an item, so while an item is
// queued and the pool is short or has spares, some worker is on its way
// to the queue. grow wakes a spare before it starts a worker. Starting
// (or waking) at most GOMAXPROCS at once paces the starts to the rate the
// scheduler runs them: a pool of fast items grows only while its workers
// fall behind, and one of slow or blocking items grows to its limit.
func (p *Pool) need() bool {
	s := p.starting.Load()
	if s >= p.cores {
		return false
	}
	q, on := p.queued(), p.idle.Load()+s
	if q > on {
		return true
	}
	w := p.waiting.Load()
	return w > 0 && q+w > on
}

// queued returns how many items of work are in the queue: its length less
// the control messages.
func (p *Pool) queued() int64 {
	// ctlQ dips below 0 for a moment when a worker takes a stop item that
	// waited for room before stop counts it.
	return max(0, int64(len(p.q))-max(0, p.ctlQ.Load())-p.takenQ.Load())
}

// grow wakes a spare, or else starts a worker if the pool is short, when
// need says the queue lacks one. Callers check mayGrow first.
func (p *Pool) grow() {
	if !p.need() {
		return
	}
	if p.spareN.Load() > 0 && p.wakeSpare() {
		return
	}
	p.resizeMu.Lock() // against Close counting the workers it must stop
	if p.short() && p.need() {
		p.startLocked()
	}
	p.resizeMu.Unlock()
}

// claimSpare claims a parked spare, and reports whether there was one.
func (p *Pool) claimSpare() bool {
	for {
		n := p.spareN.Load()
		if n <= 0 {
			return false
		}
		if p.spareN.CompareAndSwap(n, n-1) {
			if n-1 < p.spareMin.Load() {
				p.spareMin.Store(n - 1)
			}
			return true
		}
	}
}

// sendSpare claims a spare and sends it it: item{} (go and wait on the
// queue) or an item to run. It reports whether it did.
//
// It holds spareMu across the send, so that Close cannot close spareCh
// under it. The send waits only for a parked spare to receive, which
// takes no lock: the claim guarantees one will (a spare whose own claim
// fails goes on to receive).
func (p *Pool) sendSpare(it item) bool {
	p.spareMu.Lock()
	defer p.spareMu.Unlock()
	if p.sparesClosed || !p.claimSpare() {
		return false
	}
	p.spareCh <- it // the claimed spare, or another parked one, receives it
	return true
}

// exitSpare claims a spare and, if uncount removes a worker from the
// count, tells the spare to exit. It reports whether it did.
func (p *Pool) exitSpare(uncount func() bool) bool {
	p.spareMu.Lock()
	defer p.spareMu.Unlock()
	if p.sparesClosed || !p.claimSpare() {
		return false
	}
	if !uncount() {
		p.spareN.Add(1) // give the claim back
		return false
	}
	p.spareCh <- exitItem
	return true
}

// wakeSpare sends a spare to the queue, counted as starting, and reports
// whether there was one.
func (p *Pool) wakeSpare() bool {
	p.starting.Add(1)
	if !p.sendSpare(item{}) {
		p.starting.Add(-1)
		return false
	}
	return true
}

// startLocked starts a worker for the queue; p.resizeMu is held.
func (p *Pool) startLocked() {
	p.starting.Add(1)
	p.workers.Add(1)
	p.startWorker(nil, item{}, startQueue)
}

// startWith starts a worker whose first item is it, if the pool is short,
// and reports whether it did. offload calls it, whatever the queue size,
// for a submission that found the queue full (with QueueSize(0), no idle
// worker) and no parked spare (a blocking one only while fewer than
// GOMAXPROCS workers are starting), so that the item goes straight to a
// new worker while the pool is below its limit.
func (p *Pool) startWith(it *item) bool {
	if !p.short() {
		return false
	}
	p.resizeMu.Lock()
	defer p.resizeMu.Unlock()
	if !p.short() {
		return false
	}
	p.workers.Add(1)
	p.handing.Add(1)
	p.startWorker(nil, *it, startHanded)
	return true
}

// armSweep arms sweepIdle, unless it is armed.
func (p *Pool) armSweep() {
	if p.workers.Load()&closedBit != 0 {
		return
	}
	if !p.sweepArmed.Load() && p.sweepArmed.CompareAndSwap(false, true) {
		p.idleMin.Store(p.idle.Load())
		p.sweepT.Reset(p.cfg.keep / 2)
	}
}

// sweep is sweepT's function: sweepIdle, counted in p.sweeping unless
// the pool is closing, so that Close can wait for it.
func (p *Pool) sweep() {
	p.resizeMu.Lock()
	if p.workers.Load()&closedBit != 0 {
		p.resizeMu.Unlock()
		return
	}
	p.sweeping.Add(1)
	p.resizeMu.Unlock()
	defer p.sweeping.Done()
	p.sweepIdle()
}

// sweepIdle runs every half keep-alive while some worker is idle. If
// fewer than k workers were idle at no time during its last two periods,
// which span a keep-alive, the pool had k workers to spare all that time:
// it sends k expire messages, which the longest-waiting workers take. So
// an idle worker exits between one and one and a half keep-alives after
// it went idle, and idling costs no timer or clock reading per worker,
// only keeping idleMin.
func (p *Pool) sweepIdle() {
	p.mu.Lock()
	p.sweepArmed.Store(false)
	if p.workers.Load()&closedBit != 0 {
		p.mu.Unlock()
		return
	}
	idle := p.idle.Load()
	m := min(p.idleMin.Load(), idle)
	k := max(0, min(m, p.idleWas))
	p.idleWas = m - k
	if idle == 0 {
		p.idleWas = 0 // the next sweep starts afresh
	}
	p.idleMin.Store(idle - k)
	sm := min(p.spareMin.Load(), p.spareN.Load())
	sk := max(0, min(sm, p.spareWas))
	p.spareWas = sm - sk
	p.mu.Unlock()
	for range sk {
		if !p.exitSpare(p.tryExpire) {
			break
		}
	}
	if sk > 0 && p.mayGrow() {
		// A submitter that looked between a spare's claim and its uncount
		// saw no spare and a full pool, and left its item to the workers:
		// pass the need on, as a worker that expires off the queue does.
		p.grow()
	}
	p.spareMin.Store(p.spareN.Load())
	spares := p.spareN.Load() > 0
	// Under resizeMu, and only while open: Close counts what sits in the
	// queue as settled submissions once its workers are gone, so a control
	// message must not be left there. One sent before Close marks the
	// workers is ahead of their stop messages, and taken before them.
	p.resizeMu.Lock()
	if p.workers.Load()&closedBit == 0 {
		for range k {
			select {
			case p.q <- expireItem:
				p.ctlQ.Add(1)
			default: // the queue is full: no worker is idle after all
			}
		}
	}
	p.resizeMu.Unlock()
	if idle > 0 || spares {
		p.armSweep()
	}
}

// tryExpire removes a worker from the count for an expire message, unless
// the pool is closing (Close has counted the worker to stop it). It
// reports whether the caller must exit.
func (p *Pool) tryExpire() bool {
	for {
		w := p.workers.Load()
		if w&closedBit != 0 {
			return false
		}
		if p.workers.CompareAndSwap(w, w-1) {
			return true
		}
	}
}

// tryRetire removes one worker from the count if there are more than the
// target and the pool is not closing. It reports whether the caller must
// exit.
func (p *Pool) tryRetire() bool {
	for {
		w := p.workers.Load()
		if w&closedBit != 0 || w <= p.target.Load() {
			return false
		}
		if p.workers.CompareAndSwap(w, w-1) {
			return true
		}
	}
}

// Close stops accepting work, lets the workers drain the queue and waits
// for them to exit: the chapter's Drop for ThreadPool. While the queue
// drains the pool still starts workers as the work needs them, up to its
// limit, so a batch submitted just before Close runs as wide as it would
// have without it. Submitters waiting for queue space get ErrClosed, as
// do later submissions, but for a running task's: its Submit or GoContext
// with its own context, from its worker, runs the sub-task at once on
// that worker (as a nested submission to a full pool does), so that work
// in flight can finish, until Shutdown's context ends; once that task's
// own context has ended, its GoContext gets ErrClosed (and its Submit, as
// for any ended context, task.ErrNotStarted). Close waits for
// running items however long they take, including those a
// Shutdown gave up on; use Shutdown to bound the wait. Close may be called
// more than once and concurrently with Shutdown.
//
// Close panics if it is called from one of p's own workers, which it would
// wait for forever. It finds that out only once it has waited stallAfter
// (50 ms): the check reads the caller's stack, which costs a few µs and
// pulls in up to 128 KiB of the binary's symbol tables, more than a whole
// pool of 2 workers uses. The pool closes all the same: the worker's job
// panics, and the worker goes on to drain the queue and exit.
func (p *Pool) Close() {
	if p.zero() {
		return
	}
	p.beginClose()
	p.waitDone(nil)
}

// beginClose starts Close's one-time part, stop. It closes the door
// itself, before it returns: stop runs on a goroutine of its own, and a
// Shutdown whose ctx had ended returned before that goroutine ran, so a
// Go called after it was accepted (nil error) and then dropped, and a
// Resize returned nil.
func (p *Pool) beginClose() {
	p.closeOnce.Do(func() {
		p.early = p.entered.Or(closedBit)
		close(p.closing) // blocked submitters give up with ErrClosed
		if p.Size() == 0 {
			p.stop() // no worker is running, so the caller is not one
			return
		}
		go p.stop() // closes p.done as its last act
	})
}

// waitDone waits until every worker has exited (p.done), and reports true,
// or until give closes first, and reports false. It panics if the caller
// turns out to be one of p's workers (see Close).
func (p *Pool) waitDone(give <-chan struct{}) bool {
	select {
	case <-p.done:
		return true
	default:
	}
	tm := time.NewTimer(stallAfter)
	defer tm.Stop()
	stalled := tm.C
	for {
		select {
		case <-p.done:
			return true
		case <-give:
			select {
			case <-p.done: // both: the pool drained, nothing is cut short
				return true
			default:
				return false
			}
		case <-stalled:
			stalled = nil
			if p.self() != nil {
				panic("pool: Close or Shutdown called from one of the pool's own workers")
			}
		}
	}
}

// Shutdown is Close with a deadline: if ctx ends before the queue has
// drained, the items still queued are not run (tasks resolve at once with
// an error matching ErrShutdown, task.ErrNotStarted and context.Canceled,
// even while every worker is busy; Go jobs are dropped and counted as
// cancelled) and the contexts of running tasks are cancelled. Shutdown
// then waits up to the grace period ([ShutdownGrace], 100 ms by default)
// for the running items to return, and returns a *[ShutdownError] that
// wraps ctx's error and its cause (context.Cause) and says how many
// queued items it dropped and how many items were still running. It
// returns nil if the pool drained in time, or if ctx ended with nothing
// to cut short: no item queued, no task running, and every worker gone
// within the grace period (a Go job, which Shutdown cannot stop, may
// finish in it). An idle pool given a done ctx so returns nil.
//
// Go cannot stop a goroutine, so a running item that ignores its context
// outlives Shutdown. Its worker stays the pool's: it exits once the item
// returns, [Pool.Done] is closed once the last worker has exited, and a
// later Close or Shutdown waits for it. Shutdown called from one of p's
// own workers panics, as Close does, once it has waited 50 ms; if its
// context ends sooner, it returns its error.
//
// Shutdown of a nil or zero Pool returns [ErrNilPool]. A nil ctx panics
// ("pool: Pool.Shutdown: nil context"), whatever p is, before anything
// changes: the pool does not begin to close.
func (p *Pool) Shutdown(ctx context.Context) error {
	if ctx == nil {
		panic("pool: Pool.Shutdown: nil context")
	}
	if p.zero() {
		return ErrNilPool
	}
	p.beginClose()
	if p.waitDone(ctx.Done()) {
		return nil
	}
	stopped := p.abort()
	grace := p.cfg.grace
	running := 0
	drained := wait.Closed(p.done, grace)
	dropped := p.claimDrops()
	if drained && stopped == 0 && dropped == 0 {
		// ctx ended with nothing queued or running: only idle workers
		// were left, and they have taken their stop items. Nothing was
		// cut short.
		return nil
	}
	if !drained {
		// The busy workers' items and caller-runs items, as Metrics counts
		// them: Size would count idle workers that have not yet taken
		// their stop message too.
		running = p.Metrics().Running
	}
	return &ShutdownError{Err: ctx.Err(), Cause: context.Cause(ctx), Dropped: dropped, Running: running, Grace: grace}
}

// claimDrops returns the drops that no Shutdown has counted yet, and
// counts them: each drop is in one Shutdown's error. (Two at once each
// counted every drop of the window they shared; which of them counts a
// drop of the other's is a matter of timing.)
func (p *Pool) claimDrops() int {
	for {
		c, end := p.claimed.Load(), p.dropped.Load()
		if p.claimed.CompareAndSwap(c, end) {
			return int(end - c)
		}
	}
}

// ShutdownError is the error of [Pool.Shutdown] when its context ended
// before the pool drained. It matches the context's error (errors.Is(err,
// context.DeadlineExceeded) for a deadline) and its cause, if it was given
// one (context.WithTimeoutCause, WithCancelCause).
type ShutdownError struct {
	Err   error // the context's error
	Cause error // context.Cause of the context: Err unless it was given a cause
	// Dropped counts the queued items, tasks and Go jobs, that this
	// Shutdown kept from running: a second one, after the first has
	// dropped the queue, counts only what came since, and of Shutdowns
	// that run at once, each counts a drop of theirs, and one only.
	Dropped int
	// Running counts the items (caller-runs items too) still running when
	// Shutdown returned: their workers stay the pool's.
	Running int
	Grace   time.Duration // how long Shutdown waited for them
}

// Error says why Shutdown gave up (the context's error, and its cause if
// that differs), how many items were dropped and how many left behind.
func (e *ShutdownError) Error() string {
	why := fmt.Sprint(e.Err)
	if e.Cause != nil && e.Cause != e.Err {
		why += " (" + e.Cause.Error() + ")"
	}
	msg := fmt.Sprintf("pool: shutdown: %s: dropped %d queued %s", why, e.Dropped, plural(e.Dropped, "item", "items"))
	switch e.Running {
	case 0:
		return msg + "; all running items returned"
	case 1:
		return fmt.Sprintf("%s; 1 item still running after %v, its worker left behind (Close or Done waits for it)", msg, e.Grace)
	}
	return fmt.Sprintf("%s; %d items still running after %v, their workers left behind (Close or Done waits for them)", msg, e.Running, e.Grace)
}

// Unwrap returns the context's error, and its cause if that differs.
func (e *ShutdownError) Unwrap() []error {
	switch {
	case e.Err == nil && e.Cause == nil:
		return nil
	case e.Cause == nil || e.Cause == e.Err:
		return []error{e.Err}
	case e.Err == nil:
		return []error{e.Cause}
	}
	return []error{e.Err, e.Cause}
}

// plural returns one if n is 1, and else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// stop is Close's one-time part.
//
// A submission checks for closedBit and then sends, so an early one may
// send after the stop items and strand its item behind them. stop settles
// that without making every submission pay for a second atomic update:
// once the workers are gone it waits until every early submission is
// accounted for (run, refused, or stranded in the queue), and then runs
// the stranded items on one more worker.
//
// Before it counts the workers it must stop, stop lets the queue drain with
// the pool still growing as need says: work queued just before Close (a
// batch submitted, then Close to wait for it) gets up to the limit's
// workers, as it would have had without Close. Counting them at once froze
// the pool at the one or two workers started so far, and 200 jobs of 1 ms
// at limit 64 took 100 ms instead of 4. Workers that find the queue empty
// poke stop (see await), and so does Shutdown's abort once it has emptied
// the queue.
func (p *Pool) stop() {
	early := p.early // the submissions begun before the door closed
	for p.draining() {
		<-p.poke
	}
	p.resizeMu.Lock()
	live := p.workers.Or(closedBit) // no worker retires, expires or starts on its own now
	p.sweepT.Stop()                 // a sweep that fires now sees closedBit
	p.resizeMu.Unlock()
	p.sweeping.Wait() // one that began before ends first
	p.sweepT.Stop()   // and may have armed the timer again
	p.spareMu.Lock()
	p.sparesClosed = true
	close(p.spareCh) // spares go to the queue, for their stop items
	p.spareMu.Unlock()
	for range live {
		p.sendStop()
	}
	p.wg.Wait()
	p.stallMu.Lock()
	if p.stall != nil && p.stallT.Stop() {
		close(p.stall) // no one waits on it any more
		p.stall = nil
	}
	p.stallMu.Unlock()
	for p.settled() < early {
		<-p.poke
	}
	if len(p.q) > 0 { // stranded
		p.workers.Add(1)
		p.startWorker(nil, item{}, startPlain)
		p.sendStop()
		p.wg.Wait()
	}
	close(p.done)
}

// sendStop queues a stop item, behind everything queued so far, and
// counts it in ctlQ: before the send when the queue has room (nothing
// grows the pool now, and counted after, a stop item a worker had not
// taken yet read as queued work for a moment, and Metrics.Running and
// Shutdown's Running came out one short), after it when the send must
// wait for room, so that Queued does not leave out an item still queued.
func (p *Pool) sendStop() {
	p.ctlQ.Add(1)
	select {
	case p.q <- stopItem:
		return
	default:
	}
	p.ctlQ.Add(-1)
	p.q <- stopItem
	p.ctlQ.Add(1)
}

// draining reports whether stop must wait for the queue to drain before
// it stops the workers: the pool is short, work is queued, and Shutdown
// has not aborted. It looks under resizeMu: Resize and sweepIdle hold it
// from the send of a control message until they count it in ctlQ, and
// queued counts the message as work meanwhile. A stop that saw it so
// waited for a poke that the idle worker taking the message, which then
// retired or expired, never sent.
func (p *Pool) draining() bool {
	p.resizeMu.Lock()
	defer p.resizeMu.Unlock()
	return p.short() && p.queued() > 0 && !p.aborted.Load()
}

// settled counts the early submissions that have run, been refused, or
// sit in the queue. It is exact only once the workers have exited.
func (p *Pool) settled() int64 {
	var n uint64
	p.mu.Lock()
	for _, sh := range p.shards {
		n += sh.completed.Load() + sh.failed.Load() + sh.panicked.Load() + sh.cancelled.Load()
	}
	p.mu.Unlock()
	n += p.rejected.Load() + p.cancelled.Load()
	// A task a waiter ran for help is counted among the outcomes, and its
	// entry, still queued, must not count again: counted twice, it let
	// stop go on before an early submission had sent its item. takenQ is
	// read before the queue's length: an entry taken between the two
	// reads is then left out of both, not counted twice.
	taken := p.takenQ.Load()
	// The outcomes count the sub-tasks that running tasks submitted after
	// Close, which are no early submissions (see admitsLate). They run on
	// workers, and stop counts once the workers have exited: by then each
	// has its outcome.
	return int64(n) + int64(len(p.q)) - taken - p.lateRun.Load()
}

// abort makes workers drop what is queued, empties the queue itself (see
// reap), and then stops the tasks being run (stopJob). The queue goes
// first: a running task's cancel reaches the children it queued, which
// then resolved with its cancel (task.ErrNotStarted and
// context.Canceled) before reap could give them ErrShutdown, and were
// not counted as dropped.
func (p *Pool) abort() (stopped int) {
	p.aborted.Store(true)
	p.reap()
	p.mu.Lock()
	var ws []*worker
	for w := p.live.Front(); w != nil; w = p.live.Next(w) {
		ws = append(ws, w)
	}
	var inline []task.Job // tasks run caller-runs, nested in a worker's item
	for j := range p.inline {
		inline = append(inline, j)
	}
	p.mu.Unlock()
	for _, w := range ws {
		if w.abortCurrent() {
			stopped++
		}
	}
	for _, j := range inline {
		if !task.Ended(j) {
			p.stopJob(j)
			stopped++
		}
	}
	p.reap()   // what was sent meanwhile
	p.settle() // stop may wait for the queue to drain (see stop)
	return stopped
}

// reap takes the queued items out of the queue once Shutdown's context
// has ended and resolves them as cancelled, so that queued tasks resolve
// at once even when every worker is stuck in an item that ignores its
// context. It stops at the first stop message (Close's stop items come
// after everything queued before Close), which it puts back for a worker.
// It never waits: if the queue has filled again (stop sending the next
// stop items, or an early submission), a goroutine counted in p.wg puts
// it back once a worker makes room, which it must do before the pool can
// close, and Shutdown returns meanwhile.
func (p *Pool) reap() {
	sh := p.shards[0]
	for {
		var it item
		select {
		case it = <-p.q:
		default:
			return
		}
		job, _ := untimed(it.job)
		switch j := job.(type) {
		case ctlJob:
			if j != ctlStop {
				p.ctlQ.Add(-1)
				// A retire or expire message: dropped. Put back, it
				// would stop the reaping short of the tasks behind it,
				// or sit behind the stop items once the workers are
				// gone, where stop would count it as a submission.
				continue
			}
			select {
			case p.q <- it:
			default:
				// The worker this stop item is for has not exited, so
				// p.wg is above 0 and stop's Wait waits for this too.
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					p.q <- it
				}()
			}
			return
		case goJob:
			p.dropped.Add(1)
		default:
			if !p.drop(j) {
				continue // a waiter ran it (see help), and counted it
			}
		}
		sh.cancelled.Add(1)
		p.settle()
	}
}

// Done returns a channel that is closed once the pool has closed and every
// worker has exited: after Close returns, or once the items a Shutdown left
// running have returned.
func (p *Pool) Done() <-chan struct{} {
	if p.zero() {
		return closedDone
	}
	return p.done
}

// closedDone is the Done channel of a nil or zero Pool.
var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// zero reports whether p is nil or was not made by New.
func (p *Pool) zero() bool { return p == nil || p.q == nil }

// errShutdownAbort is the error of queued tasks that Shutdown dropped: it
// reads as ErrShutdown does and matches ErrShutdown, task.ErrNotStarted
// (the task never ran) and context.Canceled.
var errShutdownAbort error = shutdownAbort{}

type shutdownAbort struct{}

// shutdownAbortWraps is what errShutdownAbort wraps: one slice for every
// dropped task, as the fmt.Errorf error it replaced had.
var shutdownAbortWraps = []error{ErrShutdown, task.ErrNotStarted, context.Canceled}

func (shutdownAbort) Error() string   { return ErrShutdown.Error() }
func (shutdownAbort) Unwrap() []error { return shutdownAbortWraps }

// enter counts a submission and reports whether it is early (the pool is
// open). An early submission must call settle once it has sent its item
// or been refused; a late one must count its refusal in late, or run
// (see admitsLate). enter also returns the submission's number, from 0.
func (p *Pool) enter() (int64, bool) {
	n := p.entered.Add(1)
	if n&closedBit != 0 {
		return 0, false
	}
	return n - 1, true
}

// settle wakes Close, if it has begun, to count the submissions again.
func (p *Pool) settle() {
	if p.entered.Load()&closedBit != 0 {
		wait.Wake(p.poke)
	}
}

var _ fmt.Stringer = (*Pool)(nil)
