// Package pool is the threads model of the chapter "Async and Concurrency":
// up to n workers draining a bounded queue, the chapter's ThreadPool with
// execute (here [Pool.Go]) and Drop (here [Pool.Close]).
//
// Use a pool when you want to bound how many functions run at once and how
// many wait, with back-pressure on submitters, results as [task.Task]
// values ([Submit]), metrics, and a shutdown that stops, drains and waits.
// Use [Pool.Go] for work without a result ([Pool.GoContext] to bound its
// wait for room with a context); it costs about 1.5 times a hand-written
// channel of funcs drained by as many goroutines. Set [LockOSThread] when
// each worker must be a real OS thread (cgo, thread-affine libraries).
//
// Do not use a pool for tasks that spend their time waiting (on I/O, other
// tasks, locks): a worker stays busy while its task waits, as a thread
// does. That is what the threads model means, and a pool of n workers runs
// at most n such waits at once. Use package rt, whose workers are given
// back at every await point, or plain task.Go for that. For CPU-bound
// loops over slices, package parallel splits the work for you.
//
// # Workers
//
// n is a limit, not a cost: workers start as work needs them, as in ants
// and pond, and a worker left idle for [KeepAlive] (10 s by default)
// exits; Close and a lower [Pool.Resize] stop them sooner. A submission
// starts a worker when the queued items outnumber the workers idle or on
// their way to the queue, at most GOMAXPROCS of them starting at once;
// every worker checks the same after it takes an item, before running
// it. A submission that finds the queue full while the pool is below its
// limit hands its item straight to a parked spare or a new worker instead
// of waiting or failing: always for TrySubmit and TryGo, and for Submit,
// Go and GoContext while fewer than GOMAXPROCS workers are starting (past
// that they wait for room, as a queue of fast items has room again a
// moment later). So work that blocks (sleeps, I/O, tasks that wait for
// each other) gets up to n workers at once, as with n threads, while fast
// work is served by the few workers that keep up: 1,000,000 no-op Go jobs
// at limit 10,000 start 6-8 workers. A worker handed an item runs it
// before the items queued: the queue is first in, first out, but the pool
// as a whole is not.
//
// At most GOMAXPROCS idle workers wait on the queue; the others park off it
// as spares, which are woken, before any worker is started, when the queue
// needs them. (A send to a channel with receivers waiting hands the item to
// one of them and wakes it, so 10,000 idle workers on the queue would each
// be woken in turn by a stream of fast items that two busy workers could
// take in their stride.) The limit therefore costs neither memory nor
// speed: 1,000,000 no-op jobs ran at 19.2M, 17.2M and 17.2M a second at
// limits 2, 100 and 10,000, each in a 4.2-4.3 MiB process, against
// 23-37 MiB for errgroup, ants, pond and conc at 10,000 (bench module,
// bench/pools/run.sh -runs 9, medians: bench/results/pools.md). A worker
// itself is 80 bytes and a goroutine. [Pool.Size] is the number of live
// workers, [Pool.Limit] the limit, and Metrics counts the idle ones, spares
// included. With QueueSize(0) a submission that finds no idle worker goes
// to a spare, or starts a worker below the limit.
//
// # Queue and back-pressure
//
// The queue is bounded ([DefaultQueueSize] unless [QueueSize] says
// otherwise, at most [MaxQueueSize]) and allocated in full by [New], 16
// bytes an item, so a deep queue costs its memory from the start. When it
// is full and the pool at its limit, [Submit], [Pool.Go] and
// [Pool.GoContext] wait for room (Submit and GoContext honour their
// context; Go waits until there is room or the pool closes), and
// [TrySubmit] and [Pool.TryGo] fail at once with [ErrFull]; below the
// limit they start a worker for the item (see Workers). Of a burst of 9
// TryGo on New(8, QueueSize(1)), 8 are accepted (1 was, before), and the
// ninth too once the first worker has taken its item from the queue.
// When items are long (64 of them took a worker 32 µs or more) and the
// queue is half empty, a worker yields to a submitter waiting for room,
// which would otherwise wait for a processor until the queue ran dry:
// 1 µs items on 2 cores then take 1.10-1.17x their serial time / 2,
// against 1.16-1.21x before and 1.09-1.26x for the channel floor.
// QueueSize(0) gives a pool without a queue: work is handed straight to
// an idle worker. [MaxWaiting] caps the submitters that wait for room:
// beyond it they fail with ErrFull too, and Metrics.Waiting counts those
// that wait.
//
// A submission from one of the pool's own workers that would otherwise
// leave every worker waiting for room runs at once on the submitting
// worker instead: the caller-runs rule, so a pool cannot deadlock on its
// own queue. A worker is recognised by its stack: a task that submits
// with its own context by the frame that runs it among its nearest frames
// (about 0.7 µs, no allocation), any other caller by the frame of the
// pool's worker loop in a full stack trace (3-6 µs and 4 KiB;
// BenchmarkSelf). The look is paid only by a submission that finds the
// queue full at the limit: at once if
// it submits with the context of one of the pool's tasks, or once the pool
// has seen a worker submit to itself; otherwise after it has waited
// 50-100 ms (so a recursive fan-out of Go jobs stalls once, not at every
// nested Go). Only workers run items so: a goroutine that a task starts
// and hands its context to waits for room like any other submitter, so
// the limit and LockOSThread hold for its work. Close, called from a
// worker, would wait for itself: it panics, after waiting 50 ms in the
// same way.
//
// That rule is about room in the queue. A task that waits for another task
// of the same pool still holds its worker (the threads model), and if the
// other task were left queued behind it while every worker waited the same
// way, they would wait forever: a recursive fan-out that awaits its
// children did so on any pool (it still does on pond v2.7.1 and ants
// v2.12.1: a 256-leaf tree on 2 workers was still waiting after 3 s). So a
// task of the pool that waits, with its own context, for a task of the
// same pool that has not started (Task.Await, task.All, the Joins, Race,
// Any, Select) runs that task itself on its worker when no other worker
// would run it soon: the pool is at its limit with no idle worker and the
// wait has no deadline, or every other worker waits in an await point
// too. A wait with a deadline that finds a worker busy leaves the task to
// it and keeps its deadline; it looks again when that worker comes to wait
// as well or exits (Resize). A waiter runs the task it waits for and
// nothing else, so a chain of such waits nests no deeper than the chain.
// All, the Joins, Race and Any offer their members one at a time, in
// order, and stop once decided (a Race's loser still queued is cancelled,
// not run); a member's end decides them on the goroutine it ends on, so a
// member the waiter runs is cancelled there when another member, run by
// another worker, wins or fails. Select cancels nothing, so it runs a case
// only when every other worker waits and no Timer or context case could
// end the wait; it runs that case to its end, though another might end
// sooner. Finding that the waiter is a
// worker (a look at the nearest frames of its stack) costs about 0.7 µs,
// paid only when no worker is free. On the project's 2-core machine a
// task that submits 100 trivial children and awaits them in order takes
// 363 ns per child against 322 ns without helping (+13%: it runs some
// children itself and pays that look for each; BenchmarkFanOutAwait), and
// a tree of 1,024 leaves whose every node submits and joins its halves,
// which hung before, takes about 2.2 µs per node on 2 workers, against
// 1.1 µs with a goroutine per node (BenchmarkRecursive).
//
// So the workers of a pool that runs a tree each run their own children,
// and the tree runs in parallel: 1,024 leaves of about 10 µs took 8 ms on
// 2 workers (14-16 ms when a waiter helped only once every worker waited),
// against 10-11 ms serially, 7-9 ms on a pool with QueueSize(0) (nested
// tasks start at once, on an idle worker or on the submitter) and 8-11 ms
// with task.Go (audit program, 6 runs). The limits: a waiter that runs a
// task returns when that task does, even if its ctx is cancelled or its
// deadline passes meanwhile (a wait with a deadline runs a task only once
// every other worker waits, when nothing else would run it before the
// deadline either), and a Race on a pool of one worker is won by the
// member that runs first; a task that calls runtime.Goexit while its
// waiter runs it ends the waiter's goroutine too (the waiter fails with
// task.ErrGoexit);
// the task's entry stays in the queue until a worker takes it and skips
// it, taking room there meanwhile (TrySubmit may see ErrFull), though
// Metrics does not count it as queued; only the task's own goroutine runs tasks so
// (one it starts and gives its context to is no worker: it waits, so the
// limit holds), and a task that waits for such goroutines while they wait
// for room on its full pool can still wait forever, as can waits spool
// cannot see (a channel, a sync.WaitGroup). A task of another pool that
// waits with the context of one of p's tasks (captured from an enclosing
// task, rather than its own) is taken for one of p's workers, and may run
// p's task on its own worker, beyond p's limit: wait with the context
// your function is given.
//
// # Panics
//
// A panic in a task becomes its *task.PanicError, with the stack. A panic
// in a Go job has no task to go to: it is counted in [Metrics] and handed to
// the [OnPanic] handler, which logs it by default. A job that calls
// runtime.Goexit kills its worker; the pool notices and starts another.
// A Goexit in an item that runs on the goroutine of the job that submitted
// or awaits it (caller-runs, or a waiter's help) ends that job too: both
// count in Panicked, and a Go job among them goes to OnPanic, so
// [Metrics]' sum still holds.
//
// # Shutdown
//
// [Pool.Close] stops accepting, drains the queue (still starting workers
// as the work needs them, up to the limit) and waits for the workers.
// [Pool.Shutdown] does the same until its context ends, then cancels:
// queued tasks resolve with [ErrShutdown] without running, queued Go jobs
// are dropped, running tasks' contexts are cancelled, and Shutdown waits
// up to [ShutdownGrace] (100 ms by default, as package rt's Shutdown) for
// the running items to return. Then it returns a *[ShutdownError] that
// matches the context's error and counts the items it dropped and those
// still running; if the context ended with nothing queued and no task
// running, nothing is cut short and Shutdown returns nil. Go cannot stop a goroutine: a running item that ignores its
// context outlives Shutdown, and its worker stays the pool's, so that
// [Pool.Done] is closed, and a later Close or Shutdown returns, only once
// the last worker has exited. Nothing accepted is lost: every task a pool
// accepted resolves, and every Go job it accepted runs, unless Shutdown's
// deadline passed first (then it is counted as cancelled).
//
// Work that was accepted and never ran resolves with an error matching
// task.ErrNotStarted and the reason: the context's error when it ended
// while the task was queued or while Submit (or GoContext) waited for room,
// and ErrShutdown (and context.Canceled) when Shutdown dropped it. Work
// refused at the door fails with ErrFull, ErrClosed, task.ErrNilFunc or
// ErrNilPool, and is counted as rejected.
//
// A task cancelled while it waits in the queue resolves at once, but Go's
// channels have no way to take an entry out from the middle: its entry
// stays in the queue until a worker takes it and skips it. Until then it
// takes room there (a TrySubmit may see ErrFull, a Submit may wait, behind
// a worker stuck in a long item), [Metrics] counts it as Queued, and
// Cancelled counts it only once the worker has skipped it. So cancelling
// queued work makes no room while every worker is stuck: give items that
// can hang a deadline, which frees their workers.
//
// # Bad input
//
// As everywhere in spool (see the module's package doc): [New] reports a
// bad option value or a nil option as its error, matching [ErrInvalid]
// and naming the option and the value ("pool: QueueSize(-1): must be from
// 0 to MaxQueueSize, ..."); an option never panics. A worker count below
// 1, for New or [Pool.Resize], is [ErrSize], which matches ErrInvalid too.
// A nil fn is refused with an error that matches both ErrInvalid and
// task.ErrNilFunc (which rt.Spawn's matches too), naming the call: "pool:
// Submit: fn must not be nil (got nil)". [Histogram.Quantile], which has no
// error result, panics for a q outside [0, 1]. A nil context panics at
// the call, whatever the pool, as in "pool: Submit: nil context" and "pool: Pool.Shutdown:
// nil context". The check is one pointer comparison: BenchmarkSubmitAwait
// took 532 ns with it against 538 ns without, and BenchmarkGo (no
// context) 48.0 against 48.1 ns, both within the noise (medians of 6
// alternated runs).
//
// # Metrics
//
// [Pool.Metrics] counts every submission once, by outcome, so that on a
// quiescent pool Submitted == Completed + Failed + Panicked + Cancelled +
// Rejected; it also gives queue-wait and run-time histograms in
// power-of-two buckets, from one item in [DefaultSampleEvery].
// To serve it through package expvar (at /debug/vars), publish a func:
// expvar.Publish("jobs", expvar.Func(func() any { return p.Metrics() }))
// (see the example). Package pool does not do it for you: importing expvar
// links net/http into every program that uses a pool, about 3 MB of binary
// and 3 MiB of peak memory for a small one.
//
// # Performance
//
// On a 2-core machine (go test -bench . -count 6 ./pool/, medians, wall
// time and CPU time per item):
//
//	                                          wall     CPU   allocs
//	channel of funcs, 2 goroutines (floor)   36 ns   55 ns   0
//	Pool.Go, no-op, 2 workers                49 ns   70 ns   0
//	Submit + Await, trivial fn              478 ns  505 ns   1 (the task, 162 B)
//	the same under a cancellable ctx        850 ns  900 ns   5 (402 B)
//	Submit x100, then Await x100            241 ns           1
//	New + Close, no worker started          3.7 µs           15 (22 KiB: the queue is 16 KiB)
//	New + one Go + Close                    9.5 µs           21
//
// Go pays for counting the item (one atomic add, which also tells Close
// whether it may have to wait for it), panic recovery, and sampled timing:
// 1.4 times the floor from one submitter or from two (BenchmarkGoParallel
// against BenchmarkChannelFloorParallel), and 1.5-1.7 times with 100
// submitters (the bench module's submitters workload). Most of either
// goes to the channel's lock, which the submitter and the workers
// contend for. Submit + Await is a round trip through a parked worker:
// waking it and being woken cost more than the pool's own work.
//
// The queue stays a channel. A lock-free ring was tried in its place
// (Vyukov's bounded multi-producer multi-consumer queue; idle workers
// counted as sleepers and woken by a token) and measured against it on the
// same machine: Go took 38 ns instead of 49 in alternated runs, and lost
// that lead in others; with two submitters at once it took 190-330 ns an
// item where the channel took 82-90 ns, whenever the machine's two cores
// were slow to pass cache lines between them; Submit + Await took 10%
// longer; and a pool of limit 10,000 started 100-300 workers for a stream
// of a million no-op items, where it starts 7 with the channel, so its
// peak memory grew by about 0.7 MiB. A second try (a ring whose cells
// carry 2t and 2t+1, so that a queue of 1 works too) gave the same answer
// in bench/pools, 2 interleaved rounds of 5 runs: Go at limit 2 ran
// 17.6-17.9M tasks/s against the channel's 21.3-21.4M, and at 10,000
// 14.5-15.3M against 20.7-20.9M.
package pool
