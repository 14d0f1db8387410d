package chans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/fifo"
	"github.com/spool-go/spool/internal/frames"
	"github.com/spool-go/spool/internal/wait"
	"github.com/spool-go/spool/task"
)

// Pipeline owns the goroutines of a chain of stages (see [Stage]) and of
// the sources started with [Pipeline.Go], and collects their failure: the
// first error returned by a stage's function or a source, or a panic in
// one as a *task.PanicError, cancels the pipeline's context so every stage
// stops, and [Pipeline.Wait] and [Pipeline.Close] return it. With several
// failures, the first by time is returned (not the earliest input), and
// every panic or runtime.Goexit that comes after it is joined to it with
// errors.Join (errors.Is and errors.As see them all): a panic is never
// swallowed. Nothing else is: a stage whose function fails delivers no
// value for that input, and the pipeline fails. A failure counts whenever
// it happens until Close returns, including after the last stage's output
// was drained (a source that returns its error after its deferred close,
// say). A function that stops because its context is done should return
// that context's error, its cause, or an error wrapping either: that is
// no failure; any other error is one, even if Close caused it.
//
// Stages run under the pipeline's context, a child of the context given to
// NewPipeline that carries no runtime slot (functions run on the stages'
// goroutines, not the caller's). Call Close when done (defer p.Close()): it
// cancels what is still running and waits for every goroutine, which a
// consumer that stops reading early needs.
//
// To stop early, break out of the loop over the last stage and call Close,
// not Wait: stages blocked sending to a channel that nobody reads any more
// wait for the pipeline's context, which only Close (or the parent
// context) ends, so a Wait before Close never returns. Close then returns
// nil unless something failed or the parent context ended first.
//
// The zero Pipeline is ready to use, as one made by
// NewPipeline(context.Background()).
type Pipeline struct {
	once   sync.Once       // readies a zero Pipeline (see ready)
	ctx    context.Context // the stages' context: without the caller's slot
	cancel context.CancelCauseFunc
	parent context.Context       // for its cause, should it end the pipeline
	g      *task.Group[struct{}] // hides the caller's runtime slot, if any

	mu       sync.Mutex
	err      error // the first failure, and panics and Goexits after it, joined
	cut      bool  // a stage stopped because the context was done
	closed   bool
	running  int           // goroutines started and not ended
	insiders int           // goroutines of p waiting in Close or Wait (see waitIdle)
	idle     chan struct{} // closed when running drops to insiders; nil if nobody waits
}

// NewPipeline returns an empty pipeline running under a child of ctx. A nil
// ctx makes it panic at once: "chans: NewPipeline: nil context".
//
// Creating a pipeline, running a one-worker stage over an empty input and
// closing it costs about 0.83 µs and 9 allocations (BenchmarkPipeline).
func NewPipeline(ctx context.Context) *Pipeline {
	if ctx == nil {
		panic("chans: NewPipeline: nil context")
	}
	p := &Pipeline{parent: ctx}
	base := ctx
	if task.ContextSlot(ctx) != nil {
		// Functions run on the stages' goroutines: they must not park with
		// the caller's slot. A group's context hides it.
		p.g = task.NewGroup[struct{}](ctx)
		base = p.g.Context()
	}
	p.ctx, p.cancel = context.WithCancelCause(base)
	return p
}

// Context returns the pipeline's context: done when the pipeline fails, is
// closed, or its parent is done. Sources feeding the first stage should
// stop when it is done.
func (p *Pipeline) Context() context.Context {
	p.ready()
	return p.ctx
}

// ready makes a zero Pipeline what NewPipeline(context.Background())
// makes. Every entry point calls it first (one atomic load once done).
func (p *Pipeline) ready() {
	p.once.Do(func() {
		if p.ctx == nil {
			p.parent = context.Background()
			p.ctx, p.cancel = context.WithCancelCause(p.parent)
		}
	})
}

// fail records err as the pipeline's failure if it is the first, or
// keeps it to join to the first if it is a panic or a Goexit, and cancels
// the pipeline. An error that only says the pipeline's context is done (a
// stage or source that honours its context returns ctx.Err(), or its
// cause) is no failure: the pipeline stopped, and Wait reports why (Close,
// or the parent's end). A panic is always a failure, whatever its value.
// Failures count until Close returns (after it no goroutine of p is left
// to fail).
func (p *Pipeline) fail(err error) {
	bug := isBug(err)
	if !bug {
		if cerr := p.ctx.Err(); cerr != nil && (errors.Is(err, cerr) || errors.Is(err, context.Cause(p.ctx))) {
			p.stopped()
			return
		}
	}
	p.mu.Lock()
	switch {
	case p.err == nil:
		p.err = err
	case bug:
		p.err = errors.Join(p.err, err)
	}
	p.mu.Unlock()
	p.cancel(err)
}

// isBug reports whether err is a panic or a runtime.Goexit: never the
// effect of another failure, so never dropped.
func isBug(err error) bool {
	var pe *task.PanicError
	return errors.As(err, &pe) || errors.Is(err, task.ErrGoexit)
}

func (p *Pipeline) stopped() {
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
}

// start runs fn on a goroutine of the pipeline. It reports false, without
// running fn, after Close.
func (p *Pipeline) start(fn func(ctx context.Context)) bool {
	p.ready()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	p.running++
	p.mu.Unlock()
	go p.body(fn)
	return true
}

// body runs fn as one of p's goroutines. It is a method, and not inlined,
// so that a traceback names p in its frame: see inside.
//
//go:noinline
func (p *Pipeline) body(fn func(ctx context.Context)) {
	normal := false
	defer func() {
		if !normal {
			if v := recover(); v != nil { // not from fn: call recovers those
				p.fail(&task.PanicError{Value: v, Stack: debug.Stack()})
			} else { // fn called runtime.Goexit
				p.fail(task.ErrGoexit)
			}
			p.ended()
		}
	}()
	fn(p.ctx)
	normal = true
	p.ended() // here, not deferred: p is live across fn, so its frame shows it
}

// ended counts a goroutine of p out.
func (p *Pipeline) ended() {
	p.mu.Lock()
	p.running--
	p.wakeLocked()
	p.mu.Unlock()
}

// wakeLocked wakes the waiters of Wait and Close once the goroutines left
// are no more than those of p waiting in them (insiders): 0, unless a
// stage's function called Close or Wait.
func (p *Pipeline) wakeLocked() {
	if p.running <= p.insiders && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// bodyFrame is the name tracebacks give body.
var bodyFrame = sync.OnceValue(func() string { return frames.Name((*Pipeline).body) })

// inside reports whether the caller runs on one of p's goroutines.
func (p *Pipeline) inside() bool { return frames.Has(bodyFrame(), reflect.ValueOf(p).Pointer()) }

// waitIdle waits until p's goroutines have ended, or until ctx ends (it
// then returns ctx's error). Called from one of them, it waits for the
// others: once it has waited frames.StallAfter it looks whether it is
// one (reading its stack, 3-6 µs), and
// from then on counts itself among the insiders that wakeLocked spares.
func (p *Pipeline) waitIdle(ctx context.Context) error {
	var (
		pk      task.Parked
		parked  bool
		stalled <-chan time.Time
		looked  bool // at the caller's stack, once
		me      bool
	)
	defer func() {
		if parked {
			pk.Resume()
		}
		if me {
			p.mu.Lock()
			p.insiders--
			p.mu.Unlock()
		}
	}()
	for {
		p.mu.Lock()
		if p.running == 0 || me && p.running <= p.insiders {
			p.mu.Unlock()
			return nil
		}
		if p.idle == nil {
			p.idle = make(chan struct{})
		}
		idle := p.idle
		p.mu.Unlock()
		if !parked {
			pk, parked = task.Park(ctx), true
		}
		if !looked && stalled == nil {
			tm := time.NewTimer(frames.StallAfter)
			defer tm.Stop() // once: looked or stalled stays set
			stalled = tm.C
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		case <-stalled:
			stalled, looked = nil, true
			if p.inside() {
				me = true
				p.mu.Lock()
				p.insiders++
				p.wakeLocked()
				p.mu.Unlock()
			}
		}
	}
}

// Go runs fn on a goroutine owned by the pipeline, typically a source that
// sends into the first stage until ctx is done: an error it returns, or a
// panic (as a *task.PanicError), fails the pipeline, even if it comes
// after fn closed its channel and the consumer drained the pipeline. fn
// may return nil or ctx's error when it stops because ctx is done: neither
// is a failure. Go does nothing after Close. Having no error result, Go
// panics at once on a nil fn, closed pipeline or not: "chans: Pipeline.Go:
// fn must not be nil (got nil)".
func (p *Pipeline) Go(fn func(ctx context.Context) error) {
	if fn == nil {
		panic("chans: Pipeline.Go: fn must not be nil (got nil)")
	}
	p.start(func(ctx context.Context) {
		if _, err := call(ctx, func(ctx context.Context, _ struct{}) (struct{}, error) {
			return struct{}{}, fn(ctx)
		}, struct{}{}); err != nil {
			p.fail(err)
		}
	})
}

// Wait waits until every goroutine of the pipeline has ended (an await
// point) and returns the pipeline's failure (see [Pipeline]); if there was
// none but a stage stopped early because the pipeline's context was done
// (its parent ended, or Close), it returns a wrapped context error, which
// wraps ErrClosed if Close stopped it. If ctx is done first, Wait returns a
// wrapped ctx error and the stages go on.
//
// Wait is for a pipeline that runs to its end: after breaking out of the
// loop over the last stage, call Close, not Wait (see [Pipeline]). A nil
// ctx makes Wait panic at once: "chans: Pipeline.Wait: nil context".
func (p *Pipeline) Wait(ctx context.Context) error {
	if ctx == nil {
		panic("chans: Pipeline.Wait: nil context")
	}
	p.ready()
	if err := p.waitIdle(ctx); err != nil {
		return ctxError("pipeline wait", ctx)
	}
	return p.result(false)
}

// result returns the pipeline's failure, or why it was cut short: for
// Close (byClose), a stop of Close's own is no error.
func (p *Pipeline) result(byClose bool) error {
	p.mu.Lock()
	err, cut := p.err, p.cut
	p.mu.Unlock()
	switch {
	case err != nil:
		return err
	case !cut:
		return nil
	case p.parent.Err() != nil: // it may have come first: say so
		return ctxError("pipeline", p.parent)
	case byClose: // p.ctx was cancelled by Close, the only cause left
		return nil
	}
	return ctxError("pipeline", p.ctx)
}

// Close cancels the pipeline, waits for all of its goroutines to end, and
// returns the pipeline's failure (see [Pipeline]): one reported while
// Close waits counts too. A pipeline that Close stopped before its input
// was exhausted (a consumer that broke out of its loop) is no failure:
// Close returns nil then, while Wait, called after it or on another
// goroutine, returns an error wrapping ErrClosed. If the parent context
// ended and a stage stopped for it, Close returns a wrapped context error,
// as Wait does. Stages added after Close return a closed channel. Close
// may be called more than once.
//
// A stage's function or a source may call Close to stop the pipeline (it
// has seen enough). Close cannot wait for its caller: it waits for every
// other goroutine of the pipeline, and returns while its caller's goroutine
// goes on to its end (a later Close or Wait waits for that). It tells its
// caller is one of the pipeline's by reading the caller's stack once it has
// waited 50 ms, so such a Close takes 50 ms at least. Wait, called so,
// does the same.
func (p *Pipeline) Close() error {
	p.ready()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel(ErrClosed)
	_ = p.waitIdle(context.Background()) // cannot fail: the context never ends
	if p.g != nil {
		p.g.Close()
	}
	return p.result(true)
}

// StageOption configures [Stage]. A nil StageOption makes Stage panic.
type StageOption func(*stageConfig)

type stageConfig struct{ ordered bool }

// Ordered makes a stage send its results in the order of its inputs. A
// result that is ready waits for those before it, up to 2×workers results
// in flight; a slow input then holds the others back. The window's slots
// are made as values need them and reused, not 2×workers of them up front.
func Ordered() StageOption { return func(c *stageConfig) { c.ordered = true } }

// Stage runs fn on every value of in with up to workers goroutines and
// sends the results on the returned channel: one stage of a pipeline (feed
// its output to the next Stage). Results come in completion order unless
// the [Ordered] option is given. fn returning [ErrSkip] drops its input:
// no result is sent for it, and nothing fails (a filter).
//
// The returned channel is closed once in is closed and every result has
// been received, or once the pipeline's context is done. The stage's
// goroutines belong to p and end then; p.Wait waits for them. Any other
// error from fn, or a panic in it (as a *task.PanicError), fails the
// pipeline: every stage stops and p.Wait returns it. A Stage added to a
// closed pipeline, or given a nil in, returns a closed channel.
//
// Workers are started as values come: a stage starts one goroutine at
// once (two with Ordered: one reads in, one sends the results), and one
// more worker whenever a value finds none free, up to workers. A large
// workers thus costs nothing up front: a stage runs as many workers as it
// had values in flight at once. (Every worker started on a goroutine up
// front, 200,000 for a workers of 200,000 over an empty input, and with
// Ordered a workers over math.MaxInt/2 overflowed the window: a runtime
// panic.)
//
// Having no error result, Stage panics at once on bad input, closed
// pipeline or not, naming it: a nil p, a workers below 1 ("chans: Stage:
// workers must be positive (got 0)"), a nil fn ("chans: Stage: fn must not
// be nil (got nil)") or a nil option ("chans: Stage: option must not be
// nil (got nil at index 0)").
//
// A stage with 4 workers passes a value in about 360 ns, 850 ns with
// Ordered, on 2 cores (BenchmarkStage, AMD EPYC; see the package doc).
// Starting the workers as values come changed neither beyond the noise
// (6 alternated runs on a 2-core Intel Xeon VM: 1,122 ns ±24% before,
// 970 ns ±20% after, p=0.46; Ordered 1.99 µs ±19%, 2.04 µs ±15%, p=1.0)
// and took an allocation or more off each stage (17 for 1,024 values
// through 4 workers, 41-42 with Ordered, whose slots are made as needed).
func Stage[In, Out any](p *Pipeline, in <-chan In, workers int, fn func(context.Context, In) (Out, error), opts ...StageOption) <-chan Out {
	switch {
	case p == nil:
		panic("chans: Stage: p must not be nil (got nil)")
	case workers <= 0:
		panic(fmt.Sprintf("chans: Stage: workers must be positive (got %d)", workers))
	case fn == nil:
		panic("chans: Stage: fn must not be nil (got nil)")
	}
	var c stageConfig
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("chans: Stage: option must not be nil (got nil at index %d)", i))
		}
		o(&c)
	}
	p.ready()
	out := make(chan Out)
	if in == nil {
		close(out)
		return out
	}
	if c.ordered && workers > 1 {
		orderedStage(p, in, workers, fn, out)
	} else {
		unorderedStage(p, in, workers, fn, out)
	}
	return out
}

// stageIO is what a stage works with: its pipeline, input, function and
// output, and the pipeline's Done channel.
type stageIO[In, Out any] struct {
	p    *Pipeline
	in   <-chan In
	fn   func(context.Context, In) (Out, error)
	out  chan Out
	done <-chan struct{}
}

// unordered is a stage that sends results in completion order. Its
// workers are started as values come: one waits for in from the start, and
// a worker that takes a value when no other waits for in starts one that
// will, up to workers, so a large workers costs nothing up front.
type unordered[In, Out any] struct {
	stageIO[In, Out]
	workers int64
	started atomic.Int64 // workers started, at most workers
	left    atomic.Int64 // workers started and not ended: the last closes out
	idle    atomic.Int64 // workers waiting for in, or started and about to
}

func unorderedStage[In, Out any](p *Pipeline, in <-chan In, workers int, fn func(context.Context, In) (Out, error), out chan Out) {
	s := &unordered[In, Out]{stageIO: stageIO[In, Out]{p, in, fn, out, p.ctx.Done()}, workers: int64(workers)}
	s.spawn()
}

// spawn starts a worker, unless workers have been started. The worker
// counts as idle from now, not from when it first waits for in.
func (s *unordered[In, Out]) spawn() {
	for n := s.started.Load(); n < s.workers; n = s.started.Load() {
		if !s.started.CompareAndSwap(n, n+1) {
			continue
		}
		s.left.Add(1)
		s.idle.Add(1)
		if !s.p.start(s.work) {
			s.exit()
		}
		return
	}
}

// exit counts a worker out; the last one closes out.
func (s *unordered[In, Out]) exit() {
	if s.left.Add(-1) == 0 {
		close(s.out)
	}
}

// receive returns in's next value, or false once in is closed or the
// pipeline's context is done (then counted as a stop: see stopped).
func receive[In any](p *Pipeline, in <-chan In, done <-chan struct{}) (v In, ok bool) {
	select {
	case v, ok = <-in:
		return v, ok
	case <-done:
		p.stopped()
		return v, false
	}
}

func (s *unordered[In, Out]) work(ctx context.Context) {
	defer s.exit()
	for {
		v, ok := receive(s.p, s.in, s.done)
		if !ok {
			return
		}
		if s.idle.Add(-1) == 0 { // nobody waits for in now: start one who will
			s.spawn()
		}
		r, err := call(ctx, s.fn, v)
		if err != nil && err != ErrSkip {
			s.p.fail(err)
			return
		}
		if err == nil {
			select {
			case s.out <- r:
			case <-s.done:
				s.p.stopped()
				return
			}
		}
		s.idle.Add(1)
	}
}

// slot is one input of an ordered stage: a worker fills it and signals
// done; the collector waits for the slots in input order.
type slot[Out any] struct {
	r    Out
	err  error
	done chan struct{} // 1-buffered
}

type job[In, Out any] struct {
	v In
	s *slot[Out]
}

// ordered is a stage that sends results in input order. Its dispatcher
// reads in, takes a slot for each value and queues it in input order,
// then hands the value and its slot to a worker; the collector waits for
// the queued slots in turn, sends their results and frees them. At most
// size slots are taken at once (the window). Slots are made as values
// need them and reused once freed, and workers are started when a value
// finds none free, up to workers: a large workers costs nothing up front.
type ordered[In, Out any] struct {
	stageIO[In, Out]
	jobs    chan job[In, Out]
	workers int          // the dispatcher's alone
	started int          // the dispatcher's alone
	idle    atomic.Int64 // workers free for a job, or started and about to be

	mu    sync.Mutex
	queue fifo.Slice[*slot[Out]] // taken, in input order
	free  []*slot[Out]
	held  int  // slots taken and not freed yet, at most size
	size  int  // 2×workers (math.MaxInt if that overflows)
	ended bool // the dispatcher queues no more slots
	dWait bool // the dispatcher waits for room: wake it on room
	cWait bool // the collector waits for a slot: wake it on more
	room  chan struct{}
	more  chan struct{}
}

func orderedStage[In, Out any](p *Pipeline, in <-chan In, workers int, fn func(context.Context, In) (Out, error), out chan Out) {
	s := &ordered[In, Out]{
		stageIO: stageIO[In, Out]{p, in, fn, out, p.ctx.Done()},
		jobs:    make(chan job[In, Out]),
		workers: workers,
		size:    2 * workers,
		room:    make(chan struct{}, 1),
		more:    make(chan struct{}, 1),
	}
	if workers > math.MaxInt/2 {
		s.size = math.MaxInt
	}
	if !p.start(s.dispatch) {
		close(out)
		return
	}
	if !p.start(s.collect) {
		close(out)
	}
}

// dispatch numbers the inputs by queueing a slot for each, and hands them
// to the workers.
func (s *ordered[In, Out]) dispatch(ctx context.Context) {
	defer s.end()
	for {
		v, ok := receive(s.p, s.in, s.done)
		if !ok {
			return
		}
		sl := s.take()
		if sl == nil {
			s.p.stopped()
			return
		}
		if s.idle.Load() <= 0 && s.started < s.workers {
			s.started++
			s.idle.Add(1)
			s.p.start(s.work) // after Close, done is closed: the send below sees it
		}
		select {
		case s.jobs <- job[In, Out]{v, sl}:
			s.idle.Add(-1)
		case <-s.done:
			s.p.stopped()
			return
		}
	}
}

// take queues a slot, a free one or a new one, once fewer than size are
// taken. It returns nil if the pipeline's context is done first.
func (s *ordered[In, Out]) take() *slot[Out] {
	for {
		s.mu.Lock()
		if s.held < s.size {
			s.held++
			var sl *slot[Out]
			if n := len(s.free); n > 0 {
				sl = s.free[n-1]
				s.free[n-1] = nil
				s.free = s.free[:n-1]
			} else {
				sl = &slot[Out]{done: make(chan struct{}, 1)}
			}
			s.queue.Push(sl)
			w := s.cWait
			s.cWait = false
			s.mu.Unlock()
			if w {
				wait.Wake(s.more)
			}
			return sl
		}
		s.dWait = true
		s.mu.Unlock()
		select {
		case <-s.room:
		case <-s.done:
			return nil
		}
	}
}

// end tells the workers and the collector that no slot comes any more.
func (s *ordered[In, Out]) end() {
	close(s.jobs)
	s.mu.Lock()
	s.ended = true
	w := s.cWait
	s.cWait = false
	s.mu.Unlock()
	if w {
		wait.Wake(s.more)
	}
}

// next returns the oldest queued slot; nil once the dispatcher ended and
// the queue is empty, or the pipeline's context is done (stopped is then
// true).
func (s *ordered[In, Out]) next() (sl *slot[Out], stopped bool) {
	for {
		s.mu.Lock()
		if s.queue.Len() > 0 {
			sl = s.queue.Pop()
			s.mu.Unlock()
			return sl, false
		}
		if s.ended {
			s.mu.Unlock()
			return nil, false
		}
		s.cWait = true
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-s.done:
			return nil, true
		}
	}
}

// release frees a slot whose result the collector has taken.
func (s *ordered[In, Out]) release(sl *slot[Out]) {
	s.mu.Lock()
	s.free = append(s.free, sl)
	s.held--
	w := s.dWait
	s.dWait = false
	s.mu.Unlock()
	if w {
		wait.Wake(s.room)
	}
}

func (s *ordered[In, Out]) work(ctx context.Context) {
	for j := range s.jobs {
		r, err := call(ctx, s.fn, j.v)
		if err != nil && err != ErrSkip {
			// Before the slot is handed over: the collector then closes
			// out, and the consumer may Close at once.
			s.p.fail(err)
		}
		j.s.r, j.s.err = r, err
		s.idle.Add(1)          // free for the next job
		j.s.done <- struct{}{} // the slot is the collector's from here
	}
}

// collect sends the results in input order.
func (s *ordered[In, Out]) collect(ctx context.Context) {
	defer close(s.out)
	var zero Out
	for {
		sl, stopped := s.next()
		if sl == nil {
			if stopped {
				s.p.stopped()
			}
			return
		}
		select {
		case <-sl.done:
		case <-s.done:
			s.p.stopped()
			return
		}
		r, err := sl.r, sl.err
		sl.r, sl.err = zero, nil
		if err != nil && err != ErrSkip {
			return // the worker failed the pipeline
		}
		s.release(sl)
		if err == ErrSkip {
			continue
		}
		select {
		case s.out <- r:
		case <-s.done:
			s.p.stopped()
			return
		}
	}
}
