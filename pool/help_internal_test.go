package pool

import (
	"context"
	"testing"
)

// TestWorkerFindsExecFrame: worker() knows a task's worker by exec's frame
// (execPCs learns where it is once), and by its whole stack when exec is
// further away than it looks; it does not mistake another goroutine, even
// one a task started, for a worker. If the
// probe found no frame, worker() would still be right, through self, but
// a few µs slower: that is what the first case guards.
func TestWorkerFindsExecFrame(t *testing.T) {
	if at := execPCs(); at[0] == 0 {
		t.Fatalf("execPCs() = %x; want exec's frame found", at)
	}
	p, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type result struct{ onTask, deep, onGoroutine, deepGoroutine bool }
	var deep func(n int) bool // worker() called 100 frames down
	deep = func(n int) bool {
		if n == 0 {
			return p.worker()
		}
		return deep(n - 1)
	}
	tk := Submit(context.Background(), p, func(ctx context.Context) (result, error) {
		r := result{onTask: p.worker(), deep: deep(100)}
		ch := make(chan bool)
		go func() { ch <- p.worker() }()
		r.onGoroutine = <-ch
		go func() { ch <- deep(100) }()
		r.deepGoroutine = <-ch
		return r, nil
	})
	got, err := tk.Await(context.Background())
	if want := (result{onTask: true, deep: true}); got != want || err != nil {
		t.Errorf("worker() on the task, on a goroutine it started = %+v, %v; want %+v, nil", got, err, want)
	}
	if p.worker() {
		t.Error("worker() = true on the test's goroutine")
	}
}
