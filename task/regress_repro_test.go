package task

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestNoJoin2ReadsUnfinishedB: Join2 reads only the task that ended. It
// used to read b's result when only a had ended, while b still ran. Fails
// under -race only.
func TestNoJoin2ReadsUnfinishedB(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	aDone := make(chan struct{})
	a := Go(ctx, func(context.Context) (int, error) { defer close(aDone); return 1, nil })
	b := Go(ctx, func(context.Context) (int, error) {
		<-release
		return 2, errors.New("b failed")
	})
	go func() {
		<-aDone
		for i := 0; i < 100; i++ {
			runtime.Gosched()
		}
		close(release)
	}()
	_, _, err := Join2(ctx, a, b)
	if err == nil {
		t.Fatal("want b's error")
	}
}

// TestNoFailFastWaitBeforeCancel: with FailFast, the group's context is
// cancelled by the time Wait returns the failure. Wait used to return it
// first, so a Go right after ran.
func TestNoFailFastWaitBeforeCancel(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	for i := 0; i < 20000; i++ {
		g := NewGroup[int](ctx, FailFast())
		g.Go(ctx, func(context.Context) (int, error) { return 0, boom })
		if _, err := g.Wait(ctx); !errors.Is(err, boom) {
			t.Fatalf("Wait = %v", err)
		}
		ran := false
		if g.Context().Err() == nil {
			g.Go(ctx, func(context.Context) (int, error) { ran = true; return 0, nil })
			g.Wait(ctx)
			g.Close()
			t.Fatalf("iteration %d: Wait returned the failure but the group's context is not cancelled (a later Go ran: %v)", i, ran)
		}
		g.Close()
	}
}

// TestFailFastCancelledBeforeTaskShowsFailure: whoever sees a FailFast
// group's failure through the failed task itself (Await) must find the
// group cancelled, so that a TryGo right after is refused. When the cancel
// came after the task published its result, 359 of 20,000 TryGos ran.
func TestFailFastCancelledBeforeTaskShowsFailure(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	for i := range 20000 {
		g := NewGroup[int](ctx, FailFast())
		tk := g.Go(ctx, func(context.Context) (int, error) { return 0, boom })
		if _, err := tk.Await(ctx); !errors.Is(err, boom) {
			t.Fatalf("Await = %v; want boom", err)
		}
		if g.Context().Err() == nil {
			g.Close()
			t.Fatalf("iteration %d: the failed task shows its failure, but the group's context is not cancelled", i)
		}
		if tk2, ok := g.TryGo(func(context.Context) (int, error) { return 1, nil }); ok || tk2 != nil {
			t.Fatalf("iteration %d: TryGo after the failure: got %v, %v; want nil, false", i, tk2, ok)
		}
		g.Close()
	}
}

// TestNoKidLeak: a task's context that attaches (Done) while the task ends
// does not stay in its parent's kids. It used to be linked after it had
// ended, and stayed there until the parent ended.
func TestNoKidLeak(t *testing.T) {
	parentT, _ := Prepare(context.Background(), func(ctx context.Context) (int, error) { return 0, nil })
	p := &parentT.ctx
	p.Done() // attached, linkable
	leaked := 0
	for i := 0; i < 200000 && leaked == 0; i++ {
		var go1 atomic.Bool
		release := make(chan struct{})
		kid, j := Prepare(context.Context(p), func(ctx context.Context) (int, error) { <-release; return 0, nil })
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); j.Run() }()
		go func() {
			defer wg.Done()
			for !go1.Load() {
			}
			kid.Context().Done()
		}()
		close(release)
		go1.Store(true)
		wg.Wait()
		p.mu.Lock()
		if p.kids == &kid.ctx && kid.finished() {
			leaked++
			p.kids = nil
		}
		p.mu.Unlock()
	}
	if leaked > 0 {
		t.Fatalf("an ended task's context stayed linked into its parent's kids (held until the parent ends)")
	}
}
