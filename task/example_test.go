package task_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spool-go/spool/task"
)

// The chapter's simple_async: an async fn that returns 42. In Go, the
// future is a *task.Task and .await is Await.
func Example_simpleAsync() {
	ctx := context.Background()
	answer := task.Go(ctx, func(ctx context.Context) (int, error) { return 42, nil })
	v, err := answer.Await(ctx)
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// operation is the chapter's operation(name, ms): it sleeps, honouring
// cancellation, and reports its name.
func operation(ctx context.Context, name string, d time.Duration) (string, error) {
	if err := task.Sleep(ctx, d); err != nil {
		return "", err
	}
	return "Completed " + name, nil
}

// The chapter's concurrent_operations: awaiting three 100 ms operations one
// by one takes 300 ms; joining them takes 100 ms. (TestConcurrentOperations
// checks those times on a fake clock.)
func Example_concurrentOperations() {
	ctx := context.Background()
	for _, name := range []string{"A", "B", "C"} { // sequential: ~300 ms
		msg, _ := operation(ctx, name, 100*time.Millisecond)
		fmt.Println(msg)
	}
	op := func(name string) *task.Task[string] {
		return task.Go(ctx, func(ctx context.Context) (string, error) {
			return operation(ctx, name, 100*time.Millisecond)
		})
	}
	msgs, err := task.All(ctx, op("X"), op("Y"), op("Z")) // concurrent: ~100 ms
	fmt.Println(msgs, err)
	// Output:
	// Completed A
	// Completed B
	// Completed C
	// [Completed X Completed Y Completed Z] <nil>
}

// The chapter's spawn_tasks: ten tasks, each returning i*i, awaited in turn.
func Example_spawnTasks() {
	ctx := context.Background()
	var handles []*task.Task[int]
	for i := range 10 {
		handles = append(handles, task.Go(ctx, func(ctx context.Context) (int, error) {
			if err := task.Sleep(ctx, 10*time.Millisecond); err != nil {
				return 0, err
			}
			return i * i, nil
		}))
	}
	var results []int
	for _, h := range handles {
		v, err := h.Await(ctx)
		if err != nil {
			fmt.Println("task failed:", err)
			return
		}
		results = append(results, v)
	}
	fmt.Println("Results:", results)
	// Output: Results: [0 1 4 9 16 25 36 49 64 81]
}

// The chapter's select_example: a loop that waits for an operation while a
// timer ticks and Ctrl-C may interrupt. Select returns which case is done;
// the operation keeps running across iterations, as the chapter intends.
func Example_selectExample() {
	ctx := context.Background()
	interrupted, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	op := task.Go(ctx, func(ctx context.Context) (string, error) {
		if err := task.Sleep(ctx, 500*time.Millisecond); err != nil {
			return "", err
		}
		return "Success", nil
	})
	defer op.Cancel()
	for {
		timer := task.After(time.Second)
		i, err := task.Select(ctx, timer, op, interrupted)
		timer.Stop()
		switch {
		case err != nil:
			fmt.Println("select:", err)
			return
		case i == 0:
			fmt.Println("Timer expired")
		case i == 1:
			result, _ := op.Await(ctx)
			fmt.Println("Operation completed:", result)
			return
		case i == 2:
			fmt.Println("Interrupted")
			return
		}
	}
	// Output: Operation completed: Success
}

// The chapter's with_timeout: a 2 s operation under a 5 s limit completes;
// under a 1 s limit it fails with an error that matches
// context.DeadlineExceeded. (Here the times are scaled down 100x.)
func Example_withTimeout() {
	ctx := context.Background()
	longOperation := func(ctx context.Context) (string, error) {
		if err := task.Sleep(ctx, 20*time.Millisecond); err != nil {
			return "", err
		}
		return "Completed", nil
	}
	v, err := task.Timeout(ctx, 50*time.Millisecond, longOperation)
	fmt.Println(v, err)
	_, err = task.Timeout(ctx, 10*time.Millisecond, longOperation)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// Completed <nil>
	// true
}

// A panic in a task comes back from Await as a *task.PanicError with the
// value and the stack; it never crashes the process or goes unseen.
func ExamplePanicError() {
	ctx := context.Background()
	t := task.Go(ctx, func(ctx context.Context) (int, error) {
		var m map[string]int
		//lint:ignore SA5000 the example panics on purpose
		m["x"] = 1 // panics: assignment to entry in nil map
		return 0, nil
	})
	_, err := t.Await(ctx)
	var pe *task.PanicError
	if errors.As(err, &pe) {
		fmt.Println("recovered:", pe.Value)
		fmt.Println("has stack:", len(pe.Stack) > 0)
	}
	// Output:
	// recovered: assignment to entry in nil map
	// has stack: true
}

// A Group is tokio's JoinSet: spawn many, with a limit, and take results
// as they complete (Next) or all at once in submission order (Wait).
func ExampleGroup() {
	ctx := context.Background()
	g := task.NewGroup[string](ctx, task.Limit(2))
	defer g.Close()
	for _, d := range []int{30, 10, 20} {
		g.Go(ctx, func(ctx context.Context) (string, error) {
			err := task.Sleep(ctx, time.Duration(d)*10*time.Millisecond)
			return fmt.Sprint(d, "0ms"), err
		})
	}
	all, err := g.Wait(ctx)
	fmt.Println(all, err)
	// Output: [300ms 100ms 200ms] <nil>
}

func ExampleRace() {
	ctx := context.Background()
	fast := task.Go(ctx, func(ctx context.Context) (string, error) {
		return "fast", task.Sleep(ctx, 10*time.Millisecond)
	})
	slow := task.Go(ctx, func(ctx context.Context) (string, error) {
		return "slow", task.Sleep(ctx, time.Hour)
	})
	v, err := task.Race(ctx, fast, slow)
	fmt.Println(v, err)
	_, err = slow.Await(ctx) // the loser was cancelled and has ended
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// fast <nil>
	// true
}
