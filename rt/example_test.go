package rt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spool-go/spool/internal/workload"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// The chapter's runtime_options: a current-thread runtime (one worker
// slot) and a multi-thread runtime with 4 workers, then block_on, which
// runs the chapter's #[tokio::main] main ("Starting", a sleep, "Done
// after 100ms"; here 10 ms).
func Example_runtimeOptions() {
	ctx := context.Background()

	// Single-threaded runtime: tokio's Builder::new_current_thread().
	single, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer single.Shutdown(ctx)

	// Multi-threaded runtime: Builder::new_multi_thread().worker_threads(4).
	multi, err := rt.New(rt.Workers(4))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer multi.Shutdown(ctx)

	fmt.Println("current-thread workers:", single.Metrics().Workers)
	fmt.Println("multi-thread workers:", multi.Metrics().Workers)

	// rt.block_on(async { ... }): run a task and wait for it.
	_, err = rt.BlockOn(multi, ctx, func(ctx context.Context) (struct{}, error) {
		fmt.Println("Starting")
		if err := task.Sleep(ctx, 10*time.Millisecond); err != nil { // sleep(..).await
			return struct{}{}, err
		}
		fmt.Println("Done after 10ms")
		return struct{}{}, nil
	})
	if err != nil {
		fmt.Println(err)
	}

	// One slot bounds parallelism, not concurrency: three tasks that each
	// await 10ms overlap on the current-thread runtime.
	n, _ := rt.BlockOn(single, ctx, func(ctx context.Context) (int, error) {
		ts := make([]*task.Task[int], 3)
		for i := range ts {
			ts[i] = rt.Spawn(single, ctx, func(ctx context.Context) (int, error) {
				return 1, task.Sleep(ctx, 10*time.Millisecond)
			})
		}
		vals, err := task.All(ctx, ts...)
		return len(vals), err
	})
	fmt.Println("tasks awaited together on one slot:", n)
	// Output:
	// current-thread workers: 1
	// multi-thread workers: 4
	// Starting
	// Done after 10ms
	// tasks awaited together on one slot: 3
}

// processCPUIntensive is the CPU work of hybrid_processing: squares.
func processCPUIntensive(chunk []uint64) []uint64 {
	out := make([]uint64, len(chunk))
	for i, x := range chunk {
		out[i] = x * x
	}
	return out
}

// storeResultsAsync stands for async I/O: it awaits, so it gives its
// worker slot back while the "store" is in flight.
func storeResultsAsync(ctx context.Context, results []uint64) (int, error) {
	if err := task.Sleep(ctx, time.Millisecond); err != nil {
		return 0, err
	}
	return len(results), nil
}

// The chapter's hybrid_processing: CPU-heavy chunks go to the blocking
// pool with SpawnBlocking, their results are awaited in order, and the
// results are then stored with async I/O.
func Example_hybridProcessing() {
	ctx := context.Background()
	r, err := rt.New(rt.Workers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	hybridProcessing := func(ctx context.Context, data []uint64) (int, error) {
		var handles []*task.Task[[]uint64]
		for chunk := range slices.Chunk(data, 100) {
			// Spawn blocking task for CPU work.
			handles = append(handles, rt.SpawnBlocking(r, ctx, func(context.Context) ([]uint64, error) {
				return processCPUIntensive(chunk), nil
			}))
		}
		// Await all CPU tasks.
		var results []uint64
		for _, h := range handles {
			part, err := h.Await(ctx)
			if err != nil {
				return 0, err
			}
			results = append(results, part...)
		}
		fmt.Println("chunks:", len(handles), "sum of squares:", workload.SumSquares(data), "=", sum(results))
		// Async I/O for results.
		return storeResultsAsync(ctx, results)
	}

	stored, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		return hybridProcessing(ctx, workload.Iota(1000))
	})
	fmt.Println("stored:", stored, err)
	// Output:
	// chunks: 10 sum of squares: 332833500 = 332833500
	// stored: 1000 <nil>
}

func sum(xs []uint64) uint64 {
	var s uint64
	for _, x := range xs {
		s += x
	}
	return s
}

// The chapter's good_example and blocking_work: await with task.Sleep,
// which gives the slot back, and move blocking work to SpawnBlocking.
// Each waits 400 ms, four times the detector's threshold: a task that held
// its slot instead (time.Sleep in place of task.Sleep, or the blocking
// call without SpawnBlocking) would be reported, and the count printed
// would not be 0, while these hold their slot for microseconds.
func Example_blockingWork() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread(), rt.DetectBlocking(100*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	// GOOD: use an awaiting sleep.
	goodExample := func(ctx context.Context) (struct{}, error) {
		return struct{}{}, task.Sleep(ctx, 400*time.Millisecond)
	}
	// GOOD: move blocking work to a dedicated goroutine of the blocking pool.
	blockingWork := func(ctx context.Context) (uint64, error) {
		return rt.SpawnBlocking(r, ctx, func(context.Context) (uint64, error) {
			// CPU-intensive or blocking operation.
			time.Sleep(400 * time.Millisecond)
			return workload.SumSquares(workload.Iota(1_000_000)), nil
		}).Await(ctx)
	}

	if _, err := rt.BlockOn(r, ctx, goodExample); err != nil {
		fmt.Println(err)
	}
	result, err := rt.BlockOn(r, ctx, blockingWork)
	fmt.Println(result, err)
	m := r.Metrics()
	fmt.Println("blocking detector reports:", m.BlockingReports)
	// Output:
	// 333332833333500000 <nil>
	// blocking detector reports: 0
}

// The chapter's bad_example: a blocking sleep inside a task holds its
// worker slot, the Go form of std::thread::sleep blocking the executor.
// The blocking detector reports it, naming the task and the cure. (The
// log lines are trimmed of the fields that vary: time, held, stack.)
func Example_badExample() {
	ctx := context.Background()
	reports := make(chan rt.BlockingReport, 1)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "held", "stack":
				return slog.Attr{}
			}
			return a
		},
	}))
	r, err := rt.New(rt.Workers(1), rt.Name("example"), rt.Logger(logger),
		rt.DetectBlocking(10*time.Millisecond),
		rt.OnBlocking(func(b rt.BlockingReport) {
			select {
			case reports <- b:
			default:
			}
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	// BAD: blocks the runtime's only worker slot.
	badExample := func(ctx context.Context) (struct{}, error) {
		time.Sleep(300 * time.Millisecond)
		return struct{}{}, nil
	}
	if _, err := rt.BlockOn(r, ctx, badExample, rt.TaskName("bad_example")); err != nil {
		fmt.Println(err)
	}

	select {
	case b := <-reports:
		fmt.Println("task:", b.Task)
		fmt.Println("held at least the threshold:", b.Held >= 10*time.Millisecond)
		fmt.Println("stack shows time.Sleep:", strings.Contains(b.Stack, "time.Sleep"))
	case <-time.After(time.Second):
		fmt.Println("no report")
	}
	// Output:
	// level=WARN msg="rt: task \"bad_example\" blocked a worker slot of runtime \"example\" without reaching an await point (a time.Sleep, a blocking call or a long loop?); run blocking or CPU-heavy work with rt.SpawnBlocking, and wait with task.Sleep or Task.Await, which give the slot back" runtime=example task=bad_example
	// task: bad_example
	// held at least the threshold: true
	// stack shows time.Sleep: true
}

// Spawn returns a *task.Task, the same future as task.Go's, so Await,
// All, Race and Select work on it.
func ExampleSpawn() {
	ctx := context.Background()
	r, err := rt.New(rt.Workers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	a := rt.Spawn(r, ctx, func(context.Context) (string, error) { return "hello", nil })
	b := rt.Spawn(r, ctx, func(context.Context) (string, error) { return "world", nil }, rt.TaskName("b"))
	words, err := task.All(ctx, a, b)
	fmt.Println(words, err)
	// Output: [hello world] <nil>
}

// Shutdown waits for the tasks; when its context ends first it cancels
// them and reports those that did not return, such as blocking work Go
// cannot abort.
func ExampleRuntime_Shutdown() {
	ctx := context.Background()
	r, err := rt.New() // ShutdownGrace: 100ms by default
	if err != nil {
		fmt.Println(err)
		return
	}
	release := make(chan struct{})
	rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) {
		<-release // ignores its context
		return 0, nil
	}, rt.TaskName("disk-io"))
	rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
		return 0, task.Sleep(ctx, time.Hour) // honours its context
	}, rt.TaskName("ticker"))

	sctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	err = r.Shutdown(sctx)
	var se *rt.ShutdownError
	if errors.As(err, &se) {
		fmt.Println("deadline:", errors.Is(err, context.DeadlineExceeded))
		fmt.Println("cancelled:", se.Cancelled)
		for _, ti := range se.Running {
			fmt.Println("left running:", ti.Name, "blocking:", ti.Blocking)
		}
	}

	close(release)
	fmt.Println("second Shutdown:", r.Shutdown(ctx))
	// Output:
	// deadline: true
	// cancelled: 2
	// left running: disk-io blocking: true
	// second Shutdown: <nil>
}
