package fifo

import "testing"

// TestSlice checks a Slice's order across pushes and pops that make it
// start over and compact, and that it stops growing once it holds the
// most values queued at once.
func TestSlice(t *testing.T) {
	var q Slice[int]
	next, want := 0, 0
	for round := range 50 {
		for range round%7 + 1 {
			q.Push(next)
			next++
		}
		for range round%5 + 1 {
			if q.Len() == 0 {
				break
			}
			if got := q.Front(); got != want {
				t.Fatalf("round %d: Front = %d, want %d", round, got, want)
			}
			if got := q.Pop(); got != want {
				t.Fatalf("round %d: Pop = %d, want %d", round, got, want)
			}
			want++
		}
		if got, live := q.Len(), next-want; got != live || len(q.Live()) != live {
			t.Fatalf("round %d: Len = %d, Live has %d, want %d", round, got, len(q.Live()), live)
		}
	}
	var r Slice[*int]
	for range 1000 { // one in, one out: the slice never grows past a few
		r.Push(new(int))
		r.Pop()
	}
	if c := cap(r.items); c > 8 {
		t.Errorf("cap = %d after 1,000 pushes and pops one at a time, want a few", c)
	}
}
