package pool_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/spool-go/spool/internal/benchcpu"
	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

func noop() {}

// cpuTime and reportCPU give the process's CPU time per op (cpu-ns/op),
// which a busy machine disturbs less than the wall time.
var (
	cpuTime   = benchcpu.Used
	reportCPU = benchcpu.Report
)

// BenchmarkChannelFloor is the floor a pool's fire-and-forget path is
// measured against: GOMAXPROCS goroutines ranging over a buffered channel
// of funcs, with the pool's default queue size.
func BenchmarkChannelFloor(b *testing.B) {
	b.ReportAllocs()
	ch, stop := floor()
	start := cpuTime()
	for b.Loop() {
		ch <- noop
	}
	stop()
	reportCPU(b, start)
}

// floor starts GOMAXPROCS goroutines ranging over a channel of funcs with
// the pool's default queue size, and returns the channel and a func that
// closes it and waits for them.
func floor() (chan<- func(), func()) {
	ch := make(chan func(), pool.DefaultQueueSize)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for f := range ch {
				f()
			}
		})
	}
	return ch, func() {
		close(ch)
		wg.Wait()
	}
}

// BenchmarkChannelFloorParallel is the floor with GOMAXPROCS submitters.
func BenchmarkChannelFloorParallel(b *testing.B) {
	b.ReportAllocs()
	ch, stop := floor()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ch <- noop
		}
	})
	stop()
}

// BenchmarkGo submits no-op jobs with Pool.Go to a pool of GOMAXPROCS
// workers.
func BenchmarkGo(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	start := cpuTime()
	for b.Loop() {
		p.Go(noop)
	}
	p.Close()
	reportCPU(b, start)
}

// BenchmarkGoTimed is BenchmarkGo with every item timed for the QueueWait
// and RunTime histograms (SampleTimings(1)): the difference is the cost of
// reading the clock that the default sampling avoids.
func BenchmarkGoTimed(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0), pool.SampleTimings(1))
	start := cpuTime()
	for b.Loop() {
		p.Go(noop)
	}
	p.Close()
	reportCPU(b, start)
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
	start := cpuTime()
	for b.Loop() {
		pool.Submit(ctx, p, value).Await(ctx)
	}
	p.Close()
	reportCPU(b, start)
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

// BenchmarkFanOutAwait runs a task of the pool that submits 100 trivial
// children to its own pool, with its context, and awaits them in order:
// per child. With one worker held by the parent and the pool at its limit,
// the parent helps run the children still queued (see Pool.help).
func BenchmarkFanOutAwait(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	const n = 100
	parent := func(ctx context.Context) (int, error) {
		var tasks [n]*task.Task[int]
		for i := range tasks {
			tasks[i] = pool.Submit(ctx, p, value)
		}
		sum := 0
		for _, t := range tasks {
			v, _ := t.Await(ctx)
			sum += v
		}
		return sum, nil
	}
	start := cpuTime()
	for b.Loop() {
		pool.Submit(ctx, p, parent).Await(ctx)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
	p.Close()
	reportCPU(b, start)
}

// BenchmarkRecursive sums a tree of 1,024 leaves whose every node submits
// its two halves and awaits them (task.Join2), on a pool of GOMAXPROCS
// workers, where the waiting workers run the children no other worker is
// left to start (see Pool.help), and for reference with task.Go, one
// goroutine per node: per node.
func BenchmarkRecursive(b *testing.B) {
	const leaves = 1024
	var sum func(ctx context.Context, spawn func(ctx context.Context, fn func(context.Context) (int, error)) *task.Task[int], lo, hi int) (int, error)
	sum = func(ctx context.Context, spawn func(ctx context.Context, fn func(context.Context) (int, error)) *task.Task[int], lo, hi int) (int, error) {
		if hi-lo == 1 {
			return lo, nil
		}
		mid := (lo + hi) / 2
		l := spawn(ctx, func(ctx context.Context) (int, error) { return sum(ctx, spawn, lo, mid) })
		r := spawn(ctx, func(ctx context.Context) (int, error) { return sum(ctx, spawn, mid, hi) })
		x, y, err := task.Join2(ctx, l, r)
		return x + y, err
	}
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	defer p.Close()
	spawns := []struct {
		name  string
		spawn func(ctx context.Context, fn func(context.Context) (int, error)) *task.Task[int]
	}{
		{"pool", func(ctx context.Context, fn func(context.Context) (int, error)) *task.Task[int] {
			return pool.Submit(ctx, p, fn)
		}},
		{"task.Go", task.Go[int]},
	}
	for _, s := range spawns {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				v, err := s.spawn(ctx, func(ctx context.Context) (int, error) { return sum(ctx, s.spawn, 0, leaves) }).Await(ctx)
				if err != nil || v != leaves*(leaves-1)/2 {
					b.Fatalf("sum = %d, %v", v, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(2*leaves-1)), "ns/node")
		})
	}
}

// BenchmarkNewClose starts a pool of GOMAXPROCS workers and closes it.
func BenchmarkNewClose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, _ := pool.New(runtime.GOMAXPROCS(0))
		p.Close()
	}
}

// BenchmarkNewGoClose starts a pool of GOMAXPROCS workers, runs one no-op
// job on it and closes it: a Close that has a worker to stop.
func BenchmarkNewGoClose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, _ := pool.New(runtime.GOMAXPROCS(0))
		p.Go(noop)
		p.Close()
	}
}

// BenchmarkMetrics takes a snapshot of a pool of GOMAXPROCS workers.
func BenchmarkMetrics(b *testing.B) {
	b.ReportAllocs()
	p, _ := pool.New(runtime.GOMAXPROCS(0))
	defer p.Close()
	for b.Loop() {
		p.Metrics()
	}
}
