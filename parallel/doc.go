// Package parallel runs CPU-bound work over slices on all cores ([Map],
// [ForEach], [Reduce], [MapReduce]) and bounded, ordered work over
// iterators ([MapOrdered]).
//
// # Slices
//
// The slice functions cut their input into chunks that are sub-slices of
// it (never copies) and run them on up to GOMAXPROCS goroutines, the
// caller's included; workers take the next chunk when they finish one, so
// uneven items balance out. The first error (or panic, returned as a
// *task.PanicError inside an *ItemError or *ChunkError) cancels the
// context the other calls get and stops the rest; it is what the function
// returns. A cancelled ctx stops the work the same way. Every goroutine a
// function starts has ended when it returns.
//
// The chapter's parallel_computation copies each chunk (chunk.to_vec())
// before summing it on a thread. Summing squares is so cheap that the copy
// costs more than the work: see the figures below, measured on the 2-core
// machine this package was developed on.
//
// # Iterators
//
// [MapOrdered] calls a function on the values of an iter.Seq with at most n
// calls at once and yields the results in input order as an iter.Seq2; a
// break out of the loop cancels and waits for the calls in flight.
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
package parallel
