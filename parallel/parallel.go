package parallel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/task"
)

// ErrInvalid is matched (errors.Is) by the error [Map], [ForEach],
// [Reduce] and [MapReduce] return, without calling any function, for bad
// input: a bad option value, a nil option or a nil function. Its text
// names the option or argument and the value, as in "parallel:
// Workers(0): must be positive". Options never panic: a bad value is
// recorded and reported by the function it is given to. Every bad option
// and argument of a call is reported, joined with errors.Join. A nil
// function matches task.ErrNilFunc too, and [KeepGoing] given to Reduce
// or MapReduce [ErrUnsupported]. Other bad input panics: that of
// [MapOrdered], which has no error result, and a nil context anywhere, as
// in "parallel: Map: nil context".
var ErrInvalid = errors.New("parallel: invalid option or argument")

// ErrUnsupported is matched by the error [Reduce] and [MapReduce] return,
// without calling any function, when given an option that applies to
// [Map] and [ForEach] only ([KeepGoing]), as in "parallel: KeepGoing():
// not supported by Reduce (only by Map and ForEach)". It matches
// [ErrInvalid] too.
var ErrUnsupported error = &invalidError{msg: "parallel: unsupported option"}

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid and, if set, also.
type invalidError struct {
	msg  string
	also error // task.ErrNilFunc, ErrUnsupported, or nil
}

func (e *invalidError) Error() string { return e.msg }

func (e *invalidError) Unwrap() []error {
	if e.also == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.also}
}

// nilFunc returns the error of a nil function argument arg of op.
func nilFunc(op, arg string) error {
	return &invalidError{msg: "parallel: " + op + ": " + arg + " must not be nil (got nil)", also: task.ErrNilFunc}
}

// ItemError is the error of [Map] or [ForEach] when fn failed on one item:
// it says which, and unwraps to fn's error (a *task.PanicError if fn
// panicked). With [KeepGoing], there is one per failed item, joined.
type ItemError struct {
	Index int   // the item's index in the input slice
	Err   error // what fn returned
}

// Error reads "parallel: item N: " and fn's error.
func (e *ItemError) Error() string { return fmt.Sprintf("parallel: item %d: %v", e.Index, e.Err) }

// Unwrap returns fn's error.
func (e *ItemError) Unwrap() error { return e.Err }

// ChunkError is the error of [MapReduce] or [Reduce] when a function
// failed on a chunk: it says which, and unwraps to the function's error (a
// *task.PanicError if it panicked).
type ChunkError struct {
	Start, End int   // the chunk is in[Start:End]
	Err        error // what the function returned
}

// Error reads "parallel: chunk [start:end]: " and the function's error.
func (e *ChunkError) Error() string {
	return fmt.Sprintf("parallel: chunk [%d:%d]: %v", e.Start, e.End, e.Err)
}

// Unwrap returns the function's error.
func (e *ChunkError) Unwrap() error { return e.Err }

// Option configures Map, ForEach, Reduce and MapReduce. An Option never
// panics: a bad value, or a nil Option, makes the function it is given to
// return an error matching [ErrInvalid] without calling anything.
type Option func(*config)

// config is kept SSA-able (at most 4 fields and 32 bytes), so the
// compiler holds it in registers: one of 5 fields made Map about 8 ns
// slower, copied through memory with store-forwarding stalls
// (BenchmarkMapOverhead, 1 item: 87 ns against 80).
type config struct {
	workers   int // as given, or GOMAXPROCS; at most workersPerProc × GOMAXPROCS
	chunk     int
	keepGoing bool
	errs      *[]error // bad input, for the function to return; nil if none
}

// bad records an error of bad input.
func (c *config) bad(format string, args ...any) {
	c.fail(&invalidError{msg: "parallel: " + fmt.Sprintf(format, args...)})
}

// fail records err, an error of bad input.
func (c *config) fail(err error) {
	if c.errs == nil {
		c.errs = new([]error)
	}
	*c.errs = append(*c.errs, err)
}

// Workers sets the most goroutines that share the work, the caller's
// included (default runtime.GOMAXPROCS(0)): an upper bound, so at most n
// calls run at once. Fewer run when there are fewer chunks than n, or
// when the work ends before helpers are worth starting (see [Map]), and
// never more than 64 × GOMAXPROCS (128 on 2 cores), whatever n: more
// goroutines than cores pay only for items that wait. (A Workers far
// above the input used to cut it into chunks of one item, a goroutine
// each: 1,000,000 trivial items took 790 ms of CPU and a million
// allocations with Workers(1<<30). They now take 2.4 ms and 122
// allocations, against 1.9 ms by default; over 10,000 items, 50 µs
// against 39 by default, the price of 127 helpers; BenchmarkMapWorkers.)
// n must be positive: the function given Workers(0) returns an error
// matching [ErrInvalid], "parallel: Workers(0): must be positive".
func Workers(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.bad("Workers(%d): must be positive", n)
			return
		}
		c.workers = n
	}
}

// ChunkSize sets how many consecutive items a worker takes at a time (by
// default the input is cut into 8 chunks per worker, so that a slow chunk
// delays the end by at most about 1/8 of a worker's share). Larger chunks
// cost less coordination; smaller ones balance uneven items better. An
// input of at most n items runs on the caller's goroutine alone. n must
// be positive, as for [Workers].
func ChunkSize(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.bad("ChunkSize(%d): must be positive", n)
			return
		}
		c.chunk = n
	}
}

// KeepGoing makes [Map] and [ForEach] call fn on every item even when some
// fail, instead of stopping at the first failure (conc's MapErr and
// WithCollectErrored). A failure neither cancels the context the other
// calls get nor stops the workers, and a panic in fn fails its item only,
// as a *task.PanicError: the next item runs.
//
// When every item ran, Map returns the full results (the zero R for a
// failed item) and, if any failed, the errors.Join of one *[ItemError] per
// failed item, in input order: errors.As finds the first, and the joined
// error's Unwrap() []error lists them all. ctx still stops the work: if it
// ends before every item ran, the results are nil and the error joins the
// item errors seen so far and the wrapped ctx error, last (errors.Is(err,
// context.Canceled) holds). ForEach returns the same error.
//
// [Reduce] and [MapReduce] reject it with an error matching
// [ErrUnsupported] and [ErrInvalid]: their result is a fold over every
// chunk, which a failed chunk leaves without a meaning, and mapFn fails a
// whole chunk, so there are no per-item errors to collect.
//
// It costs nothing measurable while items succeed: over 10,000 trivial
// items, CPU time within 2% of Map's, and two allocations more (64 B).
// Each failed item adds about 170 ns (an *ItemError appended under a lock,
// sorted and joined at the end; 100 failures add 17 µs), and each panic
// about 30-47 µs, most of it the stack the *task.PanicError keeps, as
// without KeepGoing (BenchmarkMapKeepGoing; medians of two sets of 5 runs
// on a 2-core VM).
func KeepGoing() Option {
	return func(c *config) { c.keepGoing = true }
}

// configure applies opts to the defaults for op (Map, ...), after errs,
// the errors of op's bad arguments, if any; c.invalid() reports them all.
func configure(op string, errs []error, opts []Option) config {
	procs := runtime.GOMAXPROCS(0)
	if len(opts) > 0 {
		return withOptions(procs, op, errs, opts)
	}
	c := config{workers: procs}
	if errs != nil { // copied here, to be moved to the heap here only
		list := errs
		c.errs = &list
	}
	return c
}

// withOptions is configure with options: they get a pointer to the
// config, which escapes to the heap, so configure without options
// allocates nothing.
func withOptions(procs int, op string, errs []error, opts []Option) config {
	c := &config{workers: procs}
	if errs != nil {
		list := errs
		c.errs = &list
	}
	for i, o := range opts {
		if o == nil {
			c.bad("%s: option must not be nil (got nil at index %d)", op, i)
			continue
		}
		o(c)
	}
	if procs <= math.MaxInt/workersPerProc {
		c.workers = min(c.workers, procs*workersPerProc)
	}
	return *c
}

// invalid returns nil if c recorded no error of bad input, else the one,
// or all of them joined.
func (c *config) invalid() error {
	if c.errs == nil {
		return nil
	}
	return join(*c.errs)
}

// join returns the one error of errs, or all of them joined.
func join(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// workersPerProc caps the goroutines of a run at workersPerProc ×
// GOMAXPROCS, whatever Workers says: more only pays for items that wait,
// and a Workers far above the input used to cut it into chunks of one item
// and start a goroutine for each (1e6 items: 745 ms and 112 MB, against
// 1.9 ms by default).
const workersPerProc = 64

// unsupported records an error for each option of c that Reduce and
// MapReduce (named op) do not support.
func (c *config) unsupported(op string) {
	if c.keepGoing {
		c.fail(&invalidError{
			msg:  "parallel: KeepGoing(): not supported by " + op + " (only by Map and ForEach)",
			also: ErrUnsupported,
		})
	}
}

// chunksPerWorker is the default number of chunks per worker.
const chunksPerWorker = 8

// chunking returns the chunk size and count for n items. It cannot
// overflow, whatever Workers and ChunkSize were given: a chunk holds at
// most n items (one chunk for a chunk size of at least n), and the default
// cuts the input into at most math.MaxInt parts, chunksPerWorker per
// goroutine the run may have.
func (c config) chunking(n int) (size, count int) {
	size = c.chunk
	if size == 0 {
		parts := c.workers
		if parts <= math.MaxInt/chunksPerWorker {
			parts *= chunksPerWorker
		}
		size = ceilDiv(n, parts)
	}
	size = max(1, min(size, n))
	return size, ceilDiv(n, size)
}

// ceilDiv returns n/d rounded up, for n >= 0 and d > 0, without the
// overflow of (n+d-1)/d.
func ceilDiv(n, d int) int { return n/d + min(1, n%d) }

// chunkEnd returns the end of the chunk that starts at lo, without
// overflowing lo+size.
func chunkEnd(lo, size, n int) int { return lo + min(size, n-lo) }

// errStop is returned by a chunk that stopped because the work was
// cancelled; it is never reported.
var errStop = errors.New("parallel: stopped")

// soloFor is how long the caller works alone before helpers join it. Work
// that ends sooner never pays for a goroutine: waking a helper and joining
// it costs a few microseconds, more on a busy machine (BenchmarkMapOverhead).
const soloFor = 20 * time.Microsecond

// body runs the items [lo, hi) of chunk k. It checks stop between items
// (an atomic load costs about 2 ns, against 8 to 15 for a select on a
// context's done channel) and returns errStop when it is set. stop is set
// at once by a failure, and soon after ctx ends (context.AfterFunc runs on
// a goroutine of its own), so a body also polls ctx every pollEvery items.
type body func(ctx context.Context, stop *atomic.Bool, k, lo, hi int) error

// pollEvery is how many items a body runs between two looks at ctx.Done.
const pollEvery = 64

// isDone reports whether done is closed, without waiting.
func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// run calls fn for every chunk [lo, hi) of n items. The calling goroutine
// starts alone; if the work is still going after soloFor and there is
// enough left (looked at again every soloFor until helpers start or the
// work ends), up to c.workers-1 helpers join it, taking chunks as they
// finish one, and run waits for them before it returns. The first error a
// chunk returns stops the others and cancels the context they get, and is
// returned; so is a ctx error if ctx ends before every chunk ran. A panic
// in fn must be recovered by fn.
func run(ctx context.Context, n int, c config, fn body) error {
	if err := ctx.Err(); err != nil {
		return ctxError(ctx)
	}
	size, count := c.chunking(n)
	workers := min(c.workers, count)
	if workers <= 1 { // everything on the caller's goroutine
		var stop atomic.Bool
		if ctx.Done() != nil {
			unwatch := context.AfterFunc(ctx, func() { stop.Store(true) })
			defer unwatch()
		}
		for k := range count {
			if stop.Load() || ctx.Err() != nil {
				return ctxError(ctx)
			}
			lo := k * size
			if err := fn(ctx, &stop, k, lo, chunkEnd(lo, size, n)); err != nil {
				if err == errStop {
					return ctxError(ctx)
				}
				return err
			}
		}
		return nil
	}

	// Helpers run fn on goroutines of their own: they must not see the
	// caller's runtime slot (see task.Park), so the work gets a context
	// from a task.Group, which hides it, when there is one to hide.
	base := ctx
	if task.ContextSlot(ctx) != nil {
		g := task.NewGroup[struct{}](ctx)
		defer g.Close()
		base = g.Context()
	}
	r := &runner{fn: fn, n: n, size: size, count: count}
	r.ctx, r.cancel = context.WithCancelCause(base)
	// The caller's own chunks run with a context of the caller's, which
	// keeps its slot: fn's await points then give the slot back, as they
	// do when the caller runs the whole input alone. With the helpers'
	// slot-less context, fn awaiting a task of a 1-slot runtime (or a
	// guard.Mutex held across an await) hung once the input was split.
	own := r.ctx
	if base != ctx {
		var cancelOwn context.CancelCauseFunc
		own, cancelOwn = context.WithCancelCause(ctx)
		cancelHelpers := r.cancel
		r.cancel = func(cause error) { cancelHelpers(cause); cancelOwn(cause) }
	}
	if ctx.Done() != nil {
		unwatch := context.AfterFunc(ctx, func() { r.stop.Store(true) })
		defer unwatch()
	}
	r.mu.Lock() // spawn may re-arm r.tm: it must be set first
	r.tm = time.AfterFunc(soloFor, func() { r.spawn(workers - 1) })
	r.mu.Unlock()
	func() {
		// Deferred, so that helpers cannot outlive run even if fn calls
		// runtime.Goexit on the caller's goroutine (they are stopped first
		// then; otherwise they finish the chunks they hold).
		normal := false
		defer func() {
			r.mu.Lock()
			r.over = true
			r.tm.Stop() // under mu: spawn re-arms it only while !over
			spawned := r.spawned
			r.mu.Unlock()
			if !normal {
				r.stop.Store(true)
				r.cancel(errStop)
			}
			if spawned {
				p := task.Park(ctx)
				r.wg.Wait()
				p.Resume()
			}
			r.cancel(errStop)
		}()
		r.work(own)
		normal = true
	}()
	if r.first != nil {
		return r.first
	}
	if int(r.finished.Load()) < count {
		return ctxError(ctx)
	}
	return nil
}

// collector gathers the item errors of a [KeepGoing] run.
type collector struct {
	mu   sync.Mutex
	errs []*ItemError
}

func (cl *collector) add(i int, err error) {
	cl.mu.Lock()
	cl.errs = append(cl.errs, &ItemError{Index: i, Err: err})
	cl.mu.Unlock()
}

// err returns the item errors in input order joined with runErr, the
// error of the run (a ctx error, ErrGoexit), if any; nil if there are
// none. A lone runErr is returned as it is.
func (cl *collector) err(runErr error) error {
	if len(cl.errs) == 0 {
		return runErr
	}
	slices.SortFunc(cl.errs, func(a, b *ItemError) int { return cmp.Compare(a.Index, b.Index) })
	errs := make([]error, len(cl.errs), len(cl.errs)+1)
	for i, e := range cl.errs {
		errs[i] = e
	}
	if runErr != nil {
		errs = append(errs, runErr)
	}
	return errors.Join(errs...)
}

// keepGoing returns the body of a KeepGoing run: it calls fn on the items
// [lo, hi) of in, stores the results of those that succeed in out, records
// every failure in cl, and returns errStop only when the work is stopped.
func keepGoing[T, R any](cl *collector, in []T, out []R, fn func(context.Context, T) (R, error)) body {
	return func(ctx context.Context, stop *atomic.Bool, _, lo, hi int) error {
		done := ctx.Done()
		for i := lo; i < hi; {
			var err error
			if i, err = keepItems(ctx, stop, done, cl, in, out, fn, i, hi); err != nil {
				return err
			}
		}
		return nil
	}
}

// keepItems runs the items from i on until hi, the work stops, or one
// panics: it records the panic as that item's error and returns the index
// after it, for keepGoing to go on from there. A defer per panic, not per
// item.
func keepItems[T, R any](ctx context.Context, stop *atomic.Bool, done <-chan struct{}, cl *collector, in []T, out []R, fn func(context.Context, T) (R, error), i, hi int) (next int, err error) {
	defer func() {
		if v := recover(); v != nil {
			cl.add(i, panicError(v))
			next, err = i+1, nil
		}
	}()
	for i < hi {
		if done != nil && isDone(done) {
			return i, errStop
		}
		for end := min(i+pollEvery, hi); i < end; i++ {
			if stop.Load() {
				return i, errStop
			}
			r, err := fn(ctx, in[i])
			if err != nil {
				cl.add(i, err) // out[i] keeps the zero R
				continue
			}
			out[i] = r
		}
	}
	return hi, nil
}

// runner is the shared state of a run with helpers.
type runner struct {
	fn             body
	ctx            context.Context
	cancel         context.CancelCauseFunc
	n, size, count int
	stop           atomic.Bool  // set on the first failure or when ctx ends
	next           atomic.Int64 // the next chunk to take
	finished       atomic.Int64 // chunks that ran to the end
	wg             sync.WaitGroup

	mu      sync.Mutex
	first   error       // the first failure, and panics and Goexits after it, joined
	over    bool        // the caller is done: no helper may start
	tm      *time.Timer // calls spawn after soloFor
	seen    int         // chunks finished when spawn last looked
	spawned bool
}

// spawn starts k helpers, unless the caller is already done or nearly:
// when the chunks left are no more than those it finished alone in the
// last soloFor, they take it about as long again, less than waking
// helpers is worth. It then looks again after another soloFor, since
// the items left may cost more than those done (an input sorted by
// cost): deciding once for all left the slow part on one goroutine.
func (r *runner) spawn(k int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	done := int(r.finished.Load())
	if r.over || int(r.next.Load()) >= r.count {
		return
	}
	if recent := done - r.seen; recent > 0 && r.count-done <= recent {
		r.seen = done
		r.tm.Reset(soloFor)
		return
	}
	r.spawned = true
	for range k {
		r.wg.Add(1)
		go r.help()
	}
}

func (r *runner) help() {
	defer r.wg.Done()
	normal := false
	defer func() {
		if !normal { // fn called runtime.Goexit
			r.fail(task.ErrGoexit)
		}
	}()
	r.work(r.ctx)
	normal = true
}

// fail records err as the run's failure if it is the first, or keeps it
// to join to the first if it is a panic or a Goexit (a bug, never the
// effect of the first failure), and stops the run.
func (r *runner) fail(err error) {
	r.mu.Lock()
	switch {
	case r.first == nil:
		r.first = err
	case isBug(err):
		r.first = errors.Join(r.first, err)
	}
	r.mu.Unlock()
	r.stop.Store(true)
	r.cancel(err)
}

// work takes chunks until there are none left, the work is stopped, or a
// chunk fails, running fn with ctx: the helpers' context, or the caller's
// own (see run).
func (r *runner) work(ctx context.Context) {
	done := ctx.Done()
	for !r.stop.Load() && !isDone(done) {
		k := int(r.next.Add(1) - 1)
		if k >= r.count {
			return
		}
		lo := k * r.size
		if err := r.fn(ctx, &r.stop, k, lo, chunkEnd(lo, r.size, r.n)); err != nil {
			if err != errStop {
				r.fail(err)
			}
			return
		}
		r.finished.Add(1)
	}
}

// isBug reports whether err is a panic or a runtime.Goexit.
func isBug(err error) bool {
	var pe *task.PanicError
	return errors.As(err, &pe) || errors.Is(err, task.ErrGoexit)
}

// panicError turns a recovered value into a *task.PanicError.
func panicError(v any) error { return &task.PanicError{Value: v, Stack: debug.Stack()} }

// ctxError wraps ctx's error and cause.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("parallel: %w: %w", err, cause)
	}
	return fmt.Errorf("parallel: %w", err)
}

// Map calls fn on every item of in, on up to GOMAXPROCS goroutines (see
// [Workers]), and returns the results in input order. The input is cut into
// chunks that are sub-slices of in (no copy); workers take chunks as they
// go, so uneven items balance out.
//
// The calling goroutine starts alone; helpers join it only if the work is
// still going after 20 µs with enough left to share (and, if not, every
// 20 µs after that), so a small input starts no goroutine. Map waits for
// every helper before it returns.
//
// The first error fn returns (or panic, as a *task.PanicError) cancels the
// context the other calls get, stops workers from taking more items, and
// is returned as an *[ItemError] once every running call has returned; the
// results are then nil. The first is by time, not by index: with several
// failing items, whichever failed first is returned. The others are
// dropped (usually they are the cancellation it caused), except a panic or
// a runtime.Goexit in a call still running, which is joined to the first
// error with errors.Join: errors.As finds the first *ItemError and the
// *task.PanicError alike. If ctx ends first, Map returns a wrapped ctx
// error. With [KeepGoing], a failure stops nothing: Map calls fn on every
// item and returns all the results with every item's error, joined.
//
// A nil fn, a nil option or a bad option value makes Map return an error
// matching [ErrInvalid] without calling anything (see ErrInvalid); a nil
// ctx makes it panic ("parallel: Map: nil context").
//
// For what Map costs against a serial loop and a goroutine per item, and
// its fixed cost on small inputs, see the package doc's Figures
// (BenchmarkMap, BenchmarkMapOverhead).
func Map[T, R any](ctx context.Context, in []T, fn func(context.Context, T) (R, error), opts ...Option) ([]R, error) {
	if ctx == nil {
		panic("parallel: Map: nil context")
	}
	var errs []error
	if fn == nil {
		errs = append(errs, nilFunc("Map", "fn"))
	}
	c := configure("Map", errs, opts)
	if err := c.invalid(); err != nil {
		return nil, err
	}
	out := make([]R, len(in))
	if c.keepGoing {
		var cl collector
		if err := run(ctx, len(in), c, keepGoing(&cl, in, out, fn)); err != nil {
			return nil, cl.err(err)
		}
		return out, cl.err(nil)
	}
	err := run(ctx, len(in), c, func(ctx context.Context, stop *atomic.Bool, _, lo, hi int) (err error) {
		i := lo
		defer func() {
			if v := recover(); v != nil {
				err = &ItemError{Index: i, Err: panicError(v)}
			}
		}()
		done := ctx.Done()
		for i < hi {
			if done != nil && isDone(done) {
				return errStop
			}
			for end := min(i+pollEvery, hi); i < end; i++ {
				if stop.Load() {
					return errStop
				}
				r, err := fn(ctx, in[i])
				if err != nil {
					return &ItemError{Index: i, Err: err}
				}
				out[i] = r
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForEach calls fn on every item of in, as [Map] does, and returns the
// first error as an *[ItemError], with any later panic joined to it, as
// Map does (or a wrapped ctx error); with
// [KeepGoing], it calls fn on every item and returns every item's error,
// joined, as Map does. It runs on Map's machinery and costs what Map does,
// less the result slice. It refuses bad input as Map does ("parallel:
// ForEach: nil context").
func ForEach[T any](ctx context.Context, in []T, fn func(context.Context, T) error, opts ...Option) error {
	if ctx == nil {
		panic("parallel: ForEach: nil context")
	}
	var errs []error
	if fn == nil {
		errs = append(errs, nilFunc("ForEach", "fn"))
	}
	c := configure("ForEach", errs, opts)
	if err := c.invalid(); err != nil {
		return err
	}
	if c.keepGoing {
		var cl collector
		out := make([]struct{}, len(in)) // zero-sized: allocates nothing
		return cl.err(run(ctx, len(in), c, keepGoing(&cl, in, out, func(ctx context.Context, x T) (struct{}, error) {
			return struct{}{}, fn(ctx, x)
		})))
	}
	return run(ctx, len(in), c, func(ctx context.Context, stop *atomic.Bool, _, lo, hi int) (err error) {
		i := lo
		defer func() {
			if v := recover(); v != nil {
				err = &ItemError{Index: i, Err: panicError(v)}
			}
		}()
		done := ctx.Done()
		for i < hi {
			if done != nil && isDone(done) {
				return errStop
			}
			for end := min(i+pollEvery, hi); i < end; i++ {
				if stop.Load() {
					return errStop
				}
				if err := fn(ctx, in[i]); err != nil {
					return &ItemError{Index: i, Err: err}
				}
			}
		}
		return nil
	})
}

// MapReduce cuts in into chunks (sub-slices, no copy; see [ChunkSize]),
// calls mapFn on each chunk in parallel, and folds the chunk results with
// reduceFn from left to right, on the calling goroutine: reduceFn need be
// associative, not commutative. It is the shape of the chapter's
// parallel_computation sample (a sum of squares over one chunk per CPU; see
// the package doc), minus its copy of every chunk. An empty input returns
// the zero R.
//
// mapFn gets a chunk whose capacity ends with it, so an append cannot
// write into the next chunk. The first error from mapFn (or panic, as a
// *task.PanicError) cancels the others and is returned as a *[ChunkError];
// a panic in reduceFn is returned as a *task.PanicError. If ctx ends first,
// MapReduce returns a wrapped ctx error. A nil mapFn or reduceFn, a nil
// option, a bad option value, or [KeepGoing] (which matches
// [ErrUnsupported] too) makes it return an error matching [ErrInvalid]
// without calling anything; a nil ctx makes it panic ("parallel:
// MapReduce: nil context").
//
// For what summing squares this way costs against the serial loop and the
// chapter's version, which copies every chunk first, see the package
// doc's Figures (BenchmarkSumSquares).
func MapReduce[T, R any](ctx context.Context, in []T, mapFn func(context.Context, []T) (R, error), reduceFn func(R, R) R, opts ...Option) (R, error) {
	if ctx == nil {
		panic("parallel: MapReduce: nil context")
	}
	var errs []error
	if mapFn == nil {
		errs = append(errs, nilFunc("MapReduce", "mapFn"))
	}
	if reduceFn == nil {
		errs = append(errs, nilFunc("MapReduce", "reduceFn"))
	}
	c := configureFold("MapReduce", errs, opts)
	if err := c.invalid(); err != nil {
		var zero R
		return zero, err
	}
	return mapReduce(ctx, in, mapFn, nil, reduceFn, c)
}

// mapReduce is MapReduce; Reduce gives a fold that looks at the run's stop
// flag (see body) as foldFn, and a nil mapFn.
func mapReduce[T, R any](ctx context.Context, in []T, mapFn func(context.Context, []T) (R, error), foldFn func(context.Context, *atomic.Bool, []T) (R, error), reduceFn func(R, R) R, c config) (R, error) {
	var zero R
	_, count := c.chunking(len(in))
	parts := make([]R, count)
	err := run(ctx, len(in), c, func(ctx context.Context, stop *atomic.Bool, k, lo, hi int) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &ChunkError{Start: lo, End: hi, Err: panicError(v)}
			}
		}()
		var r R
		if foldFn != nil {
			r, err = foldFn(ctx, stop, in[lo:hi:hi])
		} else {
			r, err = mapFn(ctx, in[lo:hi:hi])
		}
		if err == errStop {
			return errStop
		}
		if err != nil {
			return &ChunkError{Start: lo, End: hi, Err: err}
		}
		parts[k] = r
		return nil
	})
	if err != nil || count == 0 {
		return zero, err
	}
	return fold(parts, reduceFn)
}

// fold reduces parts from left to right, recovering a panic in fn.
func fold[R any](parts []R, fn func(R, R) R) (r R, err error) {
	defer func() {
		if v := recover(); v != nil {
			var zero R
			r, err = zero, panicError(v)
		}
	}()
	r = parts[0]
	for _, p := range parts[1:] {
		r = fn(r, p)
	}
	return r, nil
}

// configureFold is configure for Reduce and MapReduce (op), which also
// reject the options that a fold cannot honour (see unsupported).
func configureFold(op string, errs []error, opts []Option) config {
	c := configure(op, errs, opts)
	c.unsupported(op)
	return c
}

// Reduce folds in with fn, in parallel: each chunk is folded from left to
// right, then the chunk results are, so fn need be associative, not
// commutative (floating-point sums may differ in the last bits from a
// serial fold, and between chunkings). An empty input returns the zero T.
// A panic in fn is returned as a *task.PanicError (inside a *[ChunkError]
// if it happened in a chunk); if ctx ends first, Reduce returns a wrapped
// ctx error. Chunks are sub-slices of in, never copies. It is [MapReduce]
// with a fold per chunk, and refuses bad input as MapReduce does, [KeepGoing]
// included ("parallel: Reduce: nil context"). A fold stops between two
// elements once another chunk has failed or ctx has ended (it looks at
// ctx and the others every 64 elements), as Map does between items.
//
// Reduce calls fn through a func value once per element, which the
// compiler cannot inline: about 1.5 ns of CPU per element, where a loop
// adding ints spends 0.25 ns. Summing 1,000,000 ints takes 1.46 ms of CPU
// with Reduce, against 0.25 ms for the serial loop and 0.25 ms for
// MapReduce with that loop in mapFn (BenchmarkReduce). For a cheap fn
// (+, min, max) use MapReduce with a loop per chunk; Reduce fits an fn
// that costs enough per call (tens of nanoseconds and up) for the call
// not to matter.
func Reduce[T any](ctx context.Context, in []T, fn func(T, T) T, opts ...Option) (T, error) {
	if ctx == nil {
		panic("parallel: Reduce: nil context")
	}
	var zero T
	var errs []error
	if fn == nil {
		errs = append(errs, nilFunc("Reduce", "fn"))
	}
	c := configureFold("Reduce", errs, opts)
	if err := c.invalid(); err != nil {
		return zero, err
	}
	return mapReduce(ctx, in, nil, func(ctx context.Context, stop *atomic.Bool, chunk []T) (T, error) {
		done := ctx.Done()
		acc := chunk[0]
		// Looks at stop and ctx every pollEvery elements, outside the
		// inner loop, which stays as tight as a plain fold: fn costs a
		// couple of ns.
		for lo := 1; lo < len(chunk); lo += pollEvery {
			if stop.Load() || done != nil && isDone(done) {
				return acc, errStop
			}
			for _, x := range chunk[lo:min(lo+pollEvery, len(chunk))] {
				acc = fn(acc, x)
			}
		}
		return acc, nil
	}, fn, c)
}
