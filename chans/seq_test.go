package chans_test

import (
	"context"
	"errors"
	"github.com/spool-go/spool/internal/slottest"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
)

func TestSeq(t *testing.T) {
	ctx := context.Background()
	got := slices.Collect(chans.Seq(ctx, produce(ctx, 1, 2, 3)))
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("Seq = %v; want [1 2 3]", got)
	}
}

func TestSeqBreakLeavesValues(t *testing.T) {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	ch <- 3
	close(ch)
	for v := range chans.Seq(context.Background(), ch) {
		if v == 1 {
			break
		}
	}
	if got := collect(ch); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("after break, channel holds %v; want [2 3]", got)
	}
}

func TestSeqCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ch := make(chan int) // never closed
		ended := make(chan int)
		go func() {
			n := 0
			for range chans.Seq(ctx, ch) {
				n++
			}
			ended <- n
		}()
		ch <- 1
		synctest.Wait()
		cancel()
		if n := <-ended; n != 1 {
			t.Errorf("Seq yielded %d values; want 1", n)
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("ctx.Err() = %v; want Canceled", ctx.Err())
		}
	})
}

func TestSeqParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s slottest.Counter
		ch := make(chan int)
		go func() {
			synctest.Wait() // the consumer is parked on an empty channel
			ch <- 1
			close(ch)
		}()
		onSlot(t, &s, func(ctx context.Context) {
			if got := slices.Collect(chans.Seq(ctx, ch)); !slices.Equal(got, []int{1}) {
				t.Errorf("Seq = %v; want [1]", got)
			}
		})
		if r, a := s.Released.Load(), s.Acquired.Load(); r == 0 || r != a {
			t.Errorf("slot released %d times, acquired %d; want equal and > 0", r, a)
		}
	})
}

func TestFromSeq(t *testing.T) {
	ctx := context.Background()
	got := collect(chans.FromSeq(ctx, slices.Values([]string{"a", "b"})))
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("FromSeq = %v; want [a b]", got)
	}
}

func TestFromSeqCancelStopsSeq(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		endless := func(yield func(int) bool) {
			defer close(stopped)
			for i := 0; yield(i); i++ {
			}
		}
		out := chans.FromSeq(ctx, endless)
		<-out
		<-out
		cancel() // the consumer stops reading: cancelling is its job
		<-stopped
		for range out {
		}
	})
}
