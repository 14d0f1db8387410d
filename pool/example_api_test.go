package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// New checks the worker count and every option, and returns an error
// naming each bad one. Close the pool when done with it: Close drains the
// queue and waits for the workers.
func ExampleNew() {
	_, err := pool.New(0, pool.KeepAlive(0))
	fmt.Println(err)
	fmt.Println(errors.Is(err, pool.ErrInvalid))

	p, err := pool.New(4, pool.Name("encoder"), pool.QueueSize(64))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	out, err := pool.Submit(context.Background(), p, func(ctx context.Context) (string, error) {
		return strings.ToUpper("encoded"), nil
	}).Await(context.Background())
	fmt.Println(out, err, p.Limit())
	// Output:
	// pool: worker count must be positive (New(0))
	// pool: KeepAlive(0s): must be positive
	// true
	// ENCODED <nil> 4
}

// Go queues work that has no result. A panic in a job is handed to the
// OnPanic handler, never lost; after Close, Go refuses work with ErrClosed.
func ExamplePool_Go() {
	p, err := pool.New(2, pool.OnPanic(func(e *task.PanicError) {
		fmt.Println("job panicked:", e.Value)
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	var mu sync.Mutex
	sent := map[string]bool{}
	for _, user := range []string{"ann", "bob", "", "cy"} {
		err := p.Go(func() {
			if user == "" {
				panic("no recipient")
			}
			mu.Lock()
			sent[user] = true // send the e-mail
			mu.Unlock()
		})
		if err != nil {
			fmt.Println(err)
		}
	}
	p.Close() // runs what is queued and waits for it
	fmt.Println("sent:", len(sent))
	fmt.Println(errors.Is(p.Go(func() {}), pool.ErrClosed))
	// Output:
	// job panicked: no recipient
	// sent: 3
	// true
}

// Shutdown is Close with a deadline. If the deadline passes first, queued
// tasks are dropped (their error matches ErrShutdown), running tasks have
// their context cancelled and get the grace period to return, and the
// error is a *ShutdownError that says what was cut short.
func ExamplePool_Shutdown() {
	p, err := pool.New(1, pool.ShutdownGrace(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	ctx := context.Background()
	started := make(chan struct{})
	long := pool.Submit(ctx, p, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done() // a long job that honours its context
		return 0, ctx.Err()
	})
	<-started
	queued := pool.Submit(ctx, p, func(ctx context.Context) (int, error) { return 1, nil })

	sctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err = p.Shutdown(sctx)
	var se *pool.ShutdownError
	if errors.As(err, &se) {
		fmt.Println("dropped:", se.Dropped, "still running:", se.Running)
	}
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	_, err = queued.Await(ctx)
	fmt.Println(errors.Is(err, pool.ErrShutdown), errors.Is(err, task.ErrNotStarted))
	_, err = long.Await(ctx)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// dropped: 1 still running: 0
	// true
	// true true
	// true
}
