package pool

import (
	"context"
	"testing"
)

// BenchmarkSelf measures the checks that tell whether the caller is one of
// the pool's workers: self reads the caller's whole stack and looks for
// the worker loop's frame (a stalled submitter, a Go job, Close); worker()
// first looks for the frame that runs a task among the nearest frames (a
// task that submits to its full pool, or waits for a task no worker is
// left to start). Neither is on the fast path.
func BenchmarkSelf(b *testing.B) {
	p, err := New(2)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.Run("caller=other", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p.self() != nil {
				b.Fatal("self() found a worker on the benchmark's goroutine")
			}
		}
	})
	b.Run("caller=worker", func(b *testing.B) {
		b.ReportAllocs()
		done := make(chan struct{})
		if err := p.Go(func() {
			defer close(done)
			for b.Loop() {
				if p.self() == nil {
					b.Error("self() did not find the worker it runs on")
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		<-done
	})
	// worker(), from a task of the pool: it finds exec's frame near the
	// top of the stack and does not read the whole stack.
	b.Run("worker()/caller=task", func(b *testing.B) {
		b.ReportAllocs()
		t := Submit(context.Background(), p, func(context.Context) (int, error) {
			for b.Loop() {
				if !p.worker() {
					b.Error("worker() did not find the task's worker")
					break
				}
			}
			return 0, nil
		})
		if _, err := t.Await(context.Background()); err != nil {
			b.Fatal(err)
		}
	})
}
