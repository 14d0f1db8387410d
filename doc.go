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
// tokio returns it from the JoinHandle. It is never swallowed: a task whose
// result nobody reads is the caller's choice, made visible by the API
// returning a *task.Task.
//
// # Cancellation
//
// Go cannot abort a goroutine. Cancelling a task cancels its context; the
// function ends when it notices. Await with a context that ends returns at
// once and leaves the task running; Group.Close and pool Shutdown cancel
// and then wait.
package spool
