package rt

import (
	"context"
	"log/slog"
	"math"
	"testing"
)

// TestHolders checks the detector's holder cells: every holder that finds
// a free cell can be taken out again, a full table drops the extra holders
// quietly, and taking an entry that is not there touches nothing.
func TestHolders(t *testing.T) {
	tests := []struct {
		name     string
		workers  int
		seqs     []uint16 // spawn order of the entries put, in order
		take     []int    // indexes into seqs, taken after all are put
		wantHeld int      // occupied cells at the end
	}{
		{"one", 1, []uint16{0}, nil, 1},
		{"put and take", 1, []uint16{5}, []int{0}, 0},
		{"same first cell", 2, []uint16{1, 1, 1}, []int{1}, 2},
		{"wraps around", 2, []uint16{3, 3}, []int{0, 1}, 0},
		{"full: the extra is dropped", 1, []uint16{0, 1, 2}, []int{2}, 2},
		{"take what was dropped", 1, []uint16{0, 0, 0}, []int{2, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h holders
			h.init(tt.workers)
			es := make([]*entry, len(tt.seqs))
			for i, s := range tt.seqs {
				es[i] = &entry{seq: s}
				h.put(es[i])
			}
			for _, i := range tt.take {
				h.take(es[i])
				for k := range h.cells {
					if h.cells[k].e.Load() == es[i] {
						t.Fatalf("entry %d still in cell %d after take", i, k)
					}
				}
			}
			held := 0
			for k := range h.cells {
				if h.cells[k].e.Load() != nil {
					held++
				}
			}
			if held != tt.wantHeld {
				t.Errorf("%d cells occupied; want %d (table of %d)", held, tt.wantHeld, len(h.cells))
			}
		})
	}
}

// TestHoldsSkipZero checks that the count of holds, 32 bits wide, skips 0
// when it wraps: 0 means a task that has not started, whose Release does
// nothing, so a task at its 2^32nd hold would otherwise keep its slot.
func TestHoldsSkipZero(t *testing.T) {
	r, err := New(Workers(1), Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	tests := []struct {
		name  string
		start uint32 // holds before the hold begins: 0 begins the first (run), else Acquire resumes a parked task
		want  uint32
	}{
		{"first hold", 0, 1},
		{"an ordinary hold", 41, 42},
		{"the wrap", math.MaxUint32, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &entry{r: r}
			if tt.start == 0 {
				if !r.sem.tryAcquire() {
					t.Fatal("the runtime's slot is taken")
				}
				e.begin()
			} else {
				e.slot.Store(slotWord(1, tt.start)) // parked at an await point
				e.Acquire()
			}
			if got := e.holds(); got != tt.want {
				t.Errorf("holds after a hold began from %d = %d; want %d", tt.start, got, tt.want)
			}
			if got := e.parks(); got != 0 {
				t.Errorf("parks once the hold began = %d; want 0 (holding)", got)
			}
			e.Release()
			if got := e.parks(); got != 1 {
				t.Errorf("parks after Release = %d; want 1 (the slot given back)", got)
			}
		})
	}
}
