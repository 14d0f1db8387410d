package chans_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name   string
		inputs [][]int // nil entry: a nil channel
		want   []int
	}{
		{"no inputs", nil, nil},
		{"only nil inputs", [][]int{nil, nil}, nil},
		{"one input", [][]int{{1, 2, 3}}, []int{1, 2, 3}},
		{"three inputs", [][]int{{1, 2}, {3}, {4, 5, 6}}, []int{1, 2, 3, 4, 5, 6}},
		{"empty and nil inputs", [][]int{{}, nil, {7}}, []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var ins []<-chan int
			for _, vals := range tt.inputs {
				if vals == nil {
					ins = append(ins, nil)
					continue
				}
				ins = append(ins, produce(ctx, vals...))
			}
			got := sorted(collect(chans.Merge(ctx, ins...)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Merge = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestMergeKeepsPerInputOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := produce(ctx, ints(0, 500)...), produce(ctx, ints(1000, 500)...)
	var fromA, fromB []int
	for v := range chans.Merge(ctx, a, b) {
		if v < 1000 {
			fromA = append(fromA, v)
		} else {
			fromB = append(fromB, v)
		}
	}
	if !slices.Equal(fromA, ints(0, 500)) || !slices.Equal(fromB, ints(1000, 500)) {
		t.Errorf("Merge reordered values of one input")
	}
}

func TestMergeCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		never := make(chan int) // never closed, never sends
		busy := make(chan int)
		go func() { // a producer that keeps sending until the merge stops taking
			for i := 0; ; i++ {
				select {
				case busy <- i:
				case <-ctx.Done():
					return
				}
			}
		}()
		out := chans.Merge(ctx, never, busy)
		<-out
		<-out
		cancel()
		for range out { // must end: out is closed after cancel
		}
	})
}

func TestFanOut(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		ctx := context.Background()
		outs := chans.FanOut(ctx, produce(ctx, ints(0, 100)...), n)
		if len(outs) != n {
			t.Fatalf("FanOut(n=%d) gave %d channels", n, len(outs))
		}
		got := collect(chans.Merge(ctx, outs...))
		if got = sorted(got); !slices.Equal(got, ints(0, 100)) {
			t.Errorf("FanOut(n=%d): each value once: got %v", n, got)
		}
	}
}

func TestFanOutSlowWorkerGetsLess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		outs := chans.FanOut(ctx, produce(ctx, ints(0, 10)...), 2)
		slowDone := make(chan int)
		go func() { // takes one value and stops until the others are done
			n := 0
			if _, ok := <-outs[1]; ok { // the fast one may have taken all
				n++
			}
			synctest.Wait()
			for range outs[1] {
				n++
			}
			slowDone <- n
		}()
		fast := len(collect(outs[0]))
		slow := <-slowDone
		if fast+slow != 10 || fast < 8 {
			t.Errorf("fast worker got %d, slow %d; want the fast one to take at least 8 of 10", fast, slow)
		}
	})
}

func TestFanOutBadN(t *testing.T) {
	for _, n := range []int{0, -1} {
		v := mustPanic(t, func() { chans.FanOut(context.Background(), make(chan int), n) })
		if s, _ := v.(string); s == "" {
			t.Errorf("FanOut(n=%d) panicked with %v; want a message", n, v)
		}
	}
	mustPanic(t, func() { chans.Tee(context.Background(), make(chan int), 0) })
}

func TestTee(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		ctx := context.Background()
		outs := chans.Tee(ctx, produce(ctx, ints(0, 50)...), n)
		got := make([][]int, n)
		done := make(chan struct{})
		// Read the outputs from the last to the first on separate goroutines:
		// delivery order must not matter.
		for i := n - 1; i >= 0; i-- {
			go func() {
				got[i] = collect(outs[i])
				done <- struct{}{}
			}()
		}
		for range n {
			<-done
		}
		for i := range n {
			if !slices.Equal(got[i], ints(0, 50)) {
				t.Errorf("Tee(n=%d) output %d = %v; want 0..49", n, i, got[i])
			}
		}
	}
}

func TestTeeCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		in := make(chan int)
		outs := chans.Tee(ctx, in, 3)
		go func() { in <- 1 }()
		<-outs[2] // the others never read
		cancel()
		for _, o := range outs {
			for range o {
			}
		}
	})
}

func TestNilInputs(t *testing.T) {
	ctx := context.Background()
	for i, o := range chans.FanOut[int](ctx, nil, 2) {
		if _, ok := <-o; ok {
			t.Errorf("FanOut(nil) output %d delivered; want closed", i)
		}
	}
	for i, o := range chans.Tee[int](ctx, nil, 2) {
		if _, ok := <-o; ok {
			t.Errorf("Tee(nil) output %d delivered; want closed", i)
		}
	}
	if _, ok := <-chans.FromSeq[int](ctx, nil); ok {
		t.Errorf("FromSeq(nil) delivered; want closed")
	}
}

// The allocations of setting up a fan-in of 4 inputs, which Merge's doc
// states: Merge alone and the hand-written fan-in alone. The doc said 15
// and 20, BenchmarkMerge's allocs/op, which count the 9 of starting its 4
// producers in.
func TestMergeSetupAllocs(t *testing.T) {
	closed := make(chan int)
	close(closed)
	ins := []<-chan int{closed, closed, closed, closed}
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	tests := []struct {
		name string
		fn   func()
		want float64
	}{
		{"Merge, cancellable ctx", func() {
			for range chans.Merge(cancellable, ins...) {
			}
		}, 6},
		{"Merge, background ctx", func() {
			for range chans.Merge(context.Background(), ins...) {
			}
		}, 6},
		{"hand-written fan-in", func() {
			for range handFanIn(ins) {
			}
		}, 11},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(200, tt.fn); got != tt.want {
			t.Errorf("%s: %v allocations; want %v", tt.name, got, tt.want)
		}
	}
}
