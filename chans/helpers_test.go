package chans_test

import (
	"context"
	"slices"
	"testing"

	"github.com/spool-go/spool/task"
)

// onSlot runs fn on the calling goroutine with a task context that holds s,
// as a runtime worker would.
func onSlot(t *testing.T, s task.Slot, fn func(ctx context.Context)) {
	t.Helper()
	tk, job := task.Prepare(context.Background(), func(ctx context.Context) (struct{}, error) {
		fn(ctx)
		return struct{}{}, nil
	}, task.WithSlot(s))
	job.Run()
	if _, err := tk.Await(context.Background()); err != nil {
		t.Fatalf("task: %v", err)
	}
}

// produce returns a channel that yields vals and is then closed. The
// goroutine stops early if ctx is done.
func produce[T any](ctx context.Context, vals ...T) <-chan T {
	ch := make(chan T)
	go func() {
		defer close(ch)
		for _, v := range vals {
			select {
			case ch <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// collect drains ch.
func collect[T any](ch <-chan T) []T {
	var out []T
	for v := range ch {
		out = append(out, v)
	}
	return out
}

func sorted(xs []int) []int {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

func ints(lo, n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = lo + i
	}
	return xs
}

// mustPanic calls fn and reports its panic value, failing if it does not
// panic.
func mustPanic(t *testing.T, fn func()) (v any) {
	t.Helper()
	defer func() { v = recover() }()
	fn()
	t.Fatalf("did not panic")
	return nil
}
