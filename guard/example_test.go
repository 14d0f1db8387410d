package guard_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// The chapter's broken_example increments a local counter from a spawned
// thread, and Rust refuses to compile it: thread::spawn takes a closure
// that may outlive the function, so it cannot borrow the local counter
// (error E0373, "closure may outlive the current function"); sharing it
// takes an Arc<Mutex>. Go lets a goroutine capture any variable. With the
// chapter's join (a sync.WaitGroup's Wait before the read) the Go version
// is even correct: the wait orders the write before the read. Drop the
// join, or read while the goroutine runs, and Go still compiles it,
//
//	counter := 0
//	go func() { counter++ }() // data race with the read below
//	fmt.Println(counter)
//
// because Go's type system does not track who may touch a value from which
// goroutine. The bug is still a bug: the result depends on timing, and the
// race detector (go test -race, go run -race) reports it at run time when a
// test exercises the racing accesses. That is why spool's test.sh runs
// the tests under -race whenever cgo and a C compiler are available (and
// CI requires it): Go finds data races by running the code, where Rust
// rules them out when compiling it.
//
// The fix is the same in both languages: give the counter an owner that
// serialises access. Here the value lives inside a guard.Mutex, so it is
// only reachable under the lock, and the goroutine is waited for.
func Example_brokenExample() {
	var counter guard.Mutex[int]
	var wg sync.WaitGroup
	wg.Go(func() {
		counter.With(func(n *int) { *n++ })
	})
	wg.Wait()
	fmt.Println(counter.Get())
	// Output: 1
}

// The chapter's share_immutable_data clones an Arc so three threads can
// read one vector. In Go, data that no one writes after it is shared needs
// no lock and no reference count: every goroutine may read the same slice,
// and the garbage collector frees it when the last one is done. Each
// goroutine writes its result to its own slot, so the output is in order.
func Example_shareImmutableData() {
	data := []int{1, 2, 3, 4, 5} // never written after this line
	sums := make([]int, 3)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Go(func() {
			for _, v := range data {
				sums[i] += v
			}
		})
	}
	wg.Wait()
	for i, s := range sums {
		fmt.Printf("Thread %d: sum = %d\n", i, s)
	}
	// Output:
	// Thread 0: sum = 15
	// Thread 1: sum = 15
	// Thread 2: sum = 15
}

// The chapter's safe_shared_counter: ten goroutines each increment a
// counter a hundred times under a lock. With holds the lock for the
// increment only, like the chapter's guard dropped at the end of each loop
// iteration.
func Example_safeSharedCounter() {
	var counter guard.Mutex[int]
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 100 {
				counter.With(func(n *int) { *n++ })
			}
		})
	}
	wg.Wait()
	fmt.Println("Final count:", counter.Get())
	// Output: Final count: 1000
}

// The chapter's reader_writer_pattern: five readers hold the read lock at
// the same time (each waits, inside Read, until all five are in, which
// would deadlock under an exclusive lock), then the writer gets the lock
// once they have all left.
func Example_readerWriterPattern() {
	var data guard.RWMutex[[]int]
	data.Set([]int{1, 2, 3})
	seen := make([]string, 5)
	var inside sync.WaitGroup
	inside.Add(len(seen))
	var readers sync.WaitGroup
	for i := range seen {
		readers.Go(func() {
			data.Read(func(v *[]int) {
				inside.Done()
				inside.Wait() // all five readers hold the lock together
				seen[i] = fmt.Sprint(*v)
			})
		})
	}
	readers.Wait()
	data.With(func(v *[]int) { *v = append(*v, 4) })
	for i, s := range seen {
		fmt.Printf("Reader %d: %s\n", i, s)
	}
	fmt.Println("Writer: added element")
	fmt.Println(data.Get())
	// Output:
	// Reader 0: [1 2 3]
	// Reader 1: [1 2 3]
	// Reader 2: [1 2 3]
	// Reader 3: [1 2 3]
	// Reader 4: [1 2 3]
	// Writer: added element
	// [1 2 3 4]
}

// The chapter's async_mutex_example, on a current-thread runtime (one
// worker slot): a task spawned on the runtime takes the lock with
// Lock(ctx), tokio::sync::Mutex's lock().await, and pushes 1.
//
// To show why the lock must be async, the BlockOn task holds the lock
// across an await point while the spawned task waits for it. Waiting in
// Lock(ctx) is itself an await point: the waiter gives the one slot back,
// so the holder can resume, finish and unlock, and the waiter then gets
// the lock. A lock whose wait kept the slot (sync.Mutex's Lock, or With,
// inside a task) would deadlock here: the waiter would hold the only slot
// the holder needs to get to its Unlock.
func Example_asyncMutexExample() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	var data guard.Mutex[[]int] // Arc::new(AsyncMutex::new(vec![]))
	waiting := make(chan struct{})

	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (struct{}, error) {
		g, err := data.Lock(ctx)
		if err != nil {
			return struct{}{}, err
		}
		spawned := rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
			fmt.Println("spawned: waits for the lock")
			close(waiting)
			g, err := data.Lock(ctx) // Async lock
			if err != nil {
				return struct{}{}, err
			}
			defer g.Unlock()
			*g.Value() = append(*g.Value(), 1)
			fmt.Println("spawned: pushed 1")
			return struct{}{}, nil
		})
		// An await point while holding the lock: until the spawned task
		// waits for it. (task.Park and Resume make any wait an await point.)
		p := task.Park(ctx)
		<-waiting
		p.Resume() // takes the slot back: the waiting task gave it up
		*g.Value() = append(*g.Value(), 0)
		fmt.Println("holder: resumed with the lock held, unlocks")
		g.Unlock()
		return spawned.Await(ctx)
	})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(data.Get())

	// Waiting for the lock can also be cancelled: a waiter whose context
	// ends gives up without the lock.
	g, _ := data.Lock(ctx)
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, err = data.Lock(short)
	fmt.Println(err)
	g.Unlock()
	// Output:
	// spawned: waits for the lock
	// holder: resumed with the lock held, unlocks
	// spawned: pushed 1
	// [0 1]
	// guard: lock: context deadline exceeded
}

// The chapter's sync_mutex_in_async: inside a task of a runtime, a lock
// held only briefly and released before any await point, which a plain
// (std) mutex is right for. With makes the release automatic: the
// critical section is the function it runs.
func Example_syncMutexInAsync() {
	ctx := context.Background()
	r, err := rt.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	var data guard.Mutex[[]int]
	n, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		// OK if the lock is held briefly and doesn't cross await points.
		data.With(func(v *[]int) { *v = append(*v, 1) })          // Lock released here,
		if err := task.Sleep(ctx, time.Millisecond); err != nil { // before any await.
			return 0, err
		}
		return len(data.Get()), nil
	})
	fmt.Println(n, err)
	// Output: 1 <nil>
}

// A Semaphore bounds how many of something are held at once across
// goroutines: here at most 2 of 5 downloads hold a connection.
func ExampleSemaphore() {
	ctx := context.Background()
	conns, _ := guard.NewSemaphore(2)
	var (
		mu      sync.Mutex
		now, hi int
		wg      sync.WaitGroup
	)
	for range 5 {
		wg.Go(func() {
			if err := conns.Acquire(ctx, 1); err != nil {
				return
			}
			defer conns.Release(1)
			mu.Lock()
			now++
			hi = max(hi, now)
			mu.Unlock()
			time.Sleep(time.Millisecond) // the download
			mu.Lock()
			now--
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Println("at most 2 at once:", hi <= 2, "free now:", conns.Available())
	// Output: at most 2 at once: true free now: 2
}
