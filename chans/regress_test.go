package chans_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/chans"
)

// TestCloseWithCtxHonouringStage: a stage fn that honours its ctx and
// returns ctx.Err() when Close cancels it is no failure: Close returns
// nil, and Wait an error wrapping ErrClosed, as their docs say. Its ctx
// error used to be recorded as the pipeline's failure, and Close returned
// a bare context.Canceled.
func TestCloseWithCtxHonouringStage(t *testing.T) {
	p := chans.NewPipeline(context.Background())
	in := make(chan int, 1)
	in <- 1 // never closed: input not exhausted
	started := make(chan struct{})
	out := chans.Stage(p, in, 1, func(ctx context.Context, v int) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	err := p.Close()
	for range out {
	}
	if err != nil {
		t.Errorf("Close() = %v; want nil", err)
	}
	if err := p.Wait(context.Background()); !errors.Is(err, chans.ErrClosed) {
		t.Errorf("Wait() after Close = %v; want an error wrapping ErrClosed", err)
	}
}

// TestGoNilAfterCloseDoesNothing: Go(nil) after Close leaves the closed
// pipeline's result alone; it used to fail it, so a later Wait reported
// an error Close had not. A nil fn is bad input, which Go, having no
// error result, now refuses with a panic at the call, closed pipeline or
// not (TestBadInput).
func TestGoNilAfterCloseDoesNothing(t *testing.T) {
	p := chans.NewPipeline(context.Background())
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := "chans: Pipeline.Go: fn must not be nil (got nil)"
	if got := mustPanic(t, func() { p.Go(nil) }); got != want {
		t.Errorf("Go(nil) after Close panicked with %v; want %q", got, want)
	}
	if err := p.Wait(context.Background()); err != nil {
		t.Errorf("Wait after Close+Go(nil) = %v; want nil (Go does nothing after Close)", err)
	}
}

// TestDroppedCountsBeforeRecv: under DropOldest, Dropped counts the values
// already overwritten, before the next Recv; it used to be brought up to
// date only by Recv, so a subscriber that had lost 8 values was told 0.
func TestDroppedCountsBeforeRecv(t *testing.T) {
	b := chans.NewBroadcast[int](chans.OnFull(chans.DropOldest))
	s := b.Subscribe(2)
	for i := range 10 {
		if err := b.Send(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	if d := s.Dropped(); d != 8 {
		t.Errorf("Dropped() before Recv = %d; want 8 (values 0..7 already overwritten)", d)
	}
	v, _ := s.Recv(context.Background())
	if v != 8 || s.Dropped() != 8 {
		t.Fatalf("Recv = %d, Dropped = %d; want 8, 8", v, s.Dropped())
	}
}
