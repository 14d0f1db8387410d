// Package spool is a concurrency toolkit for Go that brings both models of
// the chapter "Async and Concurrency" (threads, and async tasks on a
// runtime) under one vocabulary: one future type ([task.Task]), one way to
// cancel (context.Context), and panics that always come back as errors.
//
// This package holds no code; it is the map. Use:
//
//   - [github.com/spool-go/spool/task] when you want typed futures: Go,
//     Await, All, Race, Any, Select, Timeout, Sleep, and Group (a JoinSet
//     with a limit, completion-order Next and submission-order Wait).
//   - [github.com/spool-go/spool/rt] when you want a runtime with N worker
//     slots that bound CPU parallelism but not concurrency: a task gives its
//     slot back at every await point. Spawn, BlockOn, SpawnBlocking, a
//     detector for tasks that block a slot, metrics, Shutdown.
//   - [github.com/spool-go/spool/pool] when you want the threads model: up
//     to n workers (optionally on locked OS threads), started as work
//     needs them, draining a bounded queue.
//   - [github.com/spool-go/spool/guard] when you want a value that lives
//     inside its lock (Mutex[T], RWMutex[T]), with a cancellable Lock(ctx),
//     or a weighted Semaphore whose Acquire(ctx, n) is an await point.
//   - [github.com/spool-go/spool/chans] when you want channel patterns that
//     close what they return: Merge, FanOut, Broadcast, Watch, Batch, Pipeline.
//   - [github.com/spool-go/spool/parallel] when you want CPU-bound map/reduce
//     over slices, or ordered bounded streams over iter.Seq.
//   - [github.com/spool-go/spool/retry] when you want retries with
//     exponential back-off and jitter, and an HTTP classifier.
//   - [github.com/spool-go/spool/echo], [github.com/spool-go/spool/fetch],
//     [github.com/spool-go/spool/cp]: a TCP echo server and load client, a
//     concurrent HTTP fetcher, and a concurrent file copier (the programs
//     behind `spool echo`, `spool fetch` and `spool cp`).
//   - [github.com/spool-go/spool/lab]: the experiments behind `spool lab`.
//
// # Panics
//
// A panic inside any spool task is recovered and returned from Await (and
// Wait, All, ...) as a *task.PanicError holding the value and the stack, as
// tokio returns it from the JoinHandle. It is never swallowed: a task that
// panicked and was dropped without anyone reading its error (Await, Result,
// a combinator that returns it, or a Group's Wait or Next) is reported when
// the garbage collector finds it (task.OnUnobservedPanic, logged by
// default), whichever package ran it; and PanicError.Repanic turns the
// error back into a panic for a caller that wants the crash. A panic in a
// pool's Go job, which has no task, goes to the pool's OnPanic handler.
//
// # Cancellation
//
// Go cannot abort a goroutine. Cancelling a task cancels its context; the
// function ends when it notices. Await with a context that ends returns at
// once and leaves the task running. A task cancelled while it waits in a
// pool's queue resolves at once, without running, with an error matching
// task.ErrNotStarted. Group.Close cancels and then waits. A pool's Close
// drains the queue and waits; its Shutdown does the same until its context
// ends, then resolves the tasks still queued (pool.ErrShutdown, also
// matching task.ErrNotStarted), cancels the running ones and waits up to a
// grace period for them (pool.ShutdownGrace), as rt's Shutdown does; it
// then returns a pool.ShutdownError, and the pool still owns the workers
// that run on (Done, and a later Close, wait for them).
//
// Work started with a context that is already done does not run, but for
// the exceptions below. pool.Submit and TrySubmit, rt.Spawn, BlockOn and
// SpawnBlocking, and task.Group.Go (for the ctx passed to Go) resolve the
// task without calling fn, with an error matching task.ErrNotStarted and
// the context's error; pool and rt count it as Cancelled in their
// Metrics. parallel's Map, ForEach, MapReduce and Reduce return a wrapped
// context error, and MapOrdered yields one, without calling fn; retry.Do
// returns a *retry.Error with 0 Attempts whose Cause is the context's
// error. The exceptions: task.Go runs fn, as the go statement does, and fn
// finds its context done; pool.GoContext's context bounds only its wait
// for room, so with room in the queue fn runs; and the chans helpers do
// not look up front: their channels close once they see the context done,
// a value already at hand may still go through (to a Stage's fn, say), and
// Pipeline.Go runs its fn.
//
// # Bad input
//
// One rule for misuse, in every package. A bad option value, a nil option
// or a bad argument (a size below 1, a negative duration where none is
// allowed, a nil func where one is needed, ...) is reported by the
// function's error when it has one: an error matching the package's
// ErrInvalid (errors.Is), whose text names the option or argument and the
// value, as in "rt: Workers(0): must be from 1 to 65536". Specific
// sentinels stay and match ErrInvalid too (guard.ErrSize, pool.ErrSize,
// cp.ErrNoSources, parallel.ErrUnsupported, task.ErrNilFunc, ...); a nil
// func given to a function that starts work and returns a task or an
// error (task.Go, rt.Spawn, pool.Submit, Pool.Go, parallel.Map, ...) is
// refused with an error matching task.ErrNilFunc and the package's own
// ErrInvalid, and one given at set-up to a function
// without either (chans.Stage, Pipeline.Go, parallel.MapOrdered) panics,
// as the rule below says. An option never panics: it records the bad value for the
// constructor (New, Do, Copy, Run, ...) to report. A function without an
// error result (task.NewGroup, echo.New, fetch.Run,
// guard.Semaphore.TryAcquire, chans.FanOut, chans.Stage,
// parallel.MapOrdered, ...) panics at once instead, with a message of the
// form "<pkg>: <Func>: <what is wrong> (got <value>)", as in "task:
// NewGroup: Limit must be positive (got 0)".
//
// A nil context.Context given to any function or method that takes one
// panics at once, at the entry, with "<pkg>: <Func>: nil context" (as in
// "task: Task.Await: nil context"), as context.WithCancel(nil) panics:
// never a nil-pointer dereference deep inside, never silently accepted.
// The check is one pointer comparison: on the hot paths (task.Go and
// Await, Group.Go, rt.Spawn, retry.Do's first attempt, guard's Lock and
// Semaphore.Acquire) it moved no benchmark beyond its noise, medians of 6
// alternated runs; task.Park, at 4.4 ns, took 0.1 to 0.4 ns more (a
// cycle or so; p=0.055 over 10 runs).
package spool
