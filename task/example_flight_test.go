package task_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/spool-go/spool/task"
)

// ExampleFlight: requests for the same user at once share one load, and
// the one that gives up early does not fail the others: the load's
// context ends only once every request waiting for it has left. Each
// patient request gets the user whatever the timing: one that came after
// request 0 had left on its own starts a load of its own, and one that
// comes after the answer runs the load again, as nothing is cached.
func ExampleFlight() {
	var users task.Flight[int, string]
	answer := make(chan struct{}) // closed: the database answers
	load := func(ctx context.Context) (string, error) {
		select {
		case <-answer:
			return "ada", nil
		case <-ctx.Done(): // every request left
			return "", ctx.Err()
		}
	}
	ctx := context.Background()
	impatient, giveUp := context.WithCancel(ctx)
	left := make(chan string)
	go func() {
		name, err, _ := users.Do(impatient, 42, load)
		left <- fmt.Sprint(name, err)
	}()
	results := make([]string, 3)
	var patient sync.WaitGroup
	for i := range results {
		patient.Go(func() {
			name, err, _ := users.Do(ctx, 42, load)
			results[i] = fmt.Sprint(name, err)
		})
	}
	giveUp()
	fmt.Println("request 0:", <-left)
	close(answer)
	patient.Wait()
	fmt.Println("requests 1-3:", results)
	// Output:
	// request 0: task: Flight.Do: context canceled
	// requests 1-3: [ada<nil> ada<nil> ada<nil>]
}
