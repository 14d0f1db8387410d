// Package parallel compares spool's package parallel with what Go
// programmers write instead, on CPU work over a slice and on an ordered
// stream over an iterator:
//
//   - serial: a plain loop, the floor (its time / GOMAXPROCS is the best a
//     parallel run can do);
//   - chunked: GOMAXPROCS goroutines, each over a contiguous chunk, and a
//     sync.WaitGroup: what a careful engineer writes by hand;
//   - errgroup: x/sync's errgroup.Group with SetLimit(GOMAXPROCS) and one
//     g.Go per item (the common naive port), and errgroup-chunked, one
//     g.Go per contiguous chunk;
//   - conc: sourcegraph/conc's iter.Map and iter.ForEach;
//   - spool: parallel.Map, parallel.ForEach and parallel.MapReduce with
//     default options.
//
// The ordered stream compares spool's parallel.MapOrdered with conc's
// stream.Stream and a hand-written pipeline (workers, and a FIFO of
// per-item result channels).
//
// Every peer has the same shape for its kind ([MapPeer], [ForEachPeer],
// [SumPeer], [OrderedPeer]) and takes the per-item function as a func
// value; the Map and ForEach peers get it in their library's own shape
// ([Fn], [EachFn]), so that all pay the same one indirect call per item. The workloads are
// workload.Spin from internal/workload, the code the lab measures. `go
// test ./parallel/` checks every peer's results against a serial loop, on
// several sizes and GOMAXPROCS values, and checks that the check catches
// deliberately wrong peers; run.sh runs the benchmarks and benchstat.
package parallel
