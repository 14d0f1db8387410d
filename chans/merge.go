package chans

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
)

// Merge forwards every value received from ins to the returned channel: the
// fan-in of many producers (the chapter's fan_in_pattern sample, where
// several threads send into one channel through clones of an mpsc
// Sender). Values from one input keep their order;
// values from different inputs interleave as they arrive.
//
// The returned channel is closed once every input is closed, or once ctx is
// done; in the second case values still in the inputs are left there, and
// a value Merge had taken from an input but not delivered yet (at most one
// per input) is dropped.
// Merge starts one goroutine per input, owned by Merge, and each ends when
// its input is closed or ctx is done, so nothing outlives the returned
// channel's close. A consumer that stops reading early must cancel ctx, or
// the forwarding goroutines wait forever to send. Nil inputs never deliver
// and are ignored; with no input left the channel is returned closed.
//
// Fanning in 4 producers costs about 310 ns of CPU per value with a
// cancellable ctx and 270 ns with a ctx that never ends, against 264 ns for
// a hand-written fan-in that ignores ctx (and leaks if its consumer stops)
// (BenchmarkMerge, 2 cores; see the package doc). Setting up Merge takes 6
// allocations for 4 inputs (the channel, a counter, and a goroutine's
// closure per input), the hand-written one 11 (testing.AllocsPerRun,
// TestMergeSetupAllocs); BenchmarkMerge's 15 and 20 allocs/op count the 9
// of starting its 4 producers in.
//
// A nil ctx makes Merge panic at once: "chans: Merge: nil context".
func Merge[T any](ctx context.Context, ins ...<-chan T) <-chan T {
	if ctx == nil {
		panic("chans: Merge: nil context")
	}
	out := make(chan T)
	var live int64
	for _, in := range ins {
		if in != nil {
			live++
		}
	}
	if live == 0 {
		close(out)
		return out
	}
	var left atomic.Int64
	left.Store(live)
	done := ctx.Done()
	for _, in := range ins {
		if in == nil {
			continue
		}
		go func() {
			defer func() {
				if left.Add(-1) == 0 {
					close(out)
				}
			}()
			forward(done, in, out)
		}()
	}
	return out
}

// forward copies in to out until in is closed or done is closed.
func forward[T any](done <-chan struct{}, in <-chan T, out chan<- T) {
	if done == nil { // ctx can never end: plain receives and sends are enough
		for v := range in {
			out <- v
		}
		return
	}
	for {
		// Try without ctx first: a one-case select with a default is much
		// cheaper than a two-case one, and in a busy stream the other side
		// is often ready.
		var (
			v  T
			ok bool
		)
		select {
		case v, ok = <-in:
		default:
			select {
			case v, ok = <-in:
			case <-done:
				return
			}
		}
		if !ok {
			return
		}
		select {
		case out <- v:
		default:
			select {
			case out <- v:
			case <-done:
				return
			}
		}
	}
}

// FanOut distributes the values of in over n returned channels, each value
// to exactly one of them, so slow workers get less. It is the fan-out to n
// workers. Each output has a goroutine of its own that takes a value from
// in, then waits for its consumer: a consumer busy with a long job holds
// one more value back until it is done, while the others may be idle.
// When that latency matters, let the workers receive from in themselves.
//
// Each returned channel is closed once in is closed or ctx is done; a value
// taken from in when ctx ends is dropped. FanOut starts n goroutines, owned
// by FanOut, which end then. A nil in is treated as closed. Having no
// error result, FanOut panics at once on bad input: a nil ctx ("chans:
// FanOut: nil context") or an n below 1 ("chans: FanOut: n must be
// positive (got 0)").
//
// Spreading one producer's values over 4 workers costs about 280 ns per
// value, the producer's handoff included (BenchmarkFanOut).
func FanOut[T any](ctx context.Context, in <-chan T, n int) []<-chan T {
	if ctx == nil {
		panic("chans: FanOut: nil context")
	}
	if n <= 0 {
		panic(fmt.Sprintf("chans: FanOut: n must be positive (got %d)", n))
	}
	outs := make([]<-chan T, n)
	done := ctx.Done()
	for i := range outs {
		out := make(chan T)
		outs[i] = out
		if in == nil {
			close(out)
			continue
		}
		go func() {
			defer close(out)
			forward(done, in, out)
		}()
	}
	return outs
}

// Tee copies every value of in to all n returned channels. A value is taken
// from in only once every output has received the previous one, so the
// slowest consumer paces all of them; the outputs can be read in any order
// without deadlock.
//
// The returned channels are closed once in is closed or ctx is done (a
// value in the middle of being delivered is then not delivered to every
// output). Tee starts one goroutine, owned by Tee, which ends then. A nil
// in is treated as closed. Tee panics at once on a nil ctx or an n below
// 1, as FanOut does ("chans: Tee: n must be positive (got 0)").
//
// Tee costs about 450 ns per value for 2 outputs, and 1.1 µs and 9
// allocations per value for 3 or more, which go through reflect.Select
// (BenchmarkTee).
func Tee[T any](ctx context.Context, in <-chan T, n int) []<-chan T {
	if ctx == nil {
		panic("chans: Tee: nil context")
	}
	if n <= 0 {
		panic(fmt.Sprintf("chans: Tee: n must be positive (got %d)", n))
	}
	chs := make([]chan T, n)
	outs := make([]<-chan T, n)
	for i := range chs {
		chs[i] = make(chan T)
		outs[i] = chs[i]
	}
	if in == nil {
		for _, c := range chs {
			close(c)
		}
		return outs
	}
	done := ctx.Done()
	go func() {
		defer func() {
			for _, c := range chs {
				close(c)
			}
		}()
		switch n {
		case 1:
			forward(done, in, chs[0])
			return
		case 2: // the common case, without reflect
			for {
				var v T
				var ok bool
				select {
				case v, ok = <-in:
				case <-done:
					return
				}
				if !ok {
					return
				}
				a, b := chs[0], chs[1]
				for a != nil || b != nil {
					select {
					case a <- v:
						a = nil
					case b <- v:
						b = nil
					case <-done:
						return
					}
				}
			}
		}
		// One case per output still owed the current value, then ctx.
		cases := make([]reflect.SelectCase, n+1)
		owed := make([]int, n) // owed[k] is the output behind cases[k]
		for {
			var v T
			var ok bool
			select {
			case v, ok = <-in:
			case <-done:
				return
			}
			if !ok {
				return
			}
			rv := reflect.ValueOf(&v).Elem()
			m := n
			for i := range chs {
				owed[i] = i
			}
			for m > 0 {
				for k := range m {
					cases[k] = reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(chs[owed[k]]), Send: rv}
				}
				cases[m] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)}
				k, _, _ := reflect.Select(cases[:m+1])
				if k == m {
					return
				}
				m--
				owed[k] = owed[m]
			}
		}
	}()
	return outs
}
