package pool

import (
	"testing"
)

// BenchmarkSelf measures the check that a stalled submitter, or Close, runs
// to find out whether its caller is one of the pool's workers: it reads
// the caller's stack and looks for the worker loop's frame. It runs once
// per stall of 50 ms or more, never on the fast path.
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
}
