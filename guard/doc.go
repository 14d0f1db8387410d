// Package guard gives locks that own the value they protect, as Rust's
// Mutex<T> and RwLock<T> do: [Mutex] and [RWMutex] hold a T that code can
// reach only through With, Read or a Guard, so the lock cannot be
// forgotten. The zero value of each is ready to use.
//
// There are two ways in, matching the chapter's two mutexes:
//
//   - With (and Read) run a function under the lock and release it when the
//     function returns or panics: std::sync::Mutex, for short critical
//     sections that never wait.
//   - Lock(ctx) returns a Guard to Unlock later: tokio::sync::Mutex, for a
//     lock held across await points. Waiting for the lock honours ctx and is
//     an await point, so on a runtime (package rt) a task waiting for a lock
//     gives its worker slot back.
//
// A nil function given to With, Read or their Try forms panics at once,
// before the lock is taken: "guard: Mutex.With: fn must not be nil (got
// nil)".
//
// Pick one way per lock when it is used on a runtime. Once any holder may
// keep a lock across an await point, every task must take it with
// Lock(ctx) (or RLock): With, Read, Get and Set wait holding their task's
// slot, and when the waiters hold every slot, the holder cannot take one
// back to unlock. The runtime hangs until Shutdown cancels the holder,
// and its blocking detector names the waiting tasks. (tokio panics when
// blocking_lock is called in async code; a guard cannot tell, having no
// context to find the task by.)
//
// [Semaphore] is the third wait of the kind: n permits taken and given back
// in any amounts, in arrival order, with an Acquire(ctx, n) that is an
// await point (tokio's Semaphore, x/sync's semaphore.Weighted).
//
// Waiters queue in arrival order and the lock is handed from one to the
// next without being released in between, so a waiter is never overtaken
// by a newcomer once it has queued; an RWMutex is write-preferring (a
// waiting writer holds back new readers). A waiter whose context ends
// leaves the queue at once, before it waits to take its runtime slot back;
// if the lock was handed to it at that very moment, it hands the lock on.
//
// # Costs, and when to use something else
//
// Measured on a 2-core machine shared with other work, so as CPU time per
// operation (go test -bench . ./guard/, cpu-ns/op, medians of 5 runs; the
// uncontended rows, of 12 runs with the check that Guard.Unlock makes);
// the contended rows have every P incrementing one shared counter:
//
//	                                    guard      sync
//	With / Lock+Unlock, uncontended     14 ns      11 ns
//	With / Lock+Unlock, contended       24 ns      22 ns
//	Lock(ctx)+Unlock, uncontended       14 ns       -
//	read lock (Read or RLock)           14 ns       -
//	99% reads, 1% writes, contended     18 ns      12 ns (sync.RWMutex)
//	atomic.Int64.Add, contended         15 ns
//	sharded counter (padded cells)       5 ns
//	channel to an owner goroutine       40 ns
//
// None of them allocates. A waiter that has to queue allocates its entry
// and channel (2 allocations, about 130 B) and wakes up in microseconds,
// not nanoseconds. Fairness has a price under heavy contention: with 4 or
// 8 goroutines incrementing one counter as fast as they can, a guard.Mutex
// took 1.5 to 2 times as long as a sync.Mutex, which lets newcomers barge
// ahead of waiters.
//
// Use an atomic (sync/atomic) for a single counter or flag: it is cheaper
// than any lock, about half a contended one. Shard a hot counter into padded cells when
// many cores add to it and reads are rare. Use a channel when the data has
// one owner and others send it work or requests (share memory by
// communicating), or when the receiver should wait for values. Use a
// sharded map (or sync.Map for keys written once and read often) when
// goroutines touch different keys. Use a guard when several fields must
// change together, or when the invariant spans the whole value.
package guard
