package parallel_test

import (
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/bench/parallel"
)

// item is the function of the checks: distinct and non-zero for every
// x >= 0, so a result in the wrong place, a dropped or a repeated item
// changes the output (and the sum).
func item(x int) int { return 7*x + 3 }

func iota(n int) []int {
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	return in
}

func seqOf(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func checkMap(p parallel.MapPeer, n int) error {
	in := iota(n)
	got, err := p.Map(in, parallel.Plain(item))
	if err != nil {
		return err
	}
	want := make([]int, n)
	for i := range want {
		want[i] = item(i)
	}
	if !slices.Equal(got, want) {
		return diff(got, want)
	}
	if !slices.Equal(in, iota(n)) {
		return fmt.Errorf("input changed: %w", diff(in, iota(n)))
	}
	return nil
}

func checkForEach(p parallel.ForEachPeer, n int) error {
	calls := make([]atomic.Int32, n)
	if err := p.ForEach(iota(n), parallel.PlainEach(func(x int) { calls[x].Add(1) })); err != nil {
		return err
	}
	for i := range calls {
		if c := calls[i].Load(); c != 1 {
			return fmt.Errorf("item %d: %d calls; want 1", i, c)
		}
	}
	return nil
}

func checkSum(p parallel.SumPeer, n int) error {
	got, err := p.Sum(iota(n), item)
	if err != nil {
		return err
	}
	want := 0
	for i := range n {
		want += item(i)
	}
	if got != want {
		return fmt.Errorf("got %d; want %d", got, want)
	}
	return nil
}

// checkOrdered also checks that yield is never called by two goroutines
// at once and that at most workers calls of f run at once.
func checkOrdered(p parallel.OrderedPeer, n, workers int) error {
	var inYield, inF, maxF atomic.Int32
	f := func(x int) int {
		k := inF.Add(1)
		for m := maxF.Load(); k > m && !maxF.CompareAndSwap(m, k); m = maxF.Load() {
		}
		runtime.Gosched()
		inF.Add(-1)
		return item(x)
	}
	var got []int
	overlap := false
	err := p.Run(seqOf(n), workers, f, func(v int) {
		if inYield.Add(1) != 1 {
			overlap = true
		}
		got = append(got, v)
		inYield.Add(-1)
	})
	if err != nil {
		return err
	}
	want := make([]int, n)
	for i := range want {
		want[i] = item(i)
	}
	switch {
	case !slices.Equal(got, want):
		return diff(got, want)
	case overlap:
		return fmt.Errorf("yield called by two goroutines at once")
	case maxF.Load() > int32(workers):
		return fmt.Errorf("%d calls of f at once; want at most %d", maxF.Load(), workers)
	}
	return nil
}

// diff describes the first difference between got and want.
func diff(got, want []int) error {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Errorf("result %d: got %d; want %d", i, got[i], want[i])
		}
	}
	return fmt.Errorf("got %d results; want %d", len(got), len(want))
}

var (
	sizes = []int{0, 1, 2, 3, 5, 8, 100, 1001}
	procs = []int{1, 2, 3, 8}
)

// grid runs check on every size at every GOMAXPROCS of procs (the peers
// read GOMAXPROCS at each call) and returns every failure.
func grid(check func(n int) error) []string {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var fails []string
	for _, p := range procs {
		runtime.GOMAXPROCS(p)
		for _, n := range sizes {
			if err := check(n); err != nil {
				fails = append(fails, fmt.Sprintf("GOMAXPROCS %d, %d items: %v", p, n, err))
			}
		}
	}
	return fails
}

// TestPeers checks every peer's results against a serial loop.
func TestPeers(t *testing.T) {
	type peer struct {
		kind, name string
		check      func(n int) error
	}
	var peers []peer
	for _, p := range parallel.Maps {
		peers = append(peers, peer{"Map", p.Name, func(n int) error { return checkMap(p, n) }})
	}
	for _, p := range parallel.ForEaches {
		peers = append(peers, peer{"ForEach", p.Name, func(n int) error { return checkForEach(p, n) }})
	}
	for _, p := range parallel.Sums {
		peers = append(peers, peer{"Sum", p.Name, func(n int) error { return checkSum(p, n) }})
	}
	for _, p := range parallel.Ordereds {
		for _, w := range []int{1, 2, 4} {
			peers = append(peers, peer{"Ordered", fmt.Sprintf("%s/workers=%d", p.Name, w), func(n int) error { return checkOrdered(p, n, w) }})
		}
	}
	for _, p := range peers {
		t.Run(p.kind+"/"+p.name, func(t *testing.T) {
			for _, f := range grid(p.check) {
				t.Errorf("%s %s: %s", p.kind, p.name, f)
			}
		})
	}
}

// TestChecksCatchWrongPeers runs the checks of TestPeers on peers that are
// wrong in the ways a hand-written peer goes wrong, and wants each caught.
func TestChecksCatchWrongPeers(t *testing.T) {
	offByOne := func(n int, body func(lo, hi int)) { // the last chunk loses its last item
		w := max(1, min(runtime.GOMAXPROCS(0), n))
		var wg sync.WaitGroup
		for k := range w {
			lo, hi := k*n/w, (k+1)*n/w
			if k == w-1 {
				hi = max(lo, hi-1)
			}
			wg.Go(func() { body(lo, hi) })
		}
		wg.Wait()
	}
	for _, tc := range []struct {
		name  string
		check func(n int) error
	}{
		{"Map, last chunk short", func(n int) error {
			return checkMap(parallel.MapPeer{Map: func(in []int, fn parallel.Fn) ([]int, error) {
				out := make([]int, len(in))
				offByOne(len(in), func(lo, hi int) {
					for i := lo; i < hi; i++ {
						out[i] = fn.F(in[i])
					}
				})
				return out, nil
			}}, n)
		}},
		{"Map, two results swapped", func(n int) error {
			return checkMap(parallel.MapPeer{Map: func(in []int, fn parallel.Fn) ([]int, error) {
				out, err := parallel.Maps[0].Map(in, fn)
				if len(out) > 1 {
					out[0], out[1] = out[1], out[0]
				}
				return out, err
			}}, n)
		}},
		{"Map, writes its input", func(n int) error {
			return checkMap(parallel.MapPeer{Map: func(in []int, fn parallel.Fn) ([]int, error) {
				for i, x := range in {
					in[i] = fn.F(x)
				}
				return in, nil
			}}, n)
		}},
		{"ForEach, an item twice", func(n int) error {
			return checkForEach(parallel.ForEachPeer{ForEach: func(in []int, fn parallel.EachFn) error {
				for i, x := range in {
					fn.F(x)
					if i == len(in)/2 {
						fn.F(x)
					}
				}
				return nil
			}}, n)
		}},
		{"ForEach, last chunk short", func(n int) error {
			return checkForEach(parallel.ForEachPeer{ForEach: func(in []int, fn parallel.EachFn) error {
				offByOne(len(in), func(lo, hi int) {
					for _, x := range in[lo:hi] {
						fn.F(x)
					}
				})
				return nil
			}}, n)
		}},
		{"Sum, last chunk short", func(n int) error {
			return checkSum(parallel.SumPeer{Sum: func(in []int, f func(int) int) (int, error) {
				var s atomic.Int64
				offByOne(len(in), func(lo, hi int) {
					for _, x := range in[lo:hi] {
						s.Add(int64(f(x)))
					}
				})
				return int(s.Load()), nil
			}}, n)
		}},
		{"Ordered, in completion order", func(n int) error {
			return checkOrdered(parallel.OrderedPeer{Run: func(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error {
				var mu sync.Mutex
				var wg sync.WaitGroup
				sem := make(chan struct{}, workers)
				for x := range seq {
					sem <- struct{}{}
					wg.Go(func() {
						defer func() { <-sem }()
						r := f(x)
						mu.Lock()
						yield(r)
						mu.Unlock()
					})
				}
				wg.Wait()
				return nil
			}}, n, 4)
		}},
		{"Ordered, no bound", func(n int) error {
			return checkOrdered(parallel.OrderedPeer{Run: func(seq iter.Seq[int], workers int, f func(int) int, yield func(int)) error {
				return parallel.Ordereds[1].Run(seq, workers+1, f, yield)
			}}, n, 1)
		}},
	} {
		if fails := grid(tc.check); len(fails) == 0 {
			t.Errorf("%s: the checks passed it; want a failure", tc.name)
		}
	}
}
