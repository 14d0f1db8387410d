// Package fifo holds first-in, first-out queues. List is intrusive: the queue of
// waiters behind guard's locks and rt's worker slots, and pool's list of
// live workers. An element embeds a
// [Links] and sits in at most one list at a time, so queueing and removing
// an element allocate nothing and removal from the middle (a waiter whose
// context ended) is O(1). A List is not safe for concurrent use: its owner
// guards it with its own mutex. Slice is a queue of values in a slice
// that reuses its room.
package fifo

// Links are an element's place in a List.
type Links[E any] struct{ prev, next *E }

// Elem is the constraint on a List's element pointers: *E gives its Links.
type Elem[E any] interface {
	*E
	Links() *Links[E]
}

// List is a FIFO list of *E. The zero List is empty and ready to use.
type List[E any, P Elem[E]] struct{ head, tail *E }

// Front returns the element that has waited longest, or nil.
func (l *List[E, P]) Front() *E { return l.head }

// Empty reports whether the list holds no element.
func (l *List[E, P]) Empty() bool { return l.head == nil }

// Next returns the element after e, which must be in l, or nil.
func (l *List[E, P]) Next(e *E) *E { return P(e).Links().next }

// PushBack appends e, which must not be in a list.
func (l *List[E, P]) PushBack(e *E) {
	lk := P(e).Links()
	lk.prev, lk.next = l.tail, nil
	if l.tail != nil {
		P(l.tail).Links().next = e
	} else {
		l.head = e
	}
	l.tail = e
}

// Remove takes e, which must be in l, out of it.
func (l *List[E, P]) Remove(e *E) {
	lk := P(e).Links()
	if lk.prev != nil {
		P(lk.prev).Links().next = lk.next
	} else {
		l.head = lk.next
	}
	if lk.next != nil {
		P(lk.next).Links().prev = lk.prev
	} else {
		l.tail = lk.prev
	}
	lk.prev, lk.next = nil, nil
}
