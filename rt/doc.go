// Package rt is spool's runtime: the async half of the chapter "Async and
// Concurrency" (tokio's Runtime) made real in Go.
//
// # The model
//
// Go's scheduler already multiplexes goroutines over threads, so rt is not
// a second scheduler. A Runtime is a budget of N worker slots. Every task
// of the runtime runs on its own goroutine and holds a slot while it runs;
// at each await point it gives the slot back, and it takes one again (in
// FIFO order, waiting if none is free) before it goes on. So N bounds how
// many of the runtime's tasks use a CPU at once, while any number of them
// may be waiting on timers, I/O or each other: N bounds parallelism, not
// concurrency. That is tokio's worker threads, and what a service needs to
// cap the CPU of one subsystem without capping its I/O concurrency, which
// neither errgroup.SetLimit nor a worker pool gives (they bound tasks, not
// running tasks).
//
//	r, err := rt.New(rt.Workers(4))        // Builder::new_multi_thread().worker_threads(4)
//	defer r.Shutdown(ctx)                  // shutdown_timeout, with ctx as the timeout
//	v, err := rt.BlockOn(r, ctx, fn)       // block_on
//	t := rt.Spawn(r, ctx, fn)              // spawn: a *task.Task, awaited with t.Await(ctx)
//	t := rt.SpawnBlocking(r, ctx, fn)      // spawn_blocking
//	g := task.NewGroup[T](ctx, task.On(r)) // a JoinSet whose spawn is the runtime's
//
// [CurrentThread] is new_current_thread: one slot. [MaxBlocking] and
// [KeepAlive] are max_blocking_threads (512) and thread_keep_alive (10 s).
// Unlike tokio, tasks are not pinned to threads: Go may still preempt a
// task and move it between threads; the slot is a right to run, not a
// thread.
//
// # Await points
//
// A task gives its slot back at every spool await point: [task.Task.Await],
// [task.Sleep], [task.Select], [task.All], [task.Join2], [task.Race],
// [task.Any], task.Group's Go (waiting for a place), Next and Wait,
// [BlockOn], and the blocking waits of the other spool packages (pool
// submission, channel helpers, retry back-off, guard locks and
// semaphores). An await point gives the slot back only if the ctx it is
// given is the task's context or derived from it: the slot travels in the
// context, and Go has no other way to tell which task calls. Given
// context.Background(), or a context.WithTimeout(context.Background(), d)
// made inside the task, an await point waits holding the slot, as a
// channel receive does: two tasks of a two-slot runtime that each await a
// child so hold both slots, and the children never start; a task of a
// [CurrentThread] runtime that calls BlockOn(r, context.Background(), fn)
// waits until Shutdown. Derive the timeout from the task's ctx
// (context.WithTimeout(ctx, d)) instead. The detector reports such a wait
// as what it is. An await point gives the slot back only if it waits, too:
// Task.Await of a task that has ended, Select with a case ready and Sleep
// of 0 return at once and keep it (All, Join2, Race and Any give it back
// even then). So a loop that awaits results already there keeps its slot,
// as a loop without await points does, and the detector may report it.
// To make your own blocking wait an await point, wrap it:
//
//	p := task.Park(ctx) // gives the slot back
//	v := <-ch
//	p.Resume()          // takes a slot again
//
// The slot belongs to the task's goroutine: do not park with a task's
// context on another goroutine. (rt keeps its accounting straight if you
// do, the detector's cells included, but the bound is lost while it lasts,
// and the detector may miss a hold of that task.) Only Spawn, BlockOn and
// a task.Group made with task.On(r) put work on the runtime: task.Go, a
// task.Group without On, or a go statement inside a runtime task start
// goroutines that hold no slot. A group made with task.On(r) (tokio's
// JoinSet, spawning on the runtime) runs each task as Spawn would, on the
// group's own goroutines, with the group's limit, FailFast and results
// (see [Runtime.TaskSlot]): fan-out inside a task stays under the
// runtime's bound. A task.Group submission that runs inline is the
// exception: when the group is full and the context given to its Go
// descends from the group's (the caller-runs rule of [task.Group.Go]), fn
// runs on the calling task's goroutine, which keeps its slot for the
// whole call: fn's context holds no slot, so its await points give
// nothing back.
//
// # The pitfall, and the blocking detector
//
// A task that blocks without an await point (time.Sleep, a channel receive,
// a network read or write, a blocking syscall, file I/O, a long CPU loop:
// the chapter's bad_example)
// keeps its slot, and with it one Nth of the runtime's capacity. The
// runtime's blocking detector, a goroutine owned by the runtime, looks
// every quarter of its threshold ([DetectBlocking], 100 ms by default) for
// tasks that have held a slot longer than the threshold since their last
// await point, and reports each such hold once: a [BlockingReport] with the
// task's name, how long, and its goroutine's stack (read from the goroutine
// profile, which carries the task's pprof labels), logged through slog at
// level Warn, counted in [Metrics].BlockingReports, and passed to the
// [OnBlocking] callback. The report names the cure: [SpawnBlocking] for
// blocking or CPU-heavy work, task.Sleep instead of time.Sleep. When the
// stack shows the task parked in one of spool's await points while it
// held the slot, the report says instead that it waits there with a
// context that is not the task's, names the await point
// (BlockingReport.AwaitPoint) and asks for the task's ctx. Holding a
// slot is measured in wall time, so a CPU-starved process (more runnable
// goroutines than GOMAXPROCS, a busy machine) can look like a blocking
// task; the detector discounts stalls of the whole process.
//
// A look costs in proportion to the slots, not to the tasks: a task that
// takes a slot shows itself in a table of cells, twice as many as slots,
// and clears its cell when it gives the slot back, about 13 ns an await
// point. With 100,000 tasks parked at await points an idle runtime uses no
// more CPU than an empty one. And once no task has held a slot for a
// threshold, the detector stops looking until a task takes a slot again
// (which wakes it, so a hold is still reported 1 to 1.25 thresholds after
// it began). Per 100 ms of wall time, a process whose runtime is idle used
// 163-190 µs of CPU time and 6 context switches, and one with 100,000
// tasks parked at await points 162-191 µs and 5-6: no more than one
// without a runtime (181-194 µs, 6-7). One whose single task takes its
// slot every 10 ms, which keeps the detector looking, used 2.1-2.9 ms and
// 78-79 (BenchmarkIdle, -benchtime 20x, 3 runs, on the project's 2-core
// machine).
//
// # Which to use
//
//   - [task.Go] when you want a future and no bound: one goroutine per
//     task, nothing shared.
//   - rt when many tasks mostly wait (I/O, timers, other tasks) and you
//     want their CPU use bounded, blocking work kept apart, a detector for
//     tasks that block, metrics and a Shutdown that reports stragglers.
//   - package pool when you want the threads model: up to n workers,
//     started as work needs them, draining a bounded queue, where a task
//     holds its worker for its whole life, waiting included.
//   - [task.NewGroup] with task.Limit when you want to bound how many tasks
//     exist, not how many run; add task.On(r) to bound how many run, too.
//
// # Observability
//
// Every task runs under pprof labels: spool.runtime (the runtime's
// [Name]), spool.task for tasks named with [TaskName], spool.id (a label
// set unique among live tasks, which the detector uses to find the
// goroutine) and spool.kind=blocking on the blocking pool. So a CPU
// profile (go tool pprof -tagfocus spool.task=...) shows which task did
// what. The context a task's function receives carries the same labels,
// so pprof.Do with it adds labels for the call and then gives the
// goroutine the task's back, and pprof.Label(ctx, "spool.task") finds the
// task's name. pprof.Do with another context (context.Background()) or
// pprof.SetGoroutineLabels replaces the task's labels for that stretch:
// the profile does not name the task there, and a blocking report made
// then has no stack (BlockingReport.Stack is ""), since the detector finds
// the goroutine by its spool.id. It costs Spawn nothing: the context asks the task's
// registry entry for its label set only when the labels are looked up.
// The labels of the context a task is spawned with are not the task's:
// neither its goroutine nor its context carries them. A blocking task's
// context has no labels of its own: it carries those of the context given
// to SpawnBlocking (a task's labels, when that is a task's context), and
// so does its goroutine after a pprof.Do with it. When runtime/trace is
// on, each task is a trace task ("spool.task" or "spool.blocking") with a
// region around its run; a task of a group made with task.On(r) is a
// "spool.run" region of the trace task of the group's context.
// [Runtime.Metrics] is a snapshot of slots, tasks, the blocking pool,
// outcomes and the slot wait and hold time histograms; [Runtime.Publish]
// exports it through expvar, on demand; [Runtime.Tasks] lists live tasks,
// with ages that Spawn paid no clock reading for: never short of the
// truth, and up to a quarter of the detector's threshold over it.
//
// # Panics, cancellation and shutdown
//
// A panic in a task becomes a *task.PanicError (value and stack) returned
// by Await, and is counted in Metrics.Panicked. Cancelling a task's context
// reaches it wherever it is. A task whose context is done at Spawn or
// BlockOn resolves without running, with an error matching
// task.ErrNotStarted and the context's error, before Spawn returns; one
// whose context ends while it waits for its first slot resolves so as
// soon as its goroutine wakes. In the blocking queue (or with a context
// done at SpawnBlocking), it resolves so at once: before the task's Cancel
// (or a parent task's) returns, or for a parent from package context as
// soon as package context tells the task, without waiting for a blocking
// goroutine to come free. Such tasks count as Cancelled in Metrics, whose
// outcomes mean what package pool's do. Running, a task sees its context
// done. [Runtime.Shutdown] refuses new tasks (but for the sub-tasks of
// running async tasks, so that work in flight can finish), waits for the
// running and queued ones, and when its context ends cancels them, lifts the slot
// bound so that cancelled tasks can return, waits a grace period and
// returns a [*ShutdownError] that counts the tasks whose contexts it
// cancelled (Cancelled, running ones included) and those of them that
// ended without starting (NotStarted: what Metrics counts as Cancelled),
// and lists what is still running. Go cannot abort a goroutine: a
// blocking task, or any task that ignores its context, can outlive
// Shutdown; its goroutine stays the runtime's and a later Shutdown waits
// for it again. Shutdown given the context of one of the runtime's own
// tasks, which it would wait for, returns [ErrShutdownFromTask] at once.
//
// # Cost
//
// Measured on a 2-core machine with Go 1.26 (go test -run '^$' -bench
// 'BenchmarkSpawn$|BenchmarkPark|BenchmarkSpawnBlocking' -count 6 ./rt/;
// medians of the means of runs on a shared machine, best batches of 1,000
// in brackets): Spawn and Await of a trivial task cost 488 ns (337 ns) and
// 2 allocations (273 B), against 336 ns (223 ns) for task.Go and 361 ns
// (242 ns) for a bare goroutine returning on a channel; from inside a
// task, 526 ns (348 ns). Giving the slot back and taking it again at an
// await point that finds a slot free costs 55 ns and no allocation: about
// 14 ns of it the detector's cell, and 4 ns the count of slots taken that
// Metrics reports. SpawnBlocking and Await cost 748 ns (546 ns) on a warm
// pool.
// Besides its tasks' goroutines, a runtime owns the detector's goroutine
// and its idle blocking goroutines, which exit after the keep-alive; all
// are gone when Shutdown returns nil. The package starts nothing at import.
package rt
