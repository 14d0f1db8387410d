package task

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is the error of a task submitted to a Group after Close.
var ErrClosed = errors.New("task: group closed")

// GroupOption configures a [Group].
type GroupOption func(*groupConfig)

type groupConfig struct {
	limit    int
	failFast bool
}

// Limit bounds how many of the group's tasks run at once. [Group.Go] blocks
// for a place and [Group.TryGo] refuses when there is none. Limit panics if
// n is not positive.
func Limit(n int) GroupOption {
	if n <= 0 {
		panic(fmt.Sprintf("task: Limit(%d): limit must be positive", n))
	}
	return func(c *groupConfig) { c.limit = n }
}

// FailFast makes the first failing task (an error or a panic) cancel the
// group's context: running tasks see it, and tasks submitted after it fail
// at once without running.
func FailFast() GroupOption { return func(c *groupConfig) { c.failFast = true } }

// Group runs many tasks of one type and collects their results: tokio's
// JoinSet. Results come in completion order from [Group.Next] and in
// submission order from [Group.Wait]. Every task runs under the group's
// context, a child of the context given to NewGroup, which [Group.Close]
// cancels.
//
// Tasks run on goroutines the group reuses: a goroutine that ends a task
// takes the next one submitted, so a busy group starts few goroutines.
// Idle ones end when Wait returns, when Next has returned every result,
// and at Close.
//
// Call Close when done with a group (defer g.Close()): it cancels what is
// still running, fails submitters blocked on the limit, and waits for every
// task and goroutine of the group to end, so nothing outlives the group.
type Group[T any] struct {
	ctx      taskCtx       // the group's context: the parent of every task's
	sem      chan struct{} // places under the limit; nil without one
	failFast bool
	closing  chan struct{}

	// Tasks run on worker goroutines that the group reuses: a worker that
	// ends a task waits on work for the next, until work is closed. work is
	// unbuffered, so a job goes to a worker that is idle right now or to a
	// new one; the limit is kept by sem, not by the number of workers.
	// Sends and the close happen under mu; retiring replaces the channel.
	work    chan Job
	workers sync.WaitGroup

	mu      sync.Mutex
	results chunked[outcome[T]] // by submission index
	ended   chunked[int]        // submission indices in completion order, for Next
	yielded int                 // how many of ended Next has returned
	pending int                 // submitted and not ended
	idle    chan struct{}
	ready   chan struct{} // 1-buffered: a task ended (for Next)
	closed  bool
}

type outcome[T any] struct {
	val T
	err error
}

// chunked is an append-only list that grows without copying once it is
// large: the first chunk grows by append, like a slice, up to chunkSize
// elements (a small group stays small); later chunks are fixed blocks, so a
// group of millions never copies its results.
type chunked[E any] struct {
	chunks [][]E
	n      int
}

const chunkSize = 1024

func (c *chunked[E]) push(e E) int {
	i := c.n
	switch {
	case i < chunkSize:
		if i == 0 {
			c.chunks = append(c.chunks, make([]E, 0, 8))
		}
		c.chunks[0] = append(c.chunks[0], e)
	default:
		if i%chunkSize == 0 {
			c.chunks = append(c.chunks, make([]E, chunkSize))
		}
		c.chunks[i/chunkSize][i%chunkSize] = e
	}
	c.n++
	return i
}

func (c *chunked[E]) at(i int) *E { return &c.chunks[i/chunkSize][i%chunkSize] }

// NewGroup returns a group whose tasks run under a child of ctx.
func NewGroup[T any](ctx context.Context, opts ...GroupOption) *Group[T] {
	var c groupConfig
	for _, o := range opts {
		o(&c)
	}
	g := &Group[T]{
		failFast: c.failFast,
		closing:  make(chan struct{}),
		ready:    make(chan struct{}, 1),
		work:     make(chan Job),
	}
	if c.limit > 0 {
		g.sem = make(chan struct{}, c.limit)
	}
	g.ctx.init(ctx, nil)
	return g
}

// Context returns the group's context. It is done once the group is closed,
// its parent is done, or (with FailFast) a task failed.
func (g *Group[T]) Context() context.Context { return &g.ctx }

// Go starts fn as one of the group's tasks and returns it. If the group has
// a limit and it is reached, Go waits for a place (an await point); if ctx
// is done or the group is closed first, the returned task has already failed
// with that error and fn never runs. Either way the task counts in the
// group's results.
//
// Go costs one allocation of its own (the 208 B Task) and no goroutine
// when an idle worker of the group can take fn (BenchmarkGroup).
func (g *Group[T]) Go(ctx context.Context, fn func(context.Context) (T, error)) *Task[T] {
	if g.sem != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			p := Park(ctx)
			select {
			case g.sem <- struct{}{}:
				p.Resume()
			case <-ctx.Done():
				p.Resume()
				return g.refuse(ctxError("group go", ctx))
			case <-g.closing:
				p.Resume()
				return g.refuse(ErrClosed)
			}
		}
	}
	return g.start(fn)
}

// TryGo starts fn if the group is under its limit, and reports whether it did.
func (g *Group[T]) TryGo(fn func(context.Context) (T, error)) (*Task[T], bool) {
	if g.sem != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			return nil, false
		}
	}
	return g.start(fn), true
}

// start runs fn holding a place (if the group has a limit).
func (g *Group[T]) start(fn func(context.Context) (T, error)) *Task[T] {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		g.release()
		return g.refuse(ErrClosed)
	}
	if g.failFast && g.ctx.Err() != nil {
		g.release()
		return g.refuse(fmt.Errorf("task: group failed: %w", g.ctx.causeErr()))
	}
	t, j := Prepare(&g.ctx, fn)
	if j == nil { // fn was nil: t has failed already
		g.release()
		return g.track(t)
	}
	g.mu.Lock()
	t.idx = g.results.push(outcome[T]{})
	g.pending++
	t.group = g // t has not run: the hand-off below publishes this
	spawn := false
	select {
	case g.work <- j: // an idle worker took it
	default:
		spawn = true
		g.workers.Add(1)
	}
	work := g.work
	g.mu.Unlock()
	if spawn {
		go g.worker(j, work)
	}
	return t
}

// worker runs j, then every job handed to it on work, until work is
// closed. A job that calls runtime.Goexit ends the worker.
func (g *Group[T]) worker(j Job, work <-chan Job) {
	defer g.workers.Done()
	for ok := true; ok; j, ok = <-work {
		j.Run()
	}
}

// retire ends the workers that are idle now; later tasks start new ones.
func (g *Group[T]) retire() {
	g.mu.Lock()
	close(g.work)
	g.work = make(chan Job)
	g.mu.Unlock()
}

// track records t. A task that has ended already (refused, or nil fn)
// holds no place under the limit.
func (g *Group[T]) track(t *Task[T]) *Task[T] {
	g.mu.Lock()
	t.idx = g.results.push(outcome[T]{})
	g.pending++
	g.mu.Unlock()
	// Set group last: finish reads it after publishing, and an ended task
	// is reported here instead.
	t.ctx.mu.Lock()
	ended := t.finished()
	if !ended {
		t.group = g
	}
	t.ctx.mu.Unlock()
	if ended {
		g.record(t)
	}
	return t
}

func (g *Group[T]) refuse(err error) *Task[T] { return g.track(Failed[T](err)) }

func (g *Group[T]) release() {
	if g.sem != nil {
		<-g.sem
	}
}

// taskDone is called by a group task once its result is published.
func (g *Group[T]) taskDone(t *Task[T]) {
	g.release()
	g.record(t)
}

func (g *Group[T]) record(t *Task[T]) {
	g.mu.Lock()
	*g.results.at(t.idx) = outcome[T]{t.val, t.err}
	g.ended.push(t.idx)
	g.pending--
	if g.pending == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
	failed := g.failFast && t.err != nil
	g.mu.Unlock()
	select {
	case g.ready <- struct{}{}:
	default:
	}
	if failed {
		g.ctx.cancel(context.Canceled, fmt.Errorf("task: group failed: %w", t.err))
	}
}

// Next returns the result of the next task to end, in completion order,
// waiting if none has (an await point). ok is false when there is no result
// to return: err is nil if every submitted task has been returned already,
// or a wrapped ctx error if ctx was done first.
func (g *Group[T]) Next(ctx context.Context) (v T, err error, ok bool) {
	for {
		g.mu.Lock()
		if g.yielded < g.ended.n {
			o := *g.results.at(*g.ended.at(g.yielded))
			g.yielded++
			g.mu.Unlock()
			return o.val, o.err, true
		}
		left := g.pending
		g.mu.Unlock()
		if left == 0 {
			g.retire()
			return v, nil, false
		}
		p := Park(ctx)
		select {
		case <-g.ready:
			p.Resume()
		case <-ctx.Done():
			p.Resume()
			return v, ctxError("group next", ctx), false
		}
	}
}

// Wait waits until every task submitted so far has ended (an await point)
// and returns all values in submission order (zero for tasks that failed),
// with every error joined in submission order. If ctx is done first, Wait returns a wrapped ctx error
// and the tasks go on; Close stops them.
func (g *Group[T]) Wait(ctx context.Context) ([]T, error) {
	g.mu.Lock()
	if g.pending > 0 {
		if g.idle == nil {
			g.idle = make(chan struct{})
		}
		idle := g.idle
		g.mu.Unlock()
		p := Park(ctx)
		select {
		case <-idle:
			p.Resume()
		case <-ctx.Done():
			p.Resume()
			return nil, ctxError("group wait", ctx)
		}
		g.mu.Lock()
	}
	defer g.retire()
	defer g.mu.Unlock()
	vals := make([]T, g.results.n)
	var errs []error
	for i := range vals {
		o := g.results.at(i)
		if o.err != nil {
			errs = append(errs, o.err)
		} else {
			vals[i] = o.val
		}
	}
	return vals, errors.Join(errs...)
}

// Close cancels the group's context, fails every submitter still blocked
// on the limit with ErrClosed, and waits for all tasks to return. Tasks
// submitted after Close fail with ErrClosed. Close may be called more than
// once.
func (g *Group[T]) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.closing)
	}
	g.mu.Unlock()
	g.ctx.cancel(context.Canceled, ErrClosed)
	for {
		g.mu.Lock()
		if g.pending == 0 {
			g.mu.Unlock()
			g.retire()
			g.workers.Wait()
			return
		}
		if g.idle == nil {
			g.idle = make(chan struct{})
		}
		idle := g.idle
		g.mu.Unlock()
		<-idle
	}
}
