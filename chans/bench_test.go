package chans_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/chans"
	"github.com/spool-go/spool/internal/benchcpu"
)

// cpuTime is the CPU time the process has used, all threads together (0
// where it is not known): unlike wall time it does not grow when other
// processes compete for the cores.
var cpuTime = benchcpu.Used

const (
	benchProducers = 4
	benchPer       = 1024 // values per producer
)

// producers starts benchProducers goroutines that each send benchPer values
// and close their channel.
func producers() []<-chan int {
	ins := make([]<-chan int, benchProducers)
	for i := range ins {
		ins[i] = producer()
	}
	return ins
}

// producer starts a goroutine that sends benchPer values and closes its
// channel.
func producer() <-chan int { return producerN(benchPer) }

// producerN starts a goroutine that sends n values and closes its channel.
func producerN(n int) <-chan int {
	ch := make(chan int)
	go func() {
		for j := range n {
			ch <- j
		}
		close(ch)
	}()
	return ch
}

// handFanIn is the fan-in one writes by hand: a goroutine per input and a
// WaitGroup to close the output. It ignores cancellation, so it leaks if
// the consumer stops early.
func handFanIn(ins []<-chan int) <-chan int {
	out := make(chan int)
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Go(func() {
			for v := range in {
				out <- v
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// BenchmarkMerge measures fan-in throughput: 4 producers × 1024 values
// through Merge, against the hand-written fan-in. ns/value is the figure to
// read; ns/op includes starting the producers.
func BenchmarkMerge(b *testing.B) {
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, bm := range []struct {
		name  string
		merge func([]<-chan int) <-chan int
	}{
		{"impl=hand", handFanIn},
		{"impl=Merge-background-ctx", func(ins []<-chan int) <-chan int { return chans.Merge(context.Background(), ins...) }},
		{"impl=Merge-cancellable-ctx", func(ins []<-chan int) <-chan int { return chans.Merge(cancellable, ins...) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			cpu := cpuTime()
			for b.Loop() {
				for range bm.merge(producers()) {
					n++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/value")
			if c := cpuTime() - cpu; c > 0 {
				b.ReportMetric(float64(c.Nanoseconds())/float64(n), "cpu-ns/value")
			}
		})
	}
}

// BenchmarkBroadcast measures Send with subscribers that never read
// (DropOldest, so Send never waits), and Send plus Recv with one reading
// goroutine per subscriber under Block.
func BenchmarkBroadcast(b *testing.B) {
	ctx := context.Background()
	for _, subs := range []int{1, 8} {
		b.Run(fmt.Sprintf("op=Send/policy=DropOldest/subs=%d", subs), func(b *testing.B) {
			b.ReportAllocs()
			bc := chans.NewBroadcast[int](chans.OnFull(chans.DropOldest))
			for range subs {
				bc.Subscribe(64)
			}
			for b.Loop() {
				_ = bc.Send(ctx, 1)
			}
		})
	}
	for _, subs := range []int{1, 4} {
		b.Run(fmt.Sprintf("op=SendRecv/policy=Block/subs=%d", subs), func(b *testing.B) {
			b.ReportAllocs()
			bc := chans.NewBroadcast[int]()
			var wg sync.WaitGroup
			for range subs {
				s := bc.Subscribe(64)
				wg.Go(func() {
					for {
						if _, err := s.Recv(ctx); err != nil {
							return
						}
					}
				})
			}
			for b.Loop() {
				_ = bc.Send(ctx, 1)
			}
			bc.Close()
			wg.Wait()
		})
	}
}

func BenchmarkWatch(b *testing.B) {
	ctx := context.Background()
	b.Run("Set", func(b *testing.B) {
		b.ReportAllocs()
		w := chans.NewWatch(0)
		w.Subscribe()
		for b.Loop() {
			_ = w.Set(1)
		}
	})
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		w := chans.NewWatch(0)
		for b.Loop() {
			_ = w.Get()
		}
	})
	b.Run("SetChanged", func(b *testing.B) { // a Set that wakes a waiting watcher, and its ack
		b.ReportAllocs()
		w := chans.NewWatch(0)
		r := w.Subscribe()
		ack := make(chan struct{})
		go func() {
			for r.Changed(ctx) == nil {
				ack <- struct{}{}
			}
			close(ack)
		}()
		i := 0
		for b.Loop() {
			i++
			_ = w.Set(i)
			<-ack
		}
		w.Close()
		for range ack {
		}
	})
}

func BenchmarkSeq(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	ch := make(chan int)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case ch <- 1:
			case <-stop:
				return
			}
		}
	}()
	for v := range chans.Seq(ctx, ch) {
		_ = v
		if !b.Loop() {
			break
		}
	}
}

func BenchmarkFromSeq(b *testing.B) {
	b.ReportAllocs()
	vals := make([]int, 1024)
	n := 0
	for b.Loop() {
		for range chans.FromSeq(context.Background(), slices.Values(vals)) {
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/value")
}

// BenchmarkBatch measures batches that fill to size: 16 of them per Batch
// call (so the first batch, which grows to size when size is over 64, is
// one of 16).
func BenchmarkBatch(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for batch := range chans.Batch(context.Background(), producerN(16*size), size, time.Second) {
					n += len(batch)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/value")
		})
	}
}

func BenchmarkTee(b *testing.B) {
	for _, n := range []int{2, 3} {
		b.Run(fmt.Sprintf("outs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			values := 0
			for b.Loop() {
				outs := chans.Tee(context.Background(), producer(), n)
				var wg sync.WaitGroup
				for _, o := range outs {
					wg.Go(func() {
						for range o {
						}
					})
				}
				wg.Wait()
				values += benchPer
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(values), "ns/value")
		})
	}
}

func BenchmarkStage(b *testing.B) {
	for _, ordered := range []bool{false, true} {
		b.Run(fmt.Sprintf("workers=4/ordered=%v", ordered), func(b *testing.B) {
			b.ReportAllocs()
			var opts []chans.StageOption
			if ordered {
				opts = append(opts, chans.Ordered())
			}
			n := 0
			for b.Loop() {
				p := chans.NewPipeline(context.Background())
				for range chans.Stage(p, producer(), 4, double, opts...) {
					n++
				}
				if err := p.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/value")
		})
	}
}

// BenchmarkPipeline measures the fixed cost of a pipeline: create it, run
// one stage with one worker over a closed input, close it.
func BenchmarkPipeline(b *testing.B) {
	b.ReportAllocs()
	closed := make(chan int)
	close(closed)
	for b.Loop() {
		p := chans.NewPipeline(context.Background())
		for range chans.Stage(p, closed, 1, double) {
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFanOut measures one producer's values spread over 4 workers.
func BenchmarkFanOut(b *testing.B) {
	b.ReportAllocs()
	values := 0
	cpu := cpuTime()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, o := range chans.FanOut(context.Background(), producer(), 4) {
			wg.Go(func() {
				for range o {
				}
			})
		}
		wg.Wait()
		values += benchPer
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(values), "ns/value")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(values), "cpu-ns/value")
	}
}
