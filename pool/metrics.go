package pool

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/stats"
)

// Metrics is a snapshot of a pool's counters. Taken while work is in
// flight, its fields are read one by one and may be a few items apart,
// and the outcome counts trail: a worker publishes its counts once it goes
// idle or has taken 64 items, so each busy worker may hold back up to 63
// outcomes for as long as its current item runs. Once the pool is
// quiescent (nothing queued, running or being submitted)
//
//	Submitted == Completed + Failed + Panicked + Cancelled + Rejected
//
// holds exactly.
type Metrics struct {
	Workers int // live workers
	Idle    int // live workers waiting for work
	Queued  int // items waiting in the queue (the control messages Resize, keep-alive and Close put there are left out; nor is the entry of a task its waiter ran, which stays in the queue until a worker skips it; the entry of a task cancelled while queued counts until a worker skips it: see the package documentation)
	Running int // items being run: at most the busy workers plus caller-runs items
	Waiting int // submitters blocked for room in the full queue at the limit (Submit, Go, GoContext), as ants' Waiting

	Submitted uint64 // every call of Submit, TrySubmit, Go, GoContext and TryGo
	Completed uint64 // ran and returned a nil error (Go jobs: returned)
	Failed    uint64 // ran and returned an error, even a *task.PanicError of a task it awaited
	Panicked  uint64 // ran and panicked or called runtime.Goexit: each panic counts once, in the task where it happened
	Cancelled uint64 // never ran: ctx ended while queued (counted once a worker skips its entry) or waiting for room, or Shutdown expired
	Rejected  uint64 // refused: ErrFull, ErrClosed, or a nil func

	QueueWait Histogram // time from submission to a worker taking the item (sampled)
	RunTime   Histogram // time the item ran (sampled; an item that never ran, cancelled or aborted, has none)
}

// Histogram is a distribution of durations in power-of-two buckets.
type Histogram struct {
	// Counts[i] is the number of samples d with 2^(i-1) ns <= d < 2^i ns;
	// Counts[0] counts samples under 1 ns.
	Counts [64]uint64
	Sum    time.Duration // the sum of all samples
}

// Count returns the number of samples.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Mean returns the mean sample, or 0 if there are none.
func (h Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return h.Sum / time.Duration(n)
}

// Quantile returns an upper bound of the q-quantile (0 <= q <= 1): the top
// of the bucket that holds it, so within 2x of the true value. It returns
// 0 if there are no samples. It panics if q is not in [0, 1] (NaN
// included), as in "pool: Histogram.Quantile: q must be in [0, 1] (got
// 1.5)", as rt's Histogram.Quantile does.
func (h Histogram) Quantile(q float64) time.Duration {
	if !(q >= 0 && q <= 1) {
		panic(fmt.Sprintf("pool: Histogram.Quantile: q must be in [0, 1] (got %v)", q))
	}
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := stats.Rank(q, n) // the ⌈q·n⌉th sample: rounded to the nearest, p99 missed a tail of 1.25%
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			if i == 0 {
				return 0
			}
			return time.Duration(uint64(1)<<i - 1)
		}
	}
	return time.Duration(1<<63 - 1)
}

// hist is the live, atomic form of a Histogram.
type hist struct {
	counts [64]atomic.Uint64
	sum    atomic.Int64
}

func (h *hist) observe(d int64) {
	if d < 0 {
		d = 0
	}
	h.counts[bits.Len64(uint64(d))].Add(1)
	h.sum.Add(d)
}

func (h *hist) addTo(s *Histogram) {
	for i := range h.counts {
		s.Counts[i] += h.counts[i].Load()
	}
	s.Sum += time.Duration(h.sum.Load())
}

// shard holds one worker's counters, so workers never write to a shared
// cache line.
type shard struct {
	completed atomic.Uint64
	failed    atomic.Uint64
	panicked  atomic.Uint64
	cancelled atomic.Uint64
	_         [64]byte
	wait, run hist
}

// add publishes counts to sh, touching only the counters that moved.
func (sh *shard) add(c counts) {
	if c.completed != 0 {
		sh.completed.Add(uint64(c.completed))
	}
	if c.failed != 0 {
		sh.failed.Add(uint64(c.failed))
	}
	if c.panicked != 0 {
		sh.panicked.Add(uint64(c.panicked))
	}
	if c.cancelled != 0 {
		sh.cancelled.Add(uint64(c.cancelled))
	}
}

// Metrics returns a snapshot of the pool's counters, all zero for a nil
// or zero Pool. It costs about 150 ns and 1 allocation on a 2-core
// machine (BenchmarkMetrics).
func (p *Pool) Metrics() Metrics {
	if p == nil {
		return Metrics{}
	}
	m := Metrics{Workers: p.Size(), Idle: int(p.idle.Load() + p.spareN.Load()), Queued: int(p.queued()), Waiting: int(max(0, p.waiting.Load()))}
	// Workers neither idle nor on their way to the queue are running an
	// item (or about to), and so is a submitter running one caller-runs.
	busy := m.Workers - m.Idle - int(p.starting.Load()) + int(p.inlineN.Load())
	p.mu.Lock()
	shards := append([]*shard(nil), p.shards...)
	p.mu.Unlock()
	for _, sh := range shards {
		m.Completed += sh.completed.Load()
		m.Failed += sh.failed.Load()
		m.Panicked += sh.panicked.Load()
		m.Cancelled += sh.cancelled.Load()
		sh.wait.addTo(&m.QueueWait)
		sh.run.addTo(&m.RunTime)
	}
	// Submissions last, so that they are never fewer than the outcomes.
	m.Cancelled += p.cancelled.Load() + p.lateCancelled.Load()
	m.Rejected = p.rejected.Load() + p.late.Load()
	m.Submitted = uint64(p.entered.Load() &^ closedBit)
	// Whatever was accepted and has not ended is queued or running, or
	// still being submitted (a submitter waiting for room, say), or has
	// ended on a worker that has not published its counts yet: so no more
	// than the busy workers are running.
	inFlight := m.Submitted - m.Completed - m.Failed - m.Panicked - m.Cancelled - m.Rejected
	m.Running = max(0, min(int(inFlight)-m.Queued, busy))
	return m
}
