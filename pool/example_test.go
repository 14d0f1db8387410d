package pool_test

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// The chapter's ThreadPool: new(4) starts four workers (pool.New(4)
// allows four, started as jobs arrive) and execute queues jobs. The
// chapter's pool has no Drop that joins its workers: a main that drops it
// and returns loses the jobs still queued. Close is that missing Drop: it
// lets the workers finish the queue and waits for them. Which worker runs which job is up to the
// scheduler, so the jobs record their results by index and the example
// prints them after Close, in order.
func Example_threadPool() {
	p, err := pool.New(4)
	if err != nil {
		panic(err)
	}
	squares := make([]int, 8)
	for i := range squares {
		p.Go(func() { squares[i] = i * i }) // execute
	}
	p.Close() // drop: drain the queue, stop the workers, wait for them
	fmt.Println(squares)
	m := p.Metrics()
	fmt.Println("completed:", m.Completed, "workers left:", m.Workers)
	// Output:
	// [0 1 4 9 16 25 36 49]
	// completed: 8 workers left: 0
}

// Submit returns a task whose result Await gives back; a panic comes back
// as an error, not as a crash or a silent loss.
func ExampleSubmit() {
	p, err := pool.New(2)
	if err != nil {
		panic(err)
	}
	defer p.Close()
	ctx := context.Background()

	sum := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
		total := 0
		for i := 1; i <= 100; i++ {
			total += i
		}
		return total, nil
	})
	bad := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
		panic("something broke")
	})

	v, err := sum.Await(ctx)
	fmt.Println(v, err)
	_, err = bad.Await(ctx)
	var pe *task.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	// Output:
	// 5050 <nil>
	// true something broke
}

// TrySubmit never waits: with no queue and the only worker busy, it
// refuses at once.
func ExampleTrySubmit() {
	p, err := pool.New(1, pool.QueueSize(0))
	if err != nil {
		panic(err)
	}
	defer p.Close()
	ctx := context.Background()
	release := make(chan struct{})
	busy := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
		<-release
		return 1, nil
	})
	// Without a queue, Submit returns once the worker has taken the task.
	_, err = pool.TrySubmit(ctx, p, func(ctx context.Context) (int, error) { return 2, nil })
	fmt.Println(err)
	close(release)
	fmt.Println(busy.Await(ctx))
	// Output:
	// pool: queue full
	// 1 <nil>
}

// Serving a pool's metrics through expvar (at /debug/vars when expvar's
// handler is served): publish a func, and every read takes a fresh
// snapshot.
func ExamplePool_Metrics_expvar() {
	p, err := pool.New(2)
	if err != nil {
		panic(err)
	}
	expvar.Publish("example.jobs", expvar.Func(func() any { return p.Metrics() }))
	for range 3 {
		_ = p.Go(func() {})
	}
	p.Close()

	var m pool.Metrics // what a reader of /debug/vars decodes
	if err := json.Unmarshal([]byte(expvar.Get("example.jobs").String()), &m); err != nil {
		panic(err)
	}
	fmt.Println("submitted:", m.Submitted, "completed:", m.Completed)
	// Output: submitted: 3 completed: 3
}

// A recursive fan-out on a pool of two workers: every task submits its
// halves to the same pool, with its own context, and awaits them. Both
// workers soon wait for children queued behind them; a waiting task then
// runs its child itself, on its own worker, so the tree finishes, where a
// pool whose workers only wait (pond, ants) hangs.
func ExampleSubmit_recursive() {
	p, err := pool.New(2)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	var sum func(ctx context.Context, lo, hi int) (int, error)
	sum = func(ctx context.Context, lo, hi int) (int, error) {
		if hi-lo == 1 {
			return lo, nil
		}
		mid := (lo + hi) / 2
		left := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sum(ctx, lo, mid) })
		right := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sum(ctx, mid, hi) })
		a, b, err := task.Join2(ctx, left, right)
		return a + b, err
	}
	ctx := context.Background()
	total, err := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return sum(ctx, 0, 1000) }).Await(ctx)
	fmt.Println(total, err)
	// Output: 499500 <nil>
}
