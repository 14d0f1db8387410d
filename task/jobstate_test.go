package task_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestPanickedAndEnded: task.Panicked tells an executor that a job's
// function panicked or called runtime.Goexit, apart from one that
// returned such an error (a task that awaited another that panicked);
// task.Ended says the job's waiters have its result.
func TestPanickedAndEnded(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		fn       func(context.Context) (int, error)
		abort    bool // resolve the job unrun
		panicked bool
	}{
		{"returns", func(context.Context) (int, error) { return 1, nil }, false, false},
		{"returns an error", func(context.Context) (int, error) { return 0, boom }, false, false},
		{"panics", func(context.Context) (int, error) { panic(boom) }, false, true},
		{"calls runtime.Goexit", func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }, false, true},
		{"returns another task's panic", func(ctx context.Context) (int, error) {
			return task.Go(ctx, func(context.Context) (int, error) { panic(boom) }).Await(ctx)
		}, false, false},
		{"returns task.ErrGoexit", func(context.Context) (int, error) { return 0, task.ErrGoexit }, false, false},
		{"aborted", func(context.Context) (int, error) { panic("never runs") }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, j := task.Prepare(context.Background(), tt.fn)
			if task.Ended(j) || task.Panicked(j) {
				t.Fatalf("before Run: Ended %v, Panicked %v; want false, false", task.Ended(j), task.Panicked(j))
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				if tt.abort {
					j.Abort(boom)
				} else {
					j.Run()
				}
			}()
			<-done
			_, _ = tk.Await(context.Background())
			if !task.Ended(j) {
				t.Errorf("after Run: Ended = false; want true")
			}
			if got := task.Panicked(j); got != tt.panicked {
				t.Errorf("Panicked = %v; want %v (error %v)", got, tt.panicked, j.Err())
			}
		})
	}
}
