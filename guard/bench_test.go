package guard_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/internal/benchcpu"
	"golang.org/x/sync/semaphore"
)

func inc(n *int) { *n++ }

// cpuTime and reportCPU give the process's CPU time per op (cpu-ns/op),
// which a busy machine disturbs less than the wall time.
var (
	cpuTime   = benchcpu.Used
	reportCPU = benchcpu.Report
)

// parallel runs body with b.RunParallel and reports the CPU time per op
// (cpu-ns/op), which a busy machine disturbs less than the wall time.
func parallel(b *testing.B, body func(*testing.PB)) {
	b.ReportAllocs()
	start := cpuTime()
	b.RunParallel(body)
	reportCPU(b, start)
}

// BenchmarkWith and BenchmarkSyncMutex compare a guard.Mutex with the
// sync.Mutex it must keep up with, uncontended and with every P
// incrementing one counter.
func BenchmarkWith(b *testing.B) {
	b.Run("uncontended", func(b *testing.B) {
		b.ReportAllocs()
		var m guard.Mutex[int]
		start := cpuTime()
		for b.Loop() {
			m.With(inc)
		}
		reportCPU(b, start)
	})
	b.Run("contended", func(b *testing.B) {
		var m guard.Mutex[int]
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				m.With(inc)
			}
		})
	})
}

func BenchmarkSyncMutex(b *testing.B) {
	b.Run("uncontended", func(b *testing.B) {
		b.ReportAllocs()
		var mu sync.Mutex
		n := 0
		start := cpuTime()
		for b.Loop() {
			mu.Lock()
			n++
			mu.Unlock()
		}
		reportCPU(b, start)
	})
	b.Run("contended", func(b *testing.B) {
		var mu sync.Mutex
		n := 0
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	})
}

// BenchmarkLockCtx is the awaitable Lock with its Guard.
func BenchmarkLockCtx(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended", func(b *testing.B) {
		b.ReportAllocs()
		var m guard.Mutex[int]
		start := cpuTime()
		for b.Loop() {
			g, _ := m.Lock(ctx)
			*g.Value()++
			g.Unlock()
		}
		reportCPU(b, start)
	})
	b.Run("contended", func(b *testing.B) {
		var m guard.Mutex[int]
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				g, _ := m.Lock(ctx)
				*g.Value()++
				g.Unlock()
			}
		})
	})
}

// BenchmarkRWMutex reads under the read lock from every P, with one write
// in 100.
func BenchmarkRWMutex(b *testing.B) {
	b.Run("guard", func(b *testing.B) {
		var m guard.RWMutex[[8]int]
		parallel(b, func(pb *testing.PB) {
			i, sum := 0, 0
			for pb.Next() {
				if i++; i%100 == 0 {
					m.With(func(v *[8]int) { v[i%8]++ })
				} else {
					m.Read(func(v *[8]int) { sum += v[i%8] })
				}
			}
			_ = sum
		})
	})
	b.Run("sync", func(b *testing.B) {
		var mu sync.RWMutex
		var v [8]int
		parallel(b, func(pb *testing.PB) {
			i, sum := 0, 0
			for pb.Next() {
				if i++; i%100 == 0 {
					mu.Lock()
					v[i%8]++
					mu.Unlock()
				} else {
					mu.RLock()
					sum += v[i%8]
					mu.RUnlock()
				}
			}
			_ = sum
		})
	})
}

// The alternatives the package doc weighs a Mutex against, on the same
// job: every P incrementing one counter.

func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Int64
	parallel(b, func(pb *testing.PB) {
		for pb.Next() {
			n.Add(1)
		}
	})
}

// shardedCounter spreads increments over padded cells, one per goroutine
// slot, and sums them on read.
type shardedCounter struct {
	cells [16]struct {
		n atomic.Int64
		_ [56]byte
	}
	next atomic.Int64
}

func BenchmarkShardedCounter(b *testing.B) {
	var c shardedCounter
	parallel(b, func(pb *testing.PB) {
		cell := &c.cells[c.next.Add(1)%int64(len(c.cells))]
		for pb.Next() {
			cell.n.Add(1)
		}
	})
	var total int64
	for i := range c.cells {
		total += c.cells[i].n.Load()
	}
	if total != int64(b.N) {
		b.Fatalf("sharded total = %d; want %d", total, b.N)
	}
}

// BenchmarkChannelOwner gives the counter to one goroutine that owns it
// and receives increments on a channel: sharing by communicating.
func BenchmarkChannelOwner(b *testing.B) {
	ch := make(chan int, 128)
	done := make(chan int)
	go func() {
		n := 0
		for d := range ch {
			n += d
		}
		done <- n
	}()
	parallel(b, func(pb *testing.PB) {
		for pb.Next() {
			ch <- 1
		}
	})
	close(ch)
	if n := <-done; n != b.N {
		b.Fatalf("owner counted %d; want %d", n, b.N)
	}
}

// BenchmarkRead is an uncontended read under an RWMutex, by Read and by
// RLock with a context.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		var m guard.RWMutex[int]
		sum := 0
		start := cpuTime()
		for b.Loop() {
			m.Read(func(n *int) { sum += *n })
		}
		reportCPU(b, start)
	})
	b.Run("RLock", func(b *testing.B) {
		b.ReportAllocs()
		var m guard.RWMutex[int]
		sum := 0
		start := cpuTime()
		for b.Loop() {
			g, _ := m.RLock(ctx)
			sum += *g.Value()
			g.Unlock()
		}
		reportCPU(b, start)
	})
}

// BenchmarkSemaphore compares Acquire+Release of one permit with x/sync's
// semaphore.Weighted: free (one goroutine), and with every P taking one
// of 2 permits, so that some must queue.
func BenchmarkSemaphore(b *testing.B) {
	ctx := context.Background()
	b.Run("guard/free", func(b *testing.B) {
		s, _ := guard.NewSemaphore(1)
		b.ReportAllocs()
		for b.Loop() {
			s.Acquire(ctx, 1)
			s.Release(1)
		}
	})
	b.Run("x-sync/free", func(b *testing.B) {
		s := semaphore.NewWeighted(1)
		b.ReportAllocs()
		for b.Loop() {
			s.Acquire(ctx, 1)
			s.Release(1)
		}
	})
	b.Run("guard/contended", func(b *testing.B) {
		s, _ := guard.NewSemaphore(2)
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				s.Acquire(ctx, 1)
				s.Release(1)
			}
		})
	})
	b.Run("x-sync/contended", func(b *testing.B) {
		s := semaphore.NewWeighted(2)
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				s.Acquire(ctx, 1)
				s.Release(1)
			}
		})
	})
}
