package task_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// The chapter's simple_async: an async fn that returns 42. In Go an async
// fn is a function of a context.Context; task.Go starts it on a goroutine
// and returns its future, a *task.Task, and .await is Await. The chapter's
// SimpleFuture trait, a state machine polled to completion, has no Go
// counterpart to write: the goroutine is the state machine, and the Go
// scheduler does the polling.
func Example_simpleAsync() {
	ctx := context.Background()
	answer := task.Go(ctx, func(ctx context.Context) (int, error) { return 42, nil })
	v, err := answer.Await(ctx)
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// operation is the chapter's async fn operation(name, ms): it says it
// starts, sleeps (an await point: on a runtime it gives its worker slot
// back), and says it has completed.
func operation(ctx context.Context, name string, d time.Duration) error {
	fmt.Println("Starting", name)
	if err := task.Sleep(ctx, d); err != nil {
		return err
	}
	fmt.Println("Completed", name)
	return nil
}

// concurrentOperations is the chapter's async fn concurrent_operations,
// run as a task of r. tokio::join! becomes three tasks spawned on r and
// task.Join3.
func concurrentOperations(ctx context.Context, r *rt.Runtime) error {
	const d = 10 * time.Millisecond // the chapter's 100 ms, over 10
	// Sequential - takes 3d total.
	for _, name := range []string{"A", "B", "C"} {
		if err := operation(ctx, name, d); err != nil {
			return err
		}
	}
	// Concurrent - takes d total.
	op := func(name string) *task.Task[struct{}] {
		return rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, operation(ctx, name, d)
		})
	}
	_, _, _, err := task.Join3(ctx, op("X"), op("Y"), op("Z"))
	return err
}

// The chapter's concurrent_operations ("multiple futures can run
// concurrently without threads"), on a current-thread runtime: one worker
// slot, so one task runs at a time. Awaited in turn, A, B and C take three
// sleeps. Joined, X, Y and Z overlap, since each gives the slot back while
// it sleeps: all three start before any completes, and together they take
// one sleep.
//
// The lines are checked as a set (Unordered output), shown here in the
// chapter's order: which of X, Y and Z takes the slot first, and which
// wakes first, is the scheduler's choice, and on a loaded machine a task
// could wait for the slot longer than a sleep. TestConcurrentOperationsOnOneSlot
// runs concurrentOperations on a fake clock, where the order depends on
// the code alone, and checks it: each of A, B and C completes before the
// next starts, X, Y and Z all start before any completes, and the whole
// takes 4 sleeps, not 6.
func Example_concurrentOperations() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, concurrentOperations(ctx, r)
	})
	if err != nil {
		fmt.Println(err)
	}
	// Unordered output:
	// Starting A
	// Completed A
	// Starting B
	// Completed B
	// Starting C
	// Completed C
	// Starting X
	// Starting Y
	// Starting Z
	// Completed X
	// Completed Y
	// Completed Z
}

// selectExample is the chapter's select_example, run as a task of r: a
// loop that waits for asyncOperation (a task of r) while a one-second
// timer ticks and interrupted (the chapter's ctrl_c(); in a program,
// signal.NotifyContext(ctx, os.Interrupt)) may end it. Select returns
// which case is done first; the operation keeps running across ticks.
func selectExample(ctx context.Context, r *rt.Runtime, interrupted context.Context, asyncOperation func(context.Context) (string, error)) error {
	op := rt.Spawn(r, ctx, asyncOperation)
	defer op.Cancel()
	for {
		timer := task.After(time.Second)
		i, err := task.Select(ctx, timer, op, interrupted)
		timer.Stop()
		switch i {
		case 0:
			fmt.Println("Timer expired")
		case 1:
			result, err := op.Await(ctx)
			if err != nil {
				return err
			}
			fmt.Println("Operation completed:", result)
			return nil
		case 2:
			fmt.Println("Interrupted")
			return nil
		default:
			return err
		}
	}
}

// The chapter's select_example on a current-thread runtime. Select is an
// await point: while the loop waits in it, the loop's task gives the one
// worker slot back, which is what lets the operation, a task of the same
// runtime, run at all.
//
// The operation takes 5 ms (the chapter's 500 ms, over 100) against the
// chapter's one-second timer, so it completes within the first tick, as
// in the chapter. TestSelectExampleTicks runs an operation of 2.5 s on a
// fake clock: the timer expires twice, then the operation completes.
func Example_selectExample() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	interrupted, stop := signal.NotifyContext(ctx, os.Interrupt) // ctrl_c()
	defer stop()
	asyncOperation := func(ctx context.Context) (string, error) {
		if err := task.Sleep(ctx, 5*time.Millisecond); err != nil {
			return "", err
		}
		return "Success", nil
	}
	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, selectExample(ctx, r, interrupted, asyncOperation)
	})
	if err != nil {
		fmt.Println(err)
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
