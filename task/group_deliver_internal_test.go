package task

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestChunkedDelivers delivers the outcomes of a chunked list in a
// shuffled order, leaving some undelivered, and checks after every
// delivery that the list indexes its chunks correctly (each outcome's
// chunk number finds its chunk, as compact renumbers them), that it lists
// exactly the outcomes left, in order, and that it holds the chunks of
// those alone, plus a few dropped ones not yet compacted away.
func TestChunkedDelivers(t *testing.T) {
	tests := []struct {
		name string
		n    int
		keep func(i int) bool // never delivered
	}{
		{"all", 5000, func(int) bool { return false }},
		{"the first", 5000, func(i int) bool { return i == 0 }},
		{"one in 1500", 9000, func(i int) bool { return i%1500 == 7 }},
		{"the last", 3000, func(i int) bool { return i == 2999 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l chunked[int]
			all := make([]*outcome[int], tt.n)
			for i := range all {
				o := l.push()
				o.val = i
				o.state.Store(outDone)
				all[i] = o
			}
			var order, kept []int
			for i := range tt.n {
				if tt.keep(i) {
					kept = append(kept, i)
				} else {
					order = append(order, i)
				}
			}
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			left := tt.n
			for k, i := range order {
				if v := l.deliver(all[i]); v != i {
					t.Fatalf("deliver(#%d) = %d; want %d", i, v, i)
				}
				left--
				if l.live != left {
					t.Fatalf("after %d deliveries: live = %d; want %d", k+1, l.live, left)
				}
				if k%97 == 0 || k == len(order)-1 {
					checkChunked(t, &l, all, order[k+1:], kept)
				}
			}
			var got []int
			l.each(func(o *outcome[int]) { got = append(got, o.val) })
			if len(got) != len(kept) {
				t.Fatalf("each lists %v; want %v", got, kept)
			}
			for i := range got {
				if got[i] != kept[i] {
					t.Fatalf("each lists %v; want %v", got, kept)
				}
			}
			held := 0
			for _, c := range l.chunks {
				if c.items != nil {
					held++
				}
			}
			if max := len(kept) + 1; held > max { // the last chunk stays until it is full
				t.Errorf("%d chunks held for %d outcomes left; want at most %d", held, len(kept), max)
			}
			if len(l.chunks) > 2*held+4 {
				t.Errorf("%d chunks indexed, %d of them held; want at most %d", len(l.chunks), held, 2*held+4)
			}
		})
	}
}

// checkChunked checks that every outcome not yet delivered finds its
// chunk through its number, and that the chunks' counts add up.
func checkChunked(t *testing.T, l *chunked[int], all []*outcome[int], pending, kept []int) {
	t.Helper()
	live := 0
	for _, c := range l.chunks {
		live += c.live
	}
	if live != l.live || live != len(pending)+len(kept) {
		t.Fatalf("the chunks count %d outcomes, the list %d; want %d", live, l.live, len(pending)+len(kept))
	}
	for _, ids := range [][]int{pending, kept} {
		for _, i := range ids {
			o := all[i]
			if int(o.chunk) >= len(l.chunks) {
				t.Fatalf("outcome %d: chunk %d of %d", i, o.chunk, len(l.chunks))
			}
			if !within(o, l.chunks[o.chunk].items) {
				t.Fatalf("outcome %d: its chunk number %d finds a chunk that does not hold it", i, o.chunk)
			}
		}
	}
}

// within reports whether o is one of items.
func within(o *outcome[int], items []outcome[int]) bool {
	if len(items) == 0 {
		return false
	}
	p, first := uintptr(unsafe.Pointer(o)), uintptr(unsafe.Pointer(&items[0]))
	return p >= first && p <= uintptr(unsafe.Pointer(&items[len(items)-1]))
}

// TestGroupHoldsOnlyUndelivered runs 100,000 tasks through a group used
// as a JoinSet, a first task stuck until the end and one task in ten
// failing, and checks what the group holds as it goes: the chunks of the
// results left (the stuck task's and the current one), a short index,
// Next's queue and the errors map emptied.
func TestGroupHoldsOnlyUndelivered(t *testing.T) {
	ctx := context.Background()
	g := NewGroup[int](ctx, Limit(8))
	defer g.Close()
	release := make(chan struct{})
	g.Go(ctx, func(context.Context) (int, error) { <-release; return -1, nil })
	boom := errors.New("boom")
	const n = 100_000
	maxIndex, maxHeld, maxEnded, maxErrs := 0, 0, 0, 0
	for i := range n {
		g.Go(ctx, func(context.Context) (int, error) {
			if i%10 == 0 {
				return i, boom
			}
			return i, nil
		})
		v, err, ok := g.Next(ctx)
		if !ok || v < 0 || (v%10 == 0) != (err != nil) {
			t.Fatalf("Next() = %d, %v, %v", v, err, ok)
		}
		g.mu.Lock()
		held := 0
		for _, c := range g.results.chunks {
			if c.items != nil {
				held++
			}
		}
		maxIndex = max(maxIndex, len(g.results.chunks))
		maxHeld = max(maxHeld, held)
		maxEnded = max(maxEnded, cap(g.ended))
		maxErrs = max(maxErrs, len(g.errs))
		g.mu.Unlock()
	}
	t.Logf("at most %d chunks indexed, %d held, Next's queue of %d, %d errors", maxIndex, maxHeld, maxEnded, maxErrs)
	if maxHeld > 3 || maxIndex > 10 || maxEnded > 64 || maxErrs > 8 {
		t.Errorf("at most %d chunks indexed, %d held, Next's queue of %d, %d errors; want at most 10, 3, 64, 8", maxIndex, maxHeld, maxEnded, maxErrs)
	}
	close(release)
	vals, err := g.Wait(ctx)
	if len(vals) != 1 || vals[0] != -1 || err != nil {
		t.Errorf("Wait() = %v, %v; want [-1], nil: the stuck task alone", vals, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.results.chunks) != 0 || g.errs != nil || len(g.ended) != 0 || g.tripOut != nil {
		t.Errorf("after Wait: %d chunks, errors %v, Next's queue %d; want none", len(g.results.chunks), g.errs, len(g.ended))
	}
}
