package task_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spool-go/spool/task"
)

// Go starts a function on its own goroutine and returns its future at
// once; Await waits for the value and the error.
func ExampleGo() {
	ctx := context.Background()
	port := task.Go(ctx, func(ctx context.Context) (int, error) {
		return strconv.Atoi("8080") // say, a value read from a config service
	})
	// ... other start-up work runs meanwhile ...
	p, err := port.Await(ctx)
	if err != nil {
		fmt.Println("config:", err)
		return
	}
	fmt.Println("listening on port", p)
	// Output: listening on port 8080
}

// All waits for every task and returns the values in the order given. The
// first failure cancels the others, and the error it returns is that
// failure's, not the cancellation it caused.
func ExampleAll() {
	ctx := context.Background()
	shard := func(name string) *task.Task[string] {
		return task.Go(ctx, func(ctx context.Context) (string, error) { return name + ": 3 rows", nil })
	}
	rows, err := task.All(ctx, shard("eu"), shard("us"), shard("ap"))
	fmt.Println(rows, err)

	errDown := errors.New("shard down")
	failing := task.Go(ctx, func(ctx context.Context) (string, error) { return "", errDown })
	hanging := task.Go(ctx, func(ctx context.Context) (string, error) {
		<-ctx.Done() // a slow shard: All cancels it once the other fails
		return "", ctx.Err()
	})
	_, err = task.All(ctx, failing, hanging)
	fmt.Println(errors.Is(err, errDown), errors.Is(err, context.Canceled))
	// Output:
	// [eu: 3 rows us: 3 rows ap: 3 rows] <nil>
	// true false
}

// Any returns the first success and cancels the rest: ask every mirror,
// keep the first answer. A mirror that fails does not end the call.
func ExampleAny() {
	ctx := context.Background()
	primary := task.Go(ctx, func(ctx context.Context) (string, error) {
		return "", errors.New("primary: connection refused")
	})
	mirror := task.Go(ctx, func(ctx context.Context) (string, error) {
		return "v1.4.2 from mirror", nil
	})
	slow := task.Go(ctx, func(ctx context.Context) (string, error) {
		<-ctx.Done() // never answers in time
		return "", ctx.Err()
	})
	v, err := task.Any(ctx, primary, mirror, slow)
	fmt.Println(v, err)
	_, err = slow.Await(ctx) // Any cancelled the loser and waited for it
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// v1.4.2 from mirror <nil>
	// true
}

// Next returns results in the order the tasks end, not the order they were
// submitted. Here each request waits for its host's reply, and the replies
// come in a fixed order, so the output is fixed too.
func ExampleGroup_Next() {
	ctx := context.Background()
	g := task.NewGroup[string](ctx)
	defer g.Close()
	replies := map[string]chan string{}
	for _, host := range []string{"alpha", "beta", "gamma"} {
		reply := make(chan string)
		replies[host] = reply
		g.Go(ctx, func(ctx context.Context) (string, error) {
			select {
			case r := <-reply:
				return host + " " + r, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		})
	}
	for _, host := range []string{"gamma", "alpha", "beta"} {
		replies[host] <- "200 OK" // this host answers; its task ends
		v, err, _ := g.Next(ctx)
		fmt.Println(v, err)
	}
	_, err, ok := g.Next(ctx) // every result has been delivered
	fmt.Println(ok, err)
	// Output:
	// gamma 200 OK <nil>
	// alpha 200 OK <nil>
	// beta 200 OK <nil>
	// false <nil>
}

// Timeout runs a call with a time limit. The function must honour its
// context; once the limit has passed, its failure comes back as a
// *task.TimeoutError that matches context.DeadlineExceeded.
func ExampleTimeout() {
	ctx := context.Background()
	lookup := func(ctx context.Context) (string, error) {
		<-ctx.Done() // a backend that never answers
		return "", fmt.Errorf("lookup: %w", ctx.Err())
	}
	_, err := task.Timeout(ctx, 20*time.Millisecond, lookup)
	var te *task.TimeoutError
	if errors.As(err, &te) {
		fmt.Println("gave up after", te.Limit)
	}
	fmt.Println(errors.Is(err, context.DeadlineExceeded))

	v, err := task.Timeout(ctx, time.Second, func(ctx context.Context) (string, error) {
		return "cached answer", nil
	})
	fmt.Println(v, err)
	// Output:
	// gave up after 20ms
	// true
	// cached answer <nil>
}
