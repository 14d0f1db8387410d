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
package lab
