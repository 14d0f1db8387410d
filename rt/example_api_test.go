package rt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// New checks every option and returns an error, not a runtime, for a bad
// one. A service makes its runtime at start-up and shuts it down on the
// way out, with a deadline for the tasks still running.
func ExampleNew() {
	_, err := rt.New(rt.Workers(0))
	fmt.Println(err, errors.Is(err, rt.ErrInvalid))

	r, err := rt.New(rt.Name("thumbnails"), rt.Workers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := r.Metrics()
	fmt.Println(m.Name, m.Workers, "slots")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	fmt.Println("closed:", r.Metrics().Closed)
	// Output:
	// rt: Workers(0): must be from 1 to 65536 true
	// thumbnails 2 slots
	// closed: true
}

// BlockOn runs a program's top-level task and waits for it, as a main
// function would. Even on a one-slot runtime, the task can spawn sub-tasks
// and await them: awaiting with the task's own ctx gives the slot back.
func ExampleBlockOn() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	report, err := rt.BlockOn(r, ctx, func(ctx context.Context) (string, error) {
		count := func(s string) *task.Task[int] {
			return rt.Spawn(r, ctx, func(context.Context) (int, error) { return len(strings.Fields(s)), nil })
		}
		a, b, err := task.Join2(ctx, count("to be or not"), count("to be"))
		return fmt.Sprintf("%d words", a+b), err
	})
	fmt.Println(report, err)
	// Output: 6 words <nil>
}

// A task.Group made with task.On(r) is tokio's JoinSet on a runtime: its
// tasks take r's worker slots, so fan-out inside a task stays under r's
// CPU bound, while the group keeps its own limit, FailFast and results.
// Each task gives its slot back while it sleeps, so the ten overlap.
func ExampleRuntime_TaskSlot() {
	r, err := rt.New(rt.Workers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(context.Background())
	ctx := context.Background()
	sum, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		g := task.NewGroup[int](ctx, task.On(r), task.Limit(5))
		defer g.Close()
		for i := range 10 {
			g.Go(ctx, func(ctx context.Context) (int, error) {
				return i * i, task.Sleep(ctx, time.Millisecond) // an await point
			})
		}
		squares, err := g.Wait(ctx)
		sum := 0
		for _, v := range squares {
			sum += v
		}
		return sum, err
	})
	fmt.Println(sum, err)
	fmt.Println("spawned on the runtime:", r.Metrics().Spawned) // BlockOn's task and the group's ten
	// Output:
	// 285 <nil>
	// spawned on the runtime: 11
}
