package workload

import (
	"sync"
	"sync/atomic"
)

// Counter is shared state for the shared-state measurements: a count that
// many goroutines read and increment at once. Each caller passes its own
// id, 0 <= id < the number of callers given to the constructor, so that
// sharded counters can give each caller its own shard.
type Counter interface {
	Add(id int)        // adds 1
	Load(id int) int64 // returns the count
}

// MutexCounter guards its count with a sync.Mutex.
type MutexCounter struct {
	mu sync.Mutex
	n  int64
}

// Add adds 1.
func (c *MutexCounter) Add(int) { c.mu.Lock(); c.n++; c.mu.Unlock() }

// Load returns the count.
func (c *MutexCounter) Load(int) int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// RWMutexCounter guards its count with a sync.RWMutex: readers share it.
type RWMutexCounter struct {
	mu sync.RWMutex
	n  int64
}

// Add adds 1.
func (c *RWMutexCounter) Add(int) { c.mu.Lock(); c.n++; c.mu.Unlock() }

// Load returns the count.
func (c *RWMutexCounter) Load(int) int64 { c.mu.RLock(); defer c.mu.RUnlock(); return c.n }

// AtomicCounter is a single atomic integer.
type AtomicCounter struct{ n atomic.Int64 }

// Add adds 1.
func (c *AtomicCounter) Add(int) { c.n.Add(1) }

// Load returns the count.
func (c *AtomicCounter) Load(int) int64 { return c.n.Load() }

// ShardedCounter gives each caller a shard on its own cache line: Add
// touches only the caller's shard, Load adds up every shard.
type ShardedCounter struct{ shards []shard }

type shard struct {
	n atomic.Int64
	_ [56]byte // pad to 64 bytes so shards never share a cache line
}

// NewShardedCounter returns a counter with one shard per caller.
func NewShardedCounter(callers int) *ShardedCounter {
	return &ShardedCounter{shards: make([]shard, max(callers, 1))}
}

// Add adds 1 to the caller's shard.
func (c *ShardedCounter) Add(id int) { c.shards[id].n.Add(1) }

// Load returns the sum of the shards.
func (c *ShardedCounter) Load(int) int64 {
	var s int64
	for i := range c.shards {
		s += c.shards[i].n.Load()
	}
	return s
}

// ChannelCounter keeps its count in one goroutine that owns it; others
// send it requests (share memory by communicating). Close it when done.
type ChannelCounter struct {
	reqs    chan int // >= 0: a read from that caller; -1: an increment
	replies []chan int64
	done    chan struct{}
}

// NewChannelCounter starts the owner goroutine for callers callers.
func NewChannelCounter(callers int) *ChannelCounter {
	c := &ChannelCounter{reqs: make(chan int), replies: make([]chan int64, max(callers, 1)), done: make(chan struct{})}
	for i := range c.replies {
		c.replies[i] = make(chan int64, 1)
	}
	go func() {
		defer close(c.done)
		var n int64
		for r := range c.reqs {
			if r < 0 {
				n++
			} else {
				c.replies[r] <- n
			}
		}
	}()
	return c
}

// Add asks the owner to add 1.
func (c *ChannelCounter) Add(int) { c.reqs <- -1 }

// Load asks the owner for the count and waits for the answer.
func (c *ChannelCounter) Load(id int) int64 { c.reqs <- id; return <-c.replies[id] }

// Close stops the owner goroutine and waits for it. No call may follow.
func (c *ChannelCounter) Close() { close(c.reqs); <-c.done }
