package parallel

import (
	"context"
	"iter"
	"runtime"
	"sync"

	concIter "github.com/sourcegraph/conc/iter"
	"github.com/sourcegraph/conc/stream"
	"golang.org/x/sync/errgroup"

	spool "github.com/spool-go/spool/parallel"
)

// Peer names.
const (
	Serial         = "serial"
	Chunked        = "chunked"
	Errgroup       = "errgroup"
	ErrgroupChunks = "errgroup-chunked"
	Conc           = "conc"
	Spool          = "spool"
	Hand           = "hand"
)

// Fn is a per-item function in the shape each library takes, so that no
// peer pays an adapter's extra call per item: F for the loops and
// errgroup, Ptr for conc's iter (which passes a pointer to the item), Ctx
// for spool. The benchmarks write each shape out with the work inline;
// [Plain] makes one from F with adapters, for the checks.
type Fn struct {
	F   func(int) int
	Ptr func(*int) int
	Ctx func(context.Context, int) (int, error)
}

// Plain returns f in every shape, the others through adapters.
func Plain(f func(int) int) Fn {
	return Fn{
		F:   f,
		Ptr: func(x *int) int { return f(*x) },
		Ctx: func(_ context.Context, x int) (int, error) { return f(x), nil },
	}
}

// EachFn is Fn for ForEach: a function called for its effect.
type EachFn struct {
	F   func(int)
	Ptr func(*int)
	Ctx func(context.Context, int) error
}

// PlainEach returns f in every shape, the others through adapters.
func PlainEach(f func(int)) EachFn {
	return EachFn{
		F:   f,
		Ptr: func(x *int) { f(*x) },
		Ctx: func(_ context.Context, x int) error { f(x); return nil },
	}
}

// MapPeer returns f of every item of in, in input order.
type MapPeer struct {
	Name string
	API  string // the calls it makes, for the README and the report
	Map  func(in []int, f Fn) ([]int, error)
}

// ForEachPeer calls f once on every item of in.
type ForEachPeer struct {
	Name    string
	API     string
	ForEach func(in []int, f EachFn) error
}

// SumPeer returns the sum of f over the items of in.
type SumPeer struct {
	Name string
	API  string
	Sum  func(in []int, f func(int) int) (int, error)
}

// OrderedPeer calls f on every value of seq with at most workers calls at
// once, and calls yield with the results in the order of seq, on one
// goroutine at a time.
type OrderedPeer struct {
	Name string
	API  string
	Run  func(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error
}

// chunks calls body(k, lo, hi) on the k-th of up to GOMAXPROCS contiguous
// parts of [0, n), each on a goroutine of its own, and waits for them (a
// single part runs on the caller).
func chunks(n int, body func(k, lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		body(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Go(func() { body(k, lo, hi) })
	}
	wg.Wait()
}

// errgroupChunks is chunks on an errgroup.Group.
func errgroupChunks(n int, body func(lo, hi int)) error {
	w := max(1, min(runtime.GOMAXPROCS(0), n))
	var g errgroup.Group
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		g.Go(func() error { body(lo, hi); return nil })
	}
	return g.Wait()
}

// errgroupItems runs body(i) for every i in [0, n) on an errgroup.Group
// limited to GOMAXPROCS, one g.Go per item.
func errgroupItems(n int, body func(i int)) error {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error { body(i); return nil })
	}
	return g.Wait()
}

// Maps are the Map peers, serial first.
var Maps = []MapPeer{
	{Serial, "`for i, x := range in { out[i] = fn.F(x) }`", func(in []int, fn Fn) ([]int, error) {
		out := make([]int, len(in))
		for i, x := range in {
			out[i] = fn.F(x)
		}
		return out, nil
	}},
	{Chunked, "GOMAXPROCS goroutines over contiguous chunks, `sync.WaitGroup.Go`", func(in []int, fn Fn) ([]int, error) {
		out := make([]int, len(in))
		chunks(len(in), func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = fn.F(in[i])
			}
		})
		return out, nil
	}},
	{Errgroup, "`errgroup.Group`, `SetLimit(GOMAXPROCS)`, one `g.Go` per item", func(in []int, fn Fn) ([]int, error) {
		out := make([]int, len(in))
		err := errgroupItems(len(in), func(i int) { out[i] = fn.F(in[i]) })
		return out, err
	}},
	{ErrgroupChunks, "`errgroup.Group`, one `g.Go` per contiguous chunk (GOMAXPROCS chunks)", func(in []int, fn Fn) ([]int, error) {
		out := make([]int, len(in))
		err := errgroupChunks(len(in), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = fn.F(in[i])
			}
		})
		return out, err
	}},
	{Conc, "`iter.Map(in, fn)` (conc v0.3.0; GOMAXPROCS goroutines taking items one by one from an atomic counter)", func(in []int, fn Fn) ([]int, error) {
		return concIter.Map(in, fn.Ptr), nil
	}},
	{Spool, "`parallel.Map(ctx, in, fn)`, default options", func(in []int, fn Fn) ([]int, error) {
		return spool.Map(context.Background(), in, fn.Ctx)
	}},
}

// ForEaches are the ForEach peers, serial first.
var ForEaches = []ForEachPeer{
	{Serial, "`for _, x := range in { f(x) }`", func(in []int, fn EachFn) error {
		for _, x := range in {
			fn.F(x)
		}
		return nil
	}},
	{Chunked, "GOMAXPROCS goroutines over contiguous chunks", func(in []int, fn EachFn) error {
		chunks(len(in), func(_, lo, hi int) {
			for _, x := range in[lo:hi] {
				fn.F(x)
			}
		})
		return nil
	}},
	{Errgroup, "`errgroup.Group`, `SetLimit(GOMAXPROCS)`, one `g.Go` per item", func(in []int, fn EachFn) error {
		return errgroupItems(len(in), func(i int) { fn.F(in[i]) })
	}},
	{ErrgroupChunks, "`errgroup.Group`, one `g.Go` per chunk", func(in []int, fn EachFn) error {
		return errgroupChunks(len(in), func(lo, hi int) {
			for _, x := range in[lo:hi] {
				fn.F(x)
			}
		})
	}},
	{Conc, "`iter.ForEach(in, fn)` (conc v0.3.0)", func(in []int, fn EachFn) error {
		concIter.ForEach(in, fn.Ptr)
		return nil
	}},
	{Spool, "`parallel.ForEach(ctx, in, fn)`, default options", func(in []int, fn EachFn) error {
		return spool.ForEach(context.Background(), in, fn.Ctx)
	}},
}

// sumRange is the loop every Sum peer runs over its part.
func sumRange(in []int, f func(int) int) int {
	s := 0
	for _, x := range in {
		s += f(x)
	}
	return s
}

// Sums are the MapReduce peers (a sum of f), serial first. conc has no
// reduction and is left out; spool's Reduce folds items with each other
// (fn(T, T) T) and cannot apply f, so MapReduce stands for both.
var Sums = []SumPeer{
	{Serial, "a loop summing f(x)", func(in []int, f func(int) int) (int, error) {
		return sumRange(in, f), nil
	}},
	{Chunked, "GOMAXPROCS goroutines, a partial sum each, added after `wg.Wait()`", func(in []int, f func(int) int) (int, error) {
		// One cache line per partial sum, so that the parts do not share one.
		parts := make([][8]int, runtime.GOMAXPROCS(0))
		chunks(len(in), func(k, lo, hi int) {
			parts[k][0] = sumRange(in[lo:hi], f)
		})
		s := 0
		for _, p := range parts {
			s += p[0]
		}
		return s, nil
	}},
	{ErrgroupChunks, "`errgroup.Group`, one `g.Go` per chunk, a partial sum each", func(in []int, f func(int) int) (int, error) {
		w := max(1, min(runtime.GOMAXPROCS(0), len(in)))
		parts := make([][8]int, w)
		var g errgroup.Group
		for k := range w {
			lo, hi := k*len(in)/w, (k+1)*len(in)/w
			g.Go(func() error { parts[k][0] = sumRange(in[lo:hi], f); return nil })
		}
		err := g.Wait()
		s := 0
		for _, p := range parts {
			s += p[0]
		}
		return s, err
	}},
	{Spool, "`parallel.MapReduce(ctx, in, sumOfChunk, add)`, default options", func(in []int, f func(int) int) (int, error) {
		return spool.MapReduce(context.Background(), in,
			func(_ context.Context, chunk []int) (int, error) { return sumRange(chunk, f), nil },
			func(a, b int) int { return a + b })
	}},
}

// Ordereds are the ordered-stream peers.
var Ordereds = []OrderedPeer{
	{Serial, "`for x := range seq { yield(f(x)) }`", func(seq iter.Seq[int], _ int, f func(int) int, yield func(int)) error {
		for x := range seq {
			yield(f(x))
		}
		return nil
	}},
	{Hand, "a feeder goroutine, `workers` goroutines on a job channel, a FIFO (`chan chan int`, 2×workers) of per-item result channels", handOrdered},
	{Conc, "`stream.New().WithMaxGoroutines(workers)`, `s.Go` per value, callbacks in order (conc v0.3.0)", func(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error {
		s := stream.New().WithMaxGoroutines(workers)
		for x := range seq {
			s.Go(func() stream.Callback {
				r := f(x)
				return func() { yield(r) }
			})
		}
		s.Wait()
		return nil
	}},
	{Spool, "`for v, err := range parallel.MapOrdered(ctx, seq, workers, fn)`", func(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error {
		for v, err := range spool.MapOrdered(context.Background(), seq, workers, func(_ context.Context, x int) (int, error) { return f(x), nil }) {
			if err != nil {
				return err
			}
			yield(v)
		}
		return nil
	}},
}

// handOrdered is the hand-written ordered pipeline: a feeder reads seq,
// queues a result channel per value in a FIFO and hands the value with its
// channel to the workers; the caller reads the FIFO in order and waits on
// each channel.
func handOrdered(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error {
	type job struct {
		x   int
		out chan int
	}
	jobs := make(chan job)
	fifo := make(chan chan int, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out <- f(j.x)
			}
		})
	}
	wg.Go(func() {
		defer close(fifo)
		defer close(jobs)
		for x := range seq {
			out := make(chan int, 1)
			fifo <- out
			jobs <- job{x, out}
		}
	})
	for out := range fifo {
		yield(<-out)
	}
	wg.Wait()
	return nil
}
