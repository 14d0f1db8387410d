package task

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestNoJoin2ReadsUnfinishedB guards against a bug an audit found (fixed since): Join2's decide calls b.failure()
// even when only a (i == 0) has ended, reading b's result while b still runs.
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

// TestNoFailFastWaitBeforeCancel guards against a bug an audit found (fixed since): with FailFast, Wait can return the
// failure before the group's context is cancelled, so a Go right after runs.
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

// TestNoKidLeak guards against a bug an audit found (fixed since): a task's context that attaches (Done) while the task
// ends can be linked into its parent's kids after it has ended and unlinked,
// staying there until the parent ends.
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
