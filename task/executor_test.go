package task_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// countSlot is a Slot that counts its Releases and Acquires.
type countSlot struct{ released, acquired atomic.Int32 }

func (s *countSlot) Release() bool { s.released.Add(1); return true }
func (s *countSlot) Acquire()      { s.acquired.Add(1) }

// fakeExec is an Executor whose RunTask does what run says, recording
// what the group gave it.
type fakeExec struct {
	slot task.Slot
	run  func(j task.Job)

	mu   sync.Mutex
	fns  int               // TaskSlot calls with a non-nil fn
	ctxs []context.Context // RunTask's
}

func (e *fakeExec) TaskSlot(fn any) task.Slot {
	e.mu.Lock()
	defer e.mu.Unlock()
	if fn != nil {
		e.fns++
	}
	return e.slot
}

func (e *fakeExec) RunTask(ctx context.Context, j task.Job) {
	e.mu.Lock()
	e.ctxs = append(e.ctxs, ctx)
	e.mu.Unlock()
	e.run(j)
}

type keyT struct{}

// TestGroupOnExecutor: a group made with On hands every task to its
// Executor: TaskSlot's slot is the one the task's await points give back,
// RunTask gets the group's parent context, and what RunTask does decides
// the task's outcome. A RunTask that returns without running the task
// fails it with ErrNotStarted instead of leaving Wait waiting for good.
func TestGroupOnExecutor(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name      string
		run       func(j task.Job)
		wantV     int
		wantErr   error
		wantParks int32
	}{
		{"runs", func(j task.Job) { j.Run() }, 7, nil, 1},
		{"aborts", func(j task.Job) { j.Abort(boom) }, 0, boom, 0},
		{"returns without running", func(task.Job) {}, 0, task.ErrNotStarted, 0},
		{"returns and runs it later", func(j task.Job) {
			go func() {
				<-j.Context().Done() // the group failed it: Run does nothing
				j.Run()
			}()
		}, 0, task.ErrNotStarted, 0},
		{"runs on another goroutine and waits", func(j task.Job) {
			done := make(chan struct{})
			go func() { defer close(done); j.Run() }()
			<-done
		}, 7, nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				slot := new(countSlot)
				e := &fakeExec{slot: slot, run: c.run}
				parent := context.WithValue(context.Background(), keyT{}, "parent")
				g := task.NewGroup[int](parent, task.On(e))
				defer g.Close()
				tk := g.Go(parent, func(ctx context.Context) (int, error) {
					p := task.Park(ctx) // gives back TaskSlot's slot
					p.Resume()
					return 7, nil
				})
				vals, err := g.Wait(parent)
				if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
					t.Fatalf("Wait = %v, %v; want error %v", vals, err, c.wantErr)
				}
				if v, err, _ := tk.Result(); v != c.wantV || !errors.Is(err, c.wantErr) {
					t.Errorf("task = %d, %v; want %d, %v", v, err, c.wantV, c.wantErr)
				}
				if r, a := slot.released.Load(), slot.acquired.Load(); r != c.wantParks || a != c.wantParks {
					t.Errorf("slot released %d, acquired %d times; want %d, %d", r, a, c.wantParks, c.wantParks)
				}
				e.mu.Lock()
				defer e.mu.Unlock()
				if e.fns != 1 || len(e.ctxs) != 1 || e.ctxs[0].Value(keyT{}) != "parent" {
					t.Errorf("TaskSlot got %d fns, RunTask %d contexts (%v); want 1, and 1 that is the group's parent", e.fns, len(e.ctxs), e.ctxs)
				}
			})
		})
	}
}

// TestGroupOnExecutorNotForInline: a submission that a full group runs on
// its submitter's goroutine (the caller-runs rule) is not handed to the
// Executor.
func TestGroupOnExecutorNotForInline(t *testing.T) {
	e := &fakeExec{run: func(j task.Job) { j.Run() }}
	ctx := context.Background()
	g := task.NewGroup[int](ctx, task.On(e), task.Limit(1))
	defer g.Close()
	v, err := g.Go(ctx, func(ctx context.Context) (int, error) {
		return g.Go(ctx, func(context.Context) (int, error) { return 3, nil }).Await(ctx) // runs inline
	}).Await(ctx)
	if v != 3 || err != nil {
		t.Fatalf("outer task = %d, %v; want 3, nil", v, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fns != 2 || len(e.ctxs) != 1 {
		t.Errorf("TaskSlot called for %d tasks, RunTask for %d; want 2 and 1 (the inline one runs on its submitter)", e.fns, len(e.ctxs))
	}
}

func TestOnNil(t *testing.T) {
	const want = "task: NewGroup: On: nil Executor"
	defer func() {
		if got := recover(); got != want {
			t.Errorf("NewGroup(On(nil)) panicked with %v; want %q", got, want)
		}
	}()
	task.NewGroup[int](context.Background(), task.On(nil))
}

// budget is an Executor that runs at most cap(b) tasks at once across
// every group made with it: a limit that groups share, per host, say.
type budget chan struct{}

func (b budget) TaskSlot(any) task.Slot { return nil } // its tasks hold no runtime slot

func (b budget) RunTask(ctx context.Context, j task.Job) {
	b <- struct{}{}
	defer func() { <-b }()
	j.Run()
}

// An Executor of your own can share one limit between groups: here two
// groups of three tasks each run at most two tasks at once between them.
func ExampleOn() {
	perHost := budget(make(chan struct{}, 2))
	var running, peak atomic.Int32
	work := func(ctx context.Context) (int, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		defer running.Add(-1)
		return 1, nil
	}
	ctx := context.Background()
	a := task.NewGroup[int](ctx, task.On(perHost))
	b := task.NewGroup[int](ctx, task.On(perHost))
	for range 3 {
		a.Go(ctx, work)
		b.Go(ctx, work)
	}
	ra, errA := a.Wait(ctx)
	rb, errB := b.Wait(ctx)
	a.Close()
	b.Close()
	fmt.Println(len(ra)+len(rb), "results;", errA, errB)
	fmt.Println("within the budget of 2:", peak.Load() <= 2)
	// Output:
	// 6 results; <nil> <nil>
	// within the budget of 2: true
}
