package chans_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spool-go/spool/chans"
	"github.com/spool-go/spool/internal/testpanic"
)

// TestNilContextPanics: every exported function and method of chans that
// takes a context panics at once with "chans: <Func>: nil context",
// starting nothing (goleak checks) and taking nothing. Merge, FanOut and
// Tee used to hit the nil on goroutines of their own, which crashed the
// process; Send, Recv and Changed took the nil silently when they had not
// to wait; Seq crashed in the loop.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	ctx := context.Background()
	in := make(chan int)

	b := chans.NewBroadcast[int]()
	defer b.Close()
	sub := b.Subscribe(4)
	if err := b.Send(ctx, 1); err != nil { // sub has a value buffered: Recv need not wait
		t.Fatal(err)
	}
	w := chans.NewWatch(0)
	watcher := w.Subscribe()
	if err := w.Set(1); err != nil { // watcher has a change to see: Changed need not wait
		t.Fatal(err)
	}
	p := chans.NewPipeline(ctx)
	defer p.Close()

	tests := []struct {
		name string
		call func()
	}{
		{"Merge", func() { chans.Merge(nilCtx, in, in) }},
		{"Merge", func() { chans.Merge[int](nilCtx) }}, // no input: still refused
		{"FanOut", func() { chans.FanOut(nilCtx, in, 2) }},
		{"FanOut", func() { chans.FanOut(nilCtx, in, 0) }}, // the ctx first
		{"Tee", func() { chans.Tee(nilCtx, in, 2) }},
		{"Batch", func() { chans.Batch(nilCtx, in, 4, time.Second) }},
		{"Seq", func() { chans.Seq(nilCtx, in) }}, // at the call, not the loop
		{"FromSeq", func() { chans.FromSeq(nilCtx, slices.Values([]int{1})) }},
		{"NewPipeline", func() { chans.NewPipeline(nilCtx) }},
		{"Pipeline.Wait", func() { _ = p.Wait(nilCtx) }},
		{"Broadcast.Send", func() { _ = b.Send(nilCtx, 2) }},
		{"Subscription.Recv", func() { _, _ = sub.Recv(nilCtx) }},
		{"Watcher.Changed", func() { _ = watcher.Changed(nilCtx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "chans: " + tt.name + ": nil context"
			if got := testpanic.Value(tt.call); got != want {
				t.Errorf("%s(nil ctx) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
	// The refused calls took and sent nothing.
	if v, err := sub.Recv(ctx); v != 1 || err != nil {
		t.Errorf("Recv = %v, %v after the refused Send and Recv; want 1, nil", v, err)
	}
	if !watcher.HasChanged() {
		t.Errorf("the refused Changed marked the change seen")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close = %v after the refused Wait; want nil", err)
	}
}

// TestBadInput: bad arguments and options. Functions without an error
// result panic at once, naming the argument or option and the value, and
// leave nothing running; Watch.Update, which has one, returns an error
// matching ErrInvalid. An option never panics by itself.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	in := make(chan int)
	closed := chans.NewPipeline(ctx)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	var stageNilFn func(context.Context, int) (int, error)
	panics := []struct {
		name string
		call func()
		want string
	}{
		{"FanOut(n=0)", func() { chans.FanOut(ctx, in, 0) }, "chans: FanOut: n must be positive (got 0)"},
		{"FanOut(n=-1)", func() { chans.FanOut(ctx, in, -1) }, "chans: FanOut: n must be positive (got -1)"},
		{"Tee(n=0)", func() { chans.Tee(ctx, in, 0) }, "chans: Tee: n must be positive (got 0)"},
		{"Tee(n=-3)", func() { chans.Tee(ctx, in, -3) }, "chans: Tee: n must be positive (got -3)"},
		{"Batch(size=0)", func() { chans.Batch(ctx, in, 0, time.Second) }, "chans: Batch: size must be positive (got 0)"},
		{"Batch(size=-1)", func() { chans.Batch(ctx, in, -1, time.Second) }, "chans: Batch: size must be positive (got -1)"},
		{"Batch(maxWait=0)", func() { chans.Batch(ctx, in, 1, 0) }, "chans: Batch: maxWait must be positive (got 0s)"},
		{"Batch(maxWait=-1s)", func() { chans.Batch(ctx, in, 1, -time.Second) }, "chans: Batch: maxWait must be positive (got -1s)"},
		{"NewBroadcast(OnFull(7))", func() { chans.NewBroadcast[int](chans.OnFull(chans.Policy(7))) },
			"chans: NewBroadcast: OnFull must be Block, DropOldest or Lag (got Policy(7))"},
		{"NewBroadcast(OnFull(-1), OnFull(Lag))", func() { chans.NewBroadcast[int](chans.OnFull(-1), chans.OnFull(chans.Lag)) },
			"chans: NewBroadcast: OnFull must be Block, DropOldest or Lag (got Policy(-1))"},
		{"NewBroadcast(nil)", func() { chans.NewBroadcast[int](nil) },
			"chans: NewBroadcast: option must not be nil (got nil at index 0)"},
		{"NewBroadcast(OnFull(Lag), nil)", func() { chans.NewBroadcast[int](chans.OnFull(chans.Lag), nil) },
			"chans: NewBroadcast: option must not be nil (got nil at index 1)"},
		{"Broadcast.Subscribe(0)", func() { chans.NewBroadcast[int]().Subscribe(0) },
			"chans: Broadcast.Subscribe: buf must be positive (got 0)"},
		{"Broadcast.Subscribe(-2)", func() { chans.NewBroadcast[int]().Subscribe(-2) },
			"chans: Broadcast.Subscribe: buf must be positive (got -2)"},
		{"Stage(nil p)", func() { chans.Stage(nil, in, 1, double) }, "chans: Stage: p must not be nil (got nil)"},
		{"Stage(workers=0)", func() { stageOn(ctx, in, 0, double) }, "chans: Stage: workers must be positive (got 0)"},
		{"Stage(workers=-2)", func() { stageOn(ctx, in, -2, double) }, "chans: Stage: workers must be positive (got -2)"},
		{"Stage(nil fn)", func() { stageOn(ctx, in, 1, stageNilFn) }, "chans: Stage: fn must not be nil (got nil)"},
		{"Stage(nil option)", func() { stageOn(ctx, in, 1, double, nil) },
			"chans: Stage: option must not be nil (got nil at index 0)"},
		{"Stage(Ordered, nil)", func() { stageOn(ctx, in, 2, double, chans.Ordered(), nil) },
			"chans: Stage: option must not be nil (got nil at index 1)"},
		{"Stage(nil in, workers=0)", func() { stageOn(ctx, nil, 0, double) }, "chans: Stage: workers must be positive (got 0)"},
		{"Stage(closed, nil fn)", func() { chans.Stage(closed, in, 1, stageNilFn) }, "chans: Stage: fn must not be nil (got nil)"},
		{"Pipeline.Go(nil)", func() { goOn(ctx, nil) }, "chans: Pipeline.Go: fn must not be nil (got nil)"},
		{"Pipeline.Go(nil), closed", func() { closed.Go(nil) }, "chans: Pipeline.Go: fn must not be nil (got nil)"},
	}
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			if got := testpanic.Value(tt.call); got != tt.want {
				t.Errorf("%s panicked with %v; want %q", tt.name, got, tt.want)
			}
		})
	}

	// An option never panics by itself: NewBroadcast reports it.
	for _, p := range []chans.Policy{-1, 3, 7} {
		if got := testpanic.Value(func() { chans.OnFull(p) }); got != nil {
			t.Errorf("OnFull(%v) panicked with %v; want the panic from NewBroadcast only", p, got)
		}
	}

	// Watch.Update has an error result: a nil fn is an error, open or closed,
	// and changes nothing.
	w := chans.NewWatch(7)
	watcher := w.Subscribe()
	for _, state := range []string{"open", "closed"} {
		if state == "closed" {
			w.Close()
		}
		err := w.Update(nil)
		if !errors.Is(err, chans.ErrInvalid) || err.Error() != "chans: Watch.Update: fn must not be nil (got nil)" {
			t.Errorf("%s Watch: Update(nil) = %v; want %q matching ErrInvalid", state, err,
				"chans: Watch.Update: fn must not be nil (got nil)")
		}
		if v, ver := w.Get(), w.Version(); v != 7 || ver != 0 || watcher.HasChanged() {
			t.Errorf("%s Watch: after Update(nil), Get = %d, Version = %d, HasChanged = %v; want 7, 0, false",
				state, v, ver, watcher.HasChanged())
		}
	}
}

// stageOn calls Stage on a new pipeline, which it closes whatever Stage
// does; the pipeline must not have failed.
func stageOn[In, Out any](ctx context.Context, in <-chan In, workers int, fn func(context.Context, In) (Out, error), opts ...chans.StageOption) {
	p := chans.NewPipeline(ctx)
	defer func() {
		if err := p.Close(); err != nil {
			panic(fmt.Sprintf("the refused Stage failed the pipeline: %v", err))
		}
	}()
	chans.Stage(p, in, workers, fn, opts...)
}

// goOn calls Go on a new pipeline, as stageOn calls Stage.
func goOn(ctx context.Context, fn func(context.Context) error) {
	p := chans.NewPipeline(ctx)
	defer func() {
		if err := p.Close(); err != nil {
			panic(fmt.Sprintf("the refused Go failed the pipeline: %v", err))
		}
	}()
	p.Go(fn)
}

// ExampleFanOut_badN: FanOut has no error result, so a bad n makes it
// panic at once, naming the argument and the value.
func ExampleFanOut_badN() {
	defer func() { fmt.Println(recover()) }()
	chans.FanOut(context.Background(), make(chan int), 0)
	// Output: chans: FanOut: n must be positive (got 0)
}
