package chans_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/chans"
)

// The helpers whose closing rules FuzzClosing checks.
const (
	kindMerge = iota
	kindFanOut
	kindTee
	kindBatch
	kindFromSeq
	kindStage
	kindStageOrdered
	kindSeq
	numKinds
)

// FuzzClosing checks the package's promise for every helper: whatever the
// number of inputs, values, and the moment the consumer cancels, every
// returned channel is closed (the consumer drains it to the end), and no
// goroutine is left behind (synctest.Test fails on a goroutine still blocked
// when the test ends), including when the consumer stops reading at once
// after cancelling. Without cancellation every value arrives.
func FuzzClosing(f *testing.F) {
	for kind := range numKinds {
		f.Add(uint8(kind), uint8(3), uint8(10), uint8(255), true) // exhaust the inputs
		f.Add(uint8(kind), uint8(3), uint8(10), uint8(4), true)   // cancel midway, drain
		f.Add(uint8(kind), uint8(2), uint8(50), uint8(1), false)  // cancel early, walk away
		f.Add(uint8(kind), uint8(1), uint8(0), uint8(255), true)  // no values
		f.Add(uint8(kind), uint8(4), uint8(7), uint8(0), false)   // cancel before reading
	}
	f.Fuzz(func(t *testing.T, kind, n, count, cancelAt uint8, drain bool) {
		synctest.Test(t, func(t *testing.T) {
			checkClosing(t, int(kind)%numKinds, 1+int(n)%4, int(count), int(cancelAt), drain)
		})
	})
}

func checkClosing(t *testing.T, kind, n, count, cancelAt int, drain bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inputs := func(k int) []<-chan int {
		ins := make([]<-chan int, k)
		for i := range ins {
			ins[i] = produce(ctx, ints(i*1000, count)...)
		}
		return ins
	}
	var (
		outs []<-chan int
		want int // values expected without cancellation
		p    *chans.Pipeline
	)
	switch kind {
	case kindMerge:
		outs, want = []<-chan int{chans.Merge(ctx, inputs(n)...)}, n*count
	case kindFanOut:
		outs, want = chans.FanOut(ctx, inputs(1)[0], n), count
	case kindTee:
		outs, want = chans.Tee(ctx, inputs(1)[0], n), n*count
	case kindBatch:
		batches := chans.Batch(ctx, inputs(1)[0], n, time.Millisecond)
		flat := make(chan int)
		go func() { // flatten, as a consumer of Batch would
			defer close(flat)
			for b := range batches {
				for _, v := range b {
					flat <- v
				}
			}
		}()
		outs, want = []<-chan int{flat}, count
	case kindFromSeq:
		outs, want = []<-chan int{chans.FromSeq(ctx, slices.Values(ints(0, count)))}, count
	case kindStage, kindStageOrdered:
		p = chans.NewPipeline(ctx)
		var opts []chans.StageOption
		if kind == kindStageOrdered {
			opts = append(opts, chans.Ordered())
		}
		outs, want = []<-chan int{chans.Stage(p, inputs(1)[0], n, double, opts...)}, count
	case kindSeq:
		seqOut := make(chan int)
		in := inputs(1)[0]
		go func() { // a consumer goroutine ranging with Seq
			defer close(seqOut)
			for v := range chans.Seq(ctx, in) {
				seqOut <- v // the reader below drains seqOut to the end
			}
		}()
		outs, want = []<-chan int{seqOut}, count
	}

	var got atomic.Int64
	if cancelAt == 0 {
		cancel()
	}
	var wg sync.WaitGroup
	for _, out := range outs {
		wg.Go(func() {
			for range out {
				if got.Add(1) == int64(cancelAt) {
					cancel()
				}
				if !drain && ctx.Err() != nil && kind != kindSeq && kind != kindBatch {
					return // walk away; the helper must not leak
				}
			}
		})
	}
	wg.Wait()
	if p != nil {
		err := p.Wait(context.Background())
		if ctx.Err() == nil && err != nil {
			t.Errorf("Pipeline.Wait = %v without cancellation", err)
		}
		p.Close()
	}
	if ctx.Err() == nil && got.Load() != int64(want) {
		t.Errorf("kind %d: received %d values; want %d", kind, got.Load(), want)
	}
}
