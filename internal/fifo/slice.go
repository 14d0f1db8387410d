package fifo

// Slice is a first-in, first-out queue of values in a slice: the window of
// results in flight behind parallel.MapOrdered and chans' Ordered stages.
// Pop clears the slot it empties, and the slice starts over once empty, or
// moves its live part to the front once the dead front is as long as it,
// so that a Slice that has grown to the most values queued at once does
// not allocate again. The zero Slice is empty and ready to use; a Slice is
// not safe for concurrent use.
type Slice[T any] struct {
	items []T // live from first on
	first int
}

// Push adds v at the back.
func (q *Slice[T]) Push(v T) { q.items = append(q.items, v) }

// Len returns how many values are queued.
func (q *Slice[T]) Len() int { return len(q.items) - q.first }

// Front returns the value queued longest; q must not be empty.
func (q *Slice[T]) Front() T { return q.items[q.first] }

// Pop removes and returns the value queued longest; q must not be empty.
func (q *Slice[T]) Pop() T {
	v := q.items[q.first]
	var zero T
	q.items[q.first] = zero
	q.first++
	switch live := len(q.items) - q.first; {
	case live == 0:
		q.items, q.first = q.items[:0], 0
	case q.first >= live:
		n := copy(q.items, q.items[q.first:])
		clear(q.items[n:])
		q.items, q.first = q.items[:n], 0
	}
	return v
}

// Live returns the values queued, front first, as a slice that is valid
// until q next changes.
func (q *Slice[T]) Live() []T { return q.items[q.first:] }
