package fifo_test

import (
	"slices"
	"testing"

	"github.com/spool-go/spool/internal/fifo"
)

type item struct {
	id int
	q  fifo.Links[item]
}

func (it *item) Links() *fifo.Links[item] { return &it.q }

// ids drains l and returns its items' ids, front first.
func ids(l *fifo.List[item, *item]) []int {
	var got []int
	for !l.Empty() {
		e := l.Front()
		got = append(got, e.id)
		l.Remove(e)
	}
	return got
}

// walk lists the ids front to back with Front and Next, leaving l as it is.
func walk(l *fifo.List[item, *item]) []int {
	var got []int
	for e := l.Front(); e != nil; e = l.Next(e) {
		got = append(got, e.id)
	}
	return got
}

func TestList(t *testing.T) {
	tests := []struct {
		name   string
		push   int   // items 0..push-1, in order
		remove []int // then these, in order
		want   []int // what is left, front first
	}{
		{"empty", 0, nil, nil},
		{"one", 1, nil, []int{0}},
		{"order", 3, nil, []int{0, 1, 2}},
		{"remove front", 3, []int{0}, []int{1, 2}},
		{"remove middle", 3, []int{1}, []int{0, 2}},
		{"remove back", 3, []int{2}, []int{0, 1}},
		{"remove all", 3, []int{1, 0, 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l fifo.List[item, *item]
			items := make([]*item, tt.push)
			for i := range items {
				items[i] = &item{id: i}
				l.PushBack(items[i])
			}
			for _, i := range tt.remove {
				l.Remove(items[i])
			}
			if got := walk(&l); !slices.Equal(got, tt.want) {
				t.Errorf("walking with Next after pushing %d and removing %v: got %v, want %v", tt.push, tt.remove, got, tt.want)
			}
			if got := ids(&l); !slices.Equal(got, tt.want) {
				t.Errorf("after pushing %d and removing %v: got %v, want %v", tt.push, tt.remove, got, tt.want)
			}
		})
	}
}

func TestPushAfterRemove(t *testing.T) {
	var l fifo.List[item, *item]
	a, b := &item{id: 1}, &item{id: 2}
	l.PushBack(a)
	l.Remove(a)
	if !l.Empty() {
		t.Fatal("list not empty after removing its only element")
	}
	l.PushBack(b)
	l.PushBack(a) // a may be queued again once removed
	if got, want := ids(&l), []int{2, 1}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
