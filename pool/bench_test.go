package pool_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

func noop() {}

// BenchmarkChannelFloor is the floor a pool's fire-and-forget path is
// measured against: GOMAXPROCS goroutines ranging over a buffered channel
// of funcs, with the pool's default queue size.
func BenchmarkChannelFloor(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan func(), pool.DefaultQueueSize)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for f := range ch {
				f()
			}
		})
	}
	for b.Loop() {
		ch <- noop
	}
	close(ch)
	wg.Wait()
}

// BenchmarkGo submits no-op jobs with Pool.Go to a pool of GOMAXPROCS
// workers.
func BenchmarkGo(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	for b.Loop() {
		p.Go(noop)
	}
	p.Close()
}

// BenchmarkGoParallel submits no-op jobs from GOMAXPROCS goroutines at once.
func BenchmarkGoParallel(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.Go(noop)
		}
	})
	p.Close()
}

func value(context.Context) (int, error) { return 1, nil }

// BenchmarkSubmitAwait submits a trivial task and awaits it, one at a time:
// the round trip through a worker.
func BenchmarkSubmitAwait(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	for b.Loop() {
		pool.Submit(ctx, p, value).Await(ctx)
	}
	p.Close()
}

// BenchmarkSubmitBatch submits 100 trivial tasks and then awaits them:
// throughput per task.
func BenchmarkSubmitBatch(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	tasks := make([]*task.Task[int], 100)
	for b.Loop() {
		for i := range tasks {
			tasks[i] = pool.Submit(ctx, p, value)
		}
		for _, t := range tasks {
			t.Await(ctx)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tasks)), "ns/task")
	p.Close()
}
