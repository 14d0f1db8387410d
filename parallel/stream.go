package parallel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"sync"
	"sync/atomic"

	"github.com/spool-go/spool/task"
)

// MapOrdered returns an iterator that calls fn on the values of seq with at
// most workers calls running at once, and yields the results in the order
// of seq: an ordered, bounded stream over an iterator. Up to 2×workers
// results may wait for an earlier one to be yielded; a slow value holds
// back the ones after it, not the workers (until that window is full).
// The window's places, as the goroutines, are made as values need them:
// a large workers costs nothing up front.
//
// An error from fn (or a panic, as a *task.PanicError) is yielded in its
// value's place and the stream goes on: break out of the loop to stop. If
// ctx ends, the iterator yields one wrapped ctx error and stops. Having no
// error result, MapOrdered panics at once, at the call, on bad input: a
// nil ctx ("parallel: MapOrdered: nil context"), a nil seq or fn, or a
// workers below 1, as in "parallel: MapOrdered: workers must be positive
// (got 0)".
//
// seq is read through iter.Pull, in step with the loop, one value ahead
// of the workers: while seq waits for its next value, ready results and
// the end of ctx wait too. A seq that blocks (a channel, a socket) thus
// delays them, and one that yields its next value only after the consumer
// has seen the previous result never moves. MapOrdered suits sources that
// yield at once (a slice, a file read ahead); for a live source, use a
// chans.Stage with chans.Ordered, which waits on its input and on the
// pipeline's end together. fn runs on goroutines the
// iterator starts as values need them, with a context that is cancelled
// when the loop ends. Breaking
// out of the loop, or ctx ending, cancels that context and waits for the
// calls in flight to return before the loop statement ends, so nothing
// outlives it. Waits are await points (see task.Park).
//
// Each value costs about 360 ns of coordination (a trivial fn, 4 workers,
// 2 cores; BenchmarkMapOrdered), so fn should do tens of microseconds of
// work or wait on I/O; for CPU-bound work over a slice, [Map] costs a few
// nanoseconds per item.
func MapOrdered[T, R any](ctx context.Context, seq iter.Seq[T], workers int, fn func(context.Context, T) (R, error)) iter.Seq2[R, error] {
	switch {
	case ctx == nil:
		panic("parallel: MapOrdered: nil context")
	case seq == nil:
		panic("parallel: MapOrdered: seq must not be nil (got nil)")
	case workers <= 0:
		panic(fmt.Sprintf("parallel: MapOrdered: workers must be positive (got %d)", workers))
	case fn == nil:
		panic("parallel: MapOrdered: fn must not be nil (got nil)")
	}
	return func(yield func(R, error) bool) {
		if ctx.Err() != nil {
			var zero R
			yield(zero, ctxError(ctx))
			return
		}
		s := newStream(ctx, workers, fn)
		defer s.stop(ctx)
		next, stop := iter.Pull(seq)
		defer stop()
		s.loop(ctx, next, yield)
	}
}

// result is one value's place in the stream's window.
type result[R any] struct {
	r    R
	err  error
	done chan struct{} // 1-buffered: the worker filled r and err
}

type job[T, R any] struct {
	v   T
	res *result[R]
}

type stream[T, R any] struct {
	fn      func(context.Context, T) (R, error)
	workers int
	wctx    context.Context // the workers' context, without the caller's slot
	cancel  context.CancelFunc
	g       *task.Group[struct{}] // hides the caller's slot, when there is one
	jobs    chan job[T, R]
	wg      sync.WaitGroup
	live    atomic.Int64 // workers started and not ended
	idle    atomic.Int64 // workers waiting for a job
	// The window: the places of the values handed out and not yet
	// yielded, in input order (a FIFO), and the places yielded, free for
	// reuse. Places are made as values need them, so at most as many as
	// were in flight at once: w bounds them.
	inflight []*result[R] // from first on
	first    int
	free     []*result[R]
	w        int // 2×workers, the window's size
}

// popPlace takes the oldest place off the in-flight FIFO. The slice is
// reset when it empties and compacted when its dead front is as long as
// its live rest, so it does not allocate once it has grown to the most
// values in flight.
func (s *stream[T, R]) popPlace() *result[R] {
	res := s.inflight[s.first]
	s.inflight[s.first] = nil
	s.first++
	switch live := len(s.inflight) - s.first; {
	case live == 0:
		s.inflight, s.first = s.inflight[:0], 0
	case s.first >= live:
		n := copy(s.inflight, s.inflight[s.first:])
		clear(s.inflight[n:])
		s.inflight, s.first = s.inflight[:n], 0
	}
	return res
}

// waiting returns how many values were handed out and not yet yielded.
func (s *stream[T, R]) waiting() int { return len(s.inflight) - s.first }

// place returns a free place, or a new one.
func (s *stream[T, R]) place() *result[R] {
	if n := len(s.free); n > 0 {
		res := s.free[n-1]
		s.free = s.free[:n-1]
		return res
	}
	placesMade.Add(1)
	return &result[R]{done: make(chan struct{}, 1)}
}

// placesMade counts the window places made, for tests.
var placesMade atomic.Int64

func newStream[T, R any](ctx context.Context, workers int, fn func(context.Context, T) (R, error)) *stream[T, R] {
	s := &stream[T, R]{fn: fn, workers: workers, jobs: make(chan job[T, R])}
	base := ctx
	if task.ContextSlot(ctx) != nil {
		s.g = task.NewGroup[struct{}](ctx)
		base = s.g.Context()
	}
	s.wctx, s.cancel = context.WithCancel(base)
	// The window's places are made as values come, not up front: a
	// workers of 1,000,000 over 3 values made 2,000,000 of them (274 MiB);
	// and reused once yielded, or a long stream on a large workers made
	// one per value (150 B each) until it had made w.
	s.w = 2 * workers
	if workers > math.MaxInt/2 {
		s.w = math.MaxInt
	}
	return s
}

// loop feeds values to the workers and yields results in order, on the
// caller's goroutine.
func (s *stream[T, R]) loop(ctx context.Context, next func() (T, bool), yield func(R, error) bool) {
	var (
		zero      R
		pending   T    // pulled from seq, not yet handed to a worker
		have      bool // pending is set
		exhausted bool
		w         = s.w
		spot      *result[R] // the place for pending
		done      = ctx.Done()
	)
	for {
		// Once ctx has ended, nothing more is handed out or yielded but
		// the one ctx error. The select below looks at ctx only when it
		// must wait: while results were ready or workers idle, the loop
		// went on calling fn on values it pulled after the end, and
		// yielding their results, ctx errors among them (13 before its
		// own, in an audit).
		if isDone(done) {
			yield(zero, ctxError(ctx))
			return
		}
		if !have && !exhausted && s.waiting() < w {
			if v, ok := next(); ok {
				pending, have = v, true
			} else {
				exhausted = true
			}
		}
		if s.waiting() == 0 && !have { // nothing in flight and nothing to send
			return
		}
		var (
			send  chan job[T, R]
			ready chan struct{}
			j     job[T, R]
		)
		if have {
			if s.idle.Load() == 0 && s.live.Load() < int64(s.workers) {
				s.spawn()
			}
			send = s.jobs
			if spot == nil {
				spot = s.place()
			}
			j = job[T, R]{pending, spot}
		}
		if s.waiting() > 0 {
			ready = s.inflight[s.first].done
		}
		sent, got := false, false
		select { // without parking first: often something is ready
		case send <- j:
			sent = true
		case <-ready:
			got = true
		default:
			p := task.Park(ctx)
			select {
			case send <- j:
				sent = true
			case <-ready:
				got = true
			case <-done:
			}
			p.Resume()
		}
		switch {
		case sent:
			s.idle.Add(-1)
			s.inflight = append(s.inflight, spot)
			pending, have, spot = *new(T), false, nil
		case got:
			if isDone(done) { // the result may be fn's reply to ctx's end
				yield(zero, ctxError(ctx))
				return
			}
			res := s.popPlace()
			r, err := res.r, res.err
			res.r, res.err = zero, nil
			s.free = append(s.free, res)
			if !yield(r, err) {
				return
			}
		default:
			yield(zero, ctxError(ctx))
			return
		}
	}
}

// spawn starts a worker.
func (s *stream[T, R]) spawn() {
	s.live.Add(1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var cur *result[R]
		normal := false
		defer func() {
			// Leave the live count before publishing a Goexit's result: the
			// loop, woken by it, must see this worker gone and start another
			// for the next value, or it would wait forever to hand it over.
			s.live.Add(-1)
			if !normal && cur != nil { // fn called runtime.Goexit
				cur.err = task.ErrGoexit
				cur.done <- struct{}{}
			}
		}()
		for {
			s.idle.Add(1)
			j, ok := <-s.jobs
			if !ok {
				normal = true
				return
			}
			cur = j.res
			cur.r, cur.err = s.call(j.v)
			cur.done <- struct{}{}
			cur = nil
		}
	}()
}

func (s *stream[T, R]) call(v T) (r R, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = panicError(x)
		}
	}()
	return s.fn(s.wctx, v)
}

// stop cancels the workers and waits for them (an await point).
func (s *stream[T, R]) stop(ctx context.Context) {
	close(s.jobs)
	s.cancel()
	p := task.Park(ctx)
	s.wg.Wait()
	p.Resume()
	if s.g != nil {
		s.g.Close()
	}
}
