// Package parallel runs CPU-bound work over slices on all cores ([Map],
// [ForEach], [Reduce], [MapReduce]) and bounded, ordered work over
// iterators ([MapOrdered]).
//
// # Slices
//
// The slice functions cut their input into chunks that are sub-slices of
// it (never copies) and run them on up to GOMAXPROCS goroutines (see
// [Workers]), the caller's included; workers take the next chunk when they
// finish one, so uneven items balance out. The first error (or panic,
// returned as a *task.PanicError inside an *ItemError or *ChunkError)
// cancels the context the other calls get and stops the rest; it is what
// the function returns. "First" is by time, not by index: with several
// failing items, whichever failed first is returned, and the other errors,
// usually the cancellation it caused, are dropped, except a panic or a
// runtime.Goexit, which is joined to it with errors.Join (errors.As finds
// the first *ItemError and the *task.PanicError alike): a panic is never
// swallowed. A cancelled ctx stops the work the same way. Every goroutine
// a function starts has ended when it returns.
//
// To see every failure instead of the first, pass [KeepGoing] to [Map] or
// [ForEach]: every item runs whatever the others do (a panic fails its
// item only; a runtime.Goexit, which ends the goroutine that runs the
// item, stops the run instead: the results are nil and the error matches
// task.ErrGoexit, without the item's index), Map returns every result (the zero value for a failed item)
// and both return one *ItemError per failed item, joined with
// errors.Join in input order. A cancelled ctx still stops the work, and
// then the results are nil. Reduce and MapReduce reject it: a fold with a
// chunk missing has no meaning.
//
// The chapter's parallel_computation sample (a sum of squares that cuts its
// input into one chunk per CPU and sums each on a thread of its own) copies
// each chunk (chunk.to_vec()) before summing it. Summing squares is so
// cheap that the copy costs more than the work: see the figures below.
//
// # Iterators
//
// [MapOrdered] calls a function on the values of an iter.Seq with at most n
// calls at once and yields the results in input order as an iter.Seq2; a
// break out of the loop cancels and waits for the calls in flight.
//
// # Bad input
//
// As everywhere in spool (see the module's package doc): [Map], [ForEach],
// [Reduce] and [MapReduce] report a bad option value, a nil option or a
// nil function as their error, without calling anything: an error
// matching [ErrInvalid] that names it, as in "parallel: Workers(0): must
// be positive" or "parallel: Map: fn must not be nil (got nil)" (which
// matches task.ErrNilFunc too); every one of a call's bad options and
// arguments is reported, joined. [KeepGoing] given to Reduce or MapReduce
// is refused the same way, and matches [ErrUnsupported] too. An option
// never panics by itself. [MapOrdered], which has no error result, panics
// at once, at the call, on a nil seq or fn or a workers below 1
// ("parallel: MapOrdered: workers must be positive (got 0)"). A nil
// context panics at the call, as in "parallel: Map: nil context". The
// check is one pointer comparison; with it, a call without options no
// longer allocates its configuration, so Map of 1 item took one
// allocation less and about a fifth less CPU than before (6 alternated
// runs of BenchmarkMapOverhead); BenchmarkMap and BenchmarkSumSquares did
// not move beyond their noise.
//
// # On a runtime
//
// Called from a task of a runtime (package rt) with the task's context,
// the slice functions run fn on the caller's goroutine with a context
// derived from the task's, so that fn's await points give the task's slot
// back, and on up to Workers-1 helper goroutines whose context carries no
// slot. The helpers are not the runtime's tasks: the runtime's bound on
// how many tasks use a CPU does not cover them, and a task that calls Map
// uses up to Workers cores, not one. To keep such work within a
// runtime's slots, give Workers(1), or spawn the chunks as tasks of the
// runtime. MapOrdered's workers hold no slot either.
//
// # When to use it, and when not
//
// Use the slice functions for work that keeps a core busy (parsing,
// hashing, encoding, numeric kernels) over inputs whose items are
// independent. Do not use them for I/O-bound work (a goroutine per request
// with a limit, task.Group or MapOrdered, fits better), nor for tiny inputs
// of tiny items: below a few microseconds of total work the goroutine
// handoffs cost more than they save (Map runs a single chunk inline, but it
// cannot know how long an item takes; set ChunkSize). Memory-bound loops,
// like the chapter's sum, gain little from more cores once the memory bus
// is saturated.
//
// # Figures
//
// Every figure of this package is given once: here for Map and MapReduce,
// in the doc of [Reduce], [Workers] and [KeepGoing] for theirs. Medians
// of 6 runs (go test -bench, b.Loop) on the project's 2-core VM (AMD
// EPYC, Go 1.26), shared with other jobs (load average 1 to 5 during the
// runs). Next to wall time, the CPU time the process used per operation
// (user+system, all threads; "cpu") shows the work each version does; on
// a busy machine it stays steady while wall times lose the parallel
// speed-up.
//
// The chapter's parallel_computation sample, the sum of x*x over
// 0..10,000,000 (BenchmarkSumSquares):
//
//	serial loop                        3.4 ms   cpu 3.4 ms          0 B
//	chapter: copy chunks, then sum     7.7 ms   cpu 10 to 18 ms  76 MiB
//	threads on sub-slices, by hand     1.8 ms   cpu 3.4 ms        352 B
//	parallel.MapReduce                 2.0 ms   cpu 3.4 ms        728 B
//
// The copy makes the chapter's version about 2 times slower than one
// thread (7.7 ms against 3.4 ms) and 3 to 5 times costlier in CPU (the
// garbage collector's share varies): it moves 76 MiB through memory to
// save nothing, for a sum that is itself memory bound. Without the copy,
// the parallel sum does the serial loop's work and no more, on both cores.
//
// A 1 µs CPU task (workload.Spin) over 100,000 items (BenchmarkMap):
//
//	serial loop                         91 ms   cpu  92 ms     1 alloc
//	one goroutine per item              94 ms   cpu 181 ms   200,000 allocs, 11 MiB
//	parallel.Map                        47 ms   cpu  93 ms     9 allocs
//
// A goroutine per item doubles the CPU spent, and so gains nothing on 2
// cores. Map spends what the loop spends, and its wall time is the loop's
// divided by the cores.
//
// Fixed costs for trivial items (BenchmarkMapOverhead, cpu per call):
// 80 ns and 3 allocations for 1 item (the loop: 2 ns), 0.85 µs and 8
// allocations for 16 items in 16 chunks, 150 ns for the same 16 items as
// one chunk (ChunkSize(16)); over 10,000 items, 1.5 ns more per item than
// a loop that calls an inlined function as one chunk, 2.3 ns in the
// default 16 chunks (49 µs against 26). On the project's later Intel Xeon
// VM, where the loop also takes 26 µs, Map takes 68 µs and one chunk
// 61 µs (medians of 8 runs), since the loop over a chunk looks at ctx
// once per 64 items instead of testing for it at every item (before: Map
// 80 µs, -15%, p=0.003; one chunk 67 µs, -8%, p=0.010).
//
// Reproduce with
//
//	go test -run '^$' -bench 'Map$|SumSquares|MapOverhead|Reduce|MapWorkers|KeepGoing' -benchmem -count 6 ./parallel/
package parallel
