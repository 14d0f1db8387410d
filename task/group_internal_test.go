package task

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"unsafe"
)

// TestGroupLastEndWakesNext replays, step by step, the interleaving that
// lost Next's wake-up. A task ends in two steps (record): it queues its
// result, which puts a token on ready, then counts itself out of pending
// (leave). In between, one Next takes the result, leaving the token, and
// a second Next finds nothing while the task still counts, takes the stale
// token, looks again and goes to sleep. The task's leave must wake it: if
// it does not, the second Next sleeps for good and synctest reports a
// deadlock.
func TestGroupLastEndWakesNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := NewGroup[int](ctx)
		defer g.Close()
		// A first Next turns on the completion-order queue.
		if _, err, ok := g.Next(ctx); ok || err != nil {
			t.Fatalf("Next() on an empty group = %v, %v; want nil, false", err, ok)
		}
		// A task that has ended, up to the middle of record.
		g.mu.Lock()
		o := g.results.push()
		g.pending.Add(1)
		g.mu.Unlock()
		o.val = 42
		o.state.Store(outDone)
		g.enqueue(o)
		if v, err, ok := g.Next(ctx); v != 42 || err != nil || !ok {
			t.Fatalf("Next() = %d, %v, %v; want 42, nil, true", v, err, ok)
		}
		got := make(chan bool)
		go func() {
			_, err, ok := g.Next(ctx)
			if err != nil {
				t.Errorf("Next() after the last result = %v; want nil", err)
			}
			got <- ok
		}()
		synctest.Wait() // the second Next is asleep, the task still pending
		g.leave()       // the rest of record
		if ok := <-got; ok {
			t.Error("Next() after the last result: ok = true; want false")
		}
	})
}

// TestGroupNextKeepsSubmissionOrderOfEnding replays the interleaving that
// made TestGroupNextAfterEnd fail about once in a few hundred runs: task 1
// has recorded its result and shown it (its Done is closed) but has not
// yet counted out when Next first looks, while tasks 0 and 2 have. Next
// used to queue 0 and 2 and let 1 queue itself after them, so the results
// came as 0, 2, 1. Task 1 now takes its place in submission order, and
// Next waits for it there.
func TestGroupNextKeepsSubmissionOrderOfEnding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := NewGroup[int](ctx)
		defer g.Close()
		var tasks [3]*Task[int]
		for i := range tasks {
			g.mu.Lock()
			o := g.results.push()
			g.pending.Add(1)
			g.mu.Unlock()
			tasks[i] = &Task[int]{val: i, slot: o}
			g.record(tasks[i]) // the first half of a task's end (taskDone)
		}
		g.taskEnded(tasks[0])
		g.taskEnded(tasks[2])
		// Task 1 is between showing its result and counting out.
		var got []int
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				v, err, ok := g.Next(ctx)
				if !ok {
					if err != nil {
						t.Errorf("Next() = %v; want nil at the end", err)
					}
					return
				}
				got = append(got, v)
			}
		}()
		synctest.Wait() // Next has taken 0 and waits for 1, or has taken 0 and 2
		g.taskEnded(tasks[1])
		<-done
		if want := []int{0, 1, 2}; !slices.Equal(got, want) {
			t.Errorf("Next() gave %v; want %v (submission order for the tasks ended before the first Next)", got, want)
		}
	})
}

// TestChunksBoundedInBytes: a group's blocks of results hold at most
// 4 KiB of them (but never fewer than 16 results, nor more than 1,024),
// so that a task that runs long among many short ones keeps at most that
// much alive. Blocks held 1,024 results whatever their size: 270 KB for
// a 256-byte result.
func TestChunksBoundedInBytes(t *testing.T) {
	type big [256]byte
	tests := []struct {
		name    string
		largest int // the largest chunk's capacity after 100,000 pushes
		size    int // an outcome's size in bytes
	}{
		{"int", largestChunk[int](100_000), int(unsafe.Sizeof(outcome[int]{}))},
		{"[256]byte", largestChunk[big](100_000), int(unsafe.Sizeof(outcome[big]{}))},
		{"struct{}", largestChunk[struct{}](100_000), int(unsafe.Sizeof(outcome[struct{}]{}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.largest > 1024 || tt.largest < 16 {
				t.Errorf("largest chunk holds %d outcomes; want 16 to 1,024", tt.largest)
			}
			if bytes := tt.largest * tt.size; bytes > 4<<10 && tt.largest > 16 {
				t.Errorf("largest chunk holds %d outcomes of %d B, %d B; want at most 4 KiB (or 16 outcomes)", tt.largest, tt.size, bytes)
			}
		})
	}
}

// largestChunk pushes n outcomes of T and returns the largest chunk's capacity.
func largestChunk[T any](n int) int {
	var l chunked[T]
	for range n {
		l.push()
	}
	m := 0
	for _, c := range l.chunks {
		m = max(m, cap(c.items))
	}
	return m
}
