// Package lab measures the performance claims of the chapter "Async and
// Concurrency" on the machine it runs on, with spool's own runtime and pool
// as the two models, and sets each claim next to what it measured.
//
// It is the engine of `spool lab`. Each experiment lives in its own file,
// named after it, and reads on its own: memory.go, spawn.go, switch.go,
// join.go, cpu.go, io.go, shared.go, channels.go, blocking.go, mutex.go.
// The workloads they share with the bench/ module live in
// internal/workload.
//
// Use it to see, with numbers, which model fits a workload on your machine;
// do not use it as a benchmark harness for your own code (use testing.B).
// Every figure comes from the run that prints it; only the chapter's claims
// are written in the code.
//
// # Spread
//
// Each figure is the median of several repetitions, and its spread is
// (max-min)/median over them: 10% means the repetitions ranged over a
// tenth of the figure. Many claims are decided by a ratio of two figures
// measured apart (a thread's spawn cost over a goroutine's, RWMutex over
// Mutex, the pool's I/O time over the runtime's, a speed-up, buffered over
// unbuffered channels). Such a ratio is the ratio of the two medians, and
// its spread is the range the ratio takes over every pairing of a
// repetition of one side with one of the other (from the smallest
// numerator over the largest denominator to the largest over the
// smallest), divided by that ratio: about the sum of the two sides'
// spreads, since either side's noise moves the ratio. The repetitions of
// the two sides are separate runs, so no pairing is preferred to another.
package lab
