package parallel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"sync"
	"sync/atomic"

	"github.com/spool-go/spool/internal/fifo"
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
// ctx ends, the iterator yields one wrapped ctx error and stops. A panic
// (or runtime.Goexit) in a call still in flight when the loop ends is not
// lost: if ctx ended, it is joined to that ctx error (errors.As finds the
// *task.PanicError); after a break, it goes to task.ReportPanic (the
// function set with task.OnUnobservedPanic; logged by default). Having no
// error result, MapOrdered panics at once, at the call, on bad input: a
// nil ctx ("parallel: MapOrdered: nil context"), a nil seq or fn, or a
// workers below 1, as in "parallel: MapOrdered: workers must be positive
// (got 0)".
//
// seq is read through iter.Pull, on the loop's goroutine, a value at a
// time as values are handed out: while seq waits for its next value, ready
// results and the end of ctx wait too. A seq that blocks (a channel, a
// socket) thus delays them, and one that yields its next value only after
// the consumer has seen the previous result never moves. MapOrdered suits
// sources that yield at once (a slice, a file read ahead); for a live
// source, use a chans.Stage with chans.Ordered, which waits on its input
// and on the pipeline's end together. fn runs on goroutines the iterator
// starts as values need them, with a context that is cancelled when the
// loop ends. Breaking out of the loop, or ctx ending, cancels that context
// and waits for the calls in flight to return before the loop statement
// ends, so nothing outlives it. Waits are await points (see task.Park).
//
// The loop hands a value to the workers before it yields each result, so
// the workers go on while the loop's body runs: a worker that finishes
// meanwhile finds its next value waiting (up to 64 wait so). A body of
// 2 ms per value over 10 ms calls on 4 workers takes the workers' time,
// not theirs plus much of the body's (1.3-1.6x of it before).
//
// Each value costs about 670 ns of coordination (a trivial fn, 4 workers,
// a 2-core Intel Xeon VM shared with other work: 1,140 ns before the
// hand-off was buffered; BenchmarkMapOrdered), so fn should do tens of
// microseconds of work or wait on I/O; for CPU-bound work over a slice,
// [Map] costs a few nanoseconds per item.
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
		// First of all, once the loop ends: no fn call starts after it,
		// even while seq's cleanup (stop) takes time; the wait for the
		// calls in flight comes after that cleanup, which they may need.
		defer s.drop()
		s.loop(ctx, next, yield)
	}
}

// result is one value's place in the stream's window.
type result[R any] struct {
	r     R
	err   error
	broke bool          // fn panicked or called runtime.Goexit: err is that, not fn's own
	done  chan struct{} // 1-buffered: the worker filled r and err
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
	idle    atomic.Int64 // workers free for a job, less the jobs buffered for them (may be negative)
	// The window: the places of the values handed out and not yet
	// yielded, in input order (a FIFO), and the places yielded, free for
	// reuse. Places are made as values need them, so at most as many as
	// were in flight at once: w bounds them.
	inflight fifo.Slice[*result[R]]
	free     []*result[R]
	w        int // 2×workers, the window's size
	halted   bool
}

// waiting returns how many values were handed out and not yet yielded.
func (s *stream[T, R]) waiting() int { return s.inflight.Len() }

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

// maxBuffered bounds the jobs a stream hands out ahead of its workers, so
// that a large workers costs little up front. Only the workers that finish
// while the consumer's loop body runs take from the buffer, and they are
// few unless the consumer is the slower side, when idle workers cost
// nothing.
const maxBuffered = 64

func newStream[T, R any](ctx context.Context, workers int, fn func(context.Context, T) (R, error)) *stream[T, R] {
	// The jobs channel is buffered, so that workers that finish while the
	// loop's body runs (the caller's code between two values) find their
	// next value waiting: with an unbuffered hand-off they waited for the
	// loop to come back, and a consumer that did 2 ms of work per value
	// over 10 ms calls on 4 workers took 1.3-1.6x the time of full overlap.
	s := &stream[T, R]{fn: fn, workers: workers, jobs: make(chan job[T, R], min(workers, maxBuffered))}
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
//
// Before it yields a result it hands out one value, if it has one or may
// pull one, so that a worker that finishes while the loop's body runs
// (the caller's code between two values) finds its next value in the
// jobs buffer. With an unbuffered hand-off, each worker that finished
// during a body waited for it to end: a consumer that did 2 ms of work
// per value over 10 ms calls on 4 workers took 1.3-1.6x the time of full
// overlap. One value per result, not as many as fit: a source that is
// slow to pull from (it is pulled on this goroutine) would otherwise keep
// ready results from the consumer until the window was full.
func (s *stream[T, R]) loop(ctx context.Context, next func() (T, bool), yield func(R, error) bool) {
	var (
		zero      R
		pending   T    // pulled from seq, not yet handed to a worker
		have      bool // pending is set
		exhausted bool
		w         = s.w
		spot      *result[R] // the place for pending
		done      = ctx.Done()
		gotHead   bool // the oldest value's result is in (its token taken)
		handed    bool // a value was handed out since the last yield
	)
	// handed out: pending is in the buffer, its place in flight.
	sent := func() {
		s.idle.Add(-1)
		s.inflight.Push(spot)
		pending, have, spot, handed = *new(T), false, nil, true
	}
	// handOut hands pending to the workers' buffer, if it has room.
	handOut := func() bool {
		// Start a worker for each value handed out that no free worker
		// will take, up to workers: one for pending, and one for a value
		// in the buffer whose worker called runtime.Goexit.
		if s.idle.Load()-b2i(have) < 0 && s.live.Load() < int64(s.workers) {
			s.spawn()
		}
		if !have {
			return false
		}
		if spot == nil {
			spot = s.place()
		}
		select {
		case s.jobs <- job[T, R]{pending, spot}:
			sent()
			return true
		default:
			return false
		}
	}
	// headIn reports whether the oldest value's result is in.
	headIn := func() bool {
		if !gotHead && s.waiting() > 0 {
			gotHead = isDone(s.inflight.Front().done)
		}
		return gotHead
	}
	for {
		// Once ctx has ended, nothing more is handed out or yielded but
		// the one ctx error. The waits below look at ctx only when they
		// must wait: while results were ready or workers idle, the loop
		// went on calling fn on values it pulled after the end, and
		// yielding their results, ctx errors among them (13 before its
		// own, in an audit).
		if isDone(done) {
			yield(zero, s.ctxEnd(ctx))
			return
		}
		if !headIn() || !handed {
			if !have && !exhausted && s.waiting() < w {
				if v, ok := next(); ok {
					pending, have = v, true
				} else {
					exhausted = true
				}
				if isDone(done) { // ctx may have ended while seq ran
					continue
				}
			}
			if handOut() {
				continue
			}
		}
		if headIn() {
			if isDone(done) { // the result may be fn's reply to ctx's end
				continue
			}
			res := s.inflight.Pop()
			r, err := res.r, res.err
			res.r, res.err, res.broke = zero, nil, false
			s.free = append(s.free, res)
			gotHead, handed = false, false
			if !yield(r, err) {
				return
			}
			continue
		}
		if s.waiting() == 0 && !have { // nothing in flight and nothing to send
			return
		}
		// Wait for room in the buffer, the oldest result, or ctx's end.
		var (
			send chan job[T, R]
			j    job[T, R]
			head chan struct{}
		)
		if have {
			send, j = s.jobs, job[T, R]{pending, spot}
		}
		if s.waiting() > 0 {
			head = s.inflight.Front().done
		}
		p := task.Park(ctx)
		select {
		case send <- j:
			sent()
		case <-head:
			gotHead = true
		case <-done:
		}
		p.Resume()
	}
}

// b2i is 1 for true and 0 for false.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// spawn starts a worker, free for a value: it counts in idle from now,
// not from when it first waits, or the loop would start one per value
// until the first ran.
func (s *stream[T, R]) spawn() {
	s.live.Add(1)
	s.idle.Add(1)
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
				cur.err, cur.broke = task.ErrGoexit, true
				cur.done <- struct{}{}
			}
		}()
		for {
			j, ok := <-s.jobs
			if !ok {
				normal = true
				return
			}
			if s.wctx.Err() != nil { // the loop has ended or is ending: see stop
				s.idle.Add(1)
				continue
			}
			cur = j.res
			cur.r, cur.err, cur.broke = s.call(j.v)
			s.idle.Add(1) // free again before the loop hears of it
			cur.done <- struct{}{}
			cur = nil
		}
	}()
}

func (s *stream[T, R]) call(v T) (r R, err error, broke bool) {
	defer func() {
		if x := recover(); x != nil {
			err, broke = panicError(x), true
		}
	}()
	r, err = s.fn(s.wctx, v)
	return r, err, false
}

// drop cancels the workers' context and drops the values handed out to
// the buffer and not yet taken: fn is not called once the loop has ended.
// A worker that takes a value after the cancel drops it too. halt does it
// again, so that it holds whatever the order of the defers.
func (s *stream[T, R]) drop() {
	s.cancel()
	for len(s.jobs) > 0 {
		select {
		case <-s.jobs:
		default: // a worker took it
		}
	}
}

// halt cancels the workers and waits for them (an await point). It may be
// called twice.
//
// Values handed out to the buffer and not yet taken are dropped: fn is
// not called once the loop has ended. The cancel comes first, and a
// worker that takes a value after it drops it too.
func (s *stream[T, R]) halt(ctx context.Context) {
	if s.halted {
		return
	}
	s.halted = true
	s.drop()
	close(s.jobs)
	p := task.Park(ctx)
	s.wg.Wait()
	p.Resume()
}

// unread returns, and forgets, the panics (and runtime.Goexit calls) of
// the calls whose results were not yielded: calls in flight when the loop
// ended. The workers have ended (halt).
func (s *stream[T, R]) unread() []*task.PanicError {
	var out []*task.PanicError
	for _, res := range s.inflight.Live() {
		var pe *task.PanicError
		switch {
		case !res.broke: // fn's own error, even one that holds another task's panic: not this call's
		case errors.As(res.err, &pe):
			out = append(out, pe)
		default: // runtime.Goexit
			out = append(out, &task.PanicError{Value: task.ErrGoexit})
		}
		res.err, res.broke = nil, false
	}
	return out
}

// stop ends the stream: it halts the workers, reports the panics of calls
// whose results nobody will read (the loop was broken out of) with
// task.ReportPanic, so that none is lost, and closes the group that hides
// the caller's slot.
func (s *stream[T, R]) stop(ctx context.Context) {
	if s.g != nil {
		defer s.g.Close() // even if the OnUnobservedPanic function panics
	}
	s.halt(ctx)
	for _, pe := range s.unread() {
		task.ReportPanic(pe)
	}
}

// ctxEnd returns the error the loop yields when ctx has ended: ctx's, joined
// with the panics of the calls in flight then, once they have returned,
// so that none is lost (errors.As finds the first *task.PanicError).
func (s *stream[T, R]) ctxEnd(ctx context.Context) error {
	s.halt(ctx)
	errs := []error{ctxError(ctx)}
	for _, pe := range s.unread() {
		errs = append(errs, pe)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
