// Package pools compares spool's pool and task.Group with the executors Go
// programmers reach for instead: raw goroutines with a WaitGroup, errgroup
// with SetLimit, ants v2, pond v2, conc's pool, and two floors that no
// executor can beat by much: a serial loop, and N workers ranging over a
// buffered channel.
//
// Every [Peer] runs the same [Spec] (how many tasks, how many at once, how
// many submitting goroutines, what each task does). [Measure] times one run
// in the current process and reads its allocations and peak RSS; the runner
// in cmd/pools starts a fresh process for every run so that no peer inherits
// another's heap, and writes the markdown report (see [Report]).
//
// Run the whole comparison with bench/pools/run.sh; `go test ./pools/` runs
// every peer on a tiny version of every workload and checks that all tasks
// ran, so the harness cannot rot.
package pools
