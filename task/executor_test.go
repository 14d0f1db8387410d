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

	refuse error // Accept's answer

	mu   sync.Mutex
	fns  int               // TaskSlot calls with a non-nil fn
	ctxs []context.Context // Accept's
	runs int               // RunTask calls
}

func (e *fakeExec) TaskSlot(fn any) task.Slot {
	e.mu.Lock()
	defer e.mu.Unlock()
	if fn != nil {
		e.fns++
	}
	return e.slot
}

func (e *fakeExec) Accept(ctx context.Context, j task.Job) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ctxs = append(e.ctxs, ctx)
	return e.refuse
}

func (e *fakeExec) RunTask(j task.Job) {
	e.mu.Lock()
	e.runs++
	e.mu.Unlock()
	e.run(j)
}

type keyT struct{}

// TestGroupOnExecutor: a group made with On hands every task to its
// Executor: TaskSlot's slot is the one the task's await points give back,
// Accept gets the group's parent context and may refuse the task, and
// what RunTask does decides the task's outcome. A RunTask that returns
// without running the task fails it with ErrNotStarted instead of leaving
// Wait waiting for good.
func TestGroupOnExecutor(t *testing.T) {
	boom := errors.New("boom")
	run := func(j task.Job) { j.Run() }
	cases := []struct {
		name      string
		run       func(j task.Job)
		refuse    error
		wantV     int
		wantErr   error
		wantParks int32
		wantRuns  int
	}{
		{name: "runs", run: run, wantV: 7, wantParks: 1, wantRuns: 1},
		{name: "aborts", run: func(j task.Job) { j.Abort(boom) }, wantErr: boom, wantRuns: 1},
		{name: "Accept refuses", run: run, refuse: boom, wantErr: boom},
		{name: "returns without running", run: func(task.Job) {}, wantErr: task.ErrNotStarted, wantRuns: 1},
		{name: "returns and runs it later", run: func(j task.Job) {
			go func() {
				<-j.Context().Done() // the group failed it: Run does nothing
				j.Run()
			}()
		}, wantErr: task.ErrNotStarted, wantRuns: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				slot := new(countSlot)
				e := &fakeExec{slot: slot, run: c.run, refuse: c.refuse}
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
				if e.fns != 1 || len(e.ctxs) != 1 || e.ctxs[0].Value(keyT{}) != "parent" || e.runs != c.wantRuns {
					t.Errorf("TaskSlot got %d fns, Accept %d contexts (%v), RunTask %d calls; want 1, 1 (the group's parent), %d",
						e.fns, len(e.ctxs), e.ctxs, e.runs, c.wantRuns)
				}
			})
		})
	}
}

// TestGroupOnExecutorNotForInline: a submission that a full group runs on
// its submitter's goroutine (the caller-runs rule) is the submitter's
// work: the group hands it to no method of the Executor.
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
	if e.fns != 1 || len(e.ctxs) != 1 || e.runs != 1 {
		t.Errorf("TaskSlot, Accept and RunTask called for %d, %d and %d tasks; want 1 each (the inline one runs on its submitter)", e.fns, len(e.ctxs), e.runs)
	}
}

// TestGroupOnClosed: a closed group refuses with ErrClosed before it asks
// its Executor: Go's task fails with ErrClosed and TryGo takes nothing,
// as without On, and Accept never sees them.
func TestGroupOnClosed(t *testing.T) {
	boom := errors.New("boom")
	for _, refuse := range []error{nil, boom} {
		t.Run(fmt.Sprintf("Accept answers %v", refuse), func(t *testing.T) {
			e := &fakeExec{run: func(j task.Job) { j.Run() }, refuse: refuse}
			ctx := context.Background()
			g := task.NewGroup[int](ctx, task.On(e))
			g.Close()
			fn := func(context.Context) (int, error) { return 1, nil }
			if _, err := g.Go(ctx, fn).Await(ctx); !errors.Is(err, task.ErrClosed) {
				t.Errorf("Go on a closed group: %v; want ErrClosed", err)
			}
			if tk, ok := g.TryGo(fn); tk != nil || ok {
				t.Errorf("TryGo on a closed group = %v, %v; want nil, false", tk, ok)
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			if len(e.ctxs) != 0 || e.runs != 0 {
				t.Errorf("Accept and RunTask called %d and %d times; want 0", len(e.ctxs), e.runs)
			}
		})
	}
}

// TestGroupOnAcceptRefusesTryGo: a TryGo whose task the Executor refuses
// did not start fn, so it returns nil, false and the group records
// nothing: Wait has no result for it, and a FailFast group is not
// tripped. Go records the refused task as failed.
func TestGroupOnAcceptRefusesTryGo(t *testing.T) {
	boom := errors.New("boom")
	for _, failFast := range []bool{false, true} {
		t.Run(fmt.Sprintf("FailFast=%v", failFast), func(t *testing.T) {
			e := &fakeExec{run: func(j task.Job) { j.Run() }, refuse: boom}
			ctx := context.Background()
			opts := []task.GroupOption{task.On(e)}
			if failFast {
				opts = append(opts, task.FailFast())
			}
			g := task.NewGroup[int](ctx, opts...)
			defer g.Close()
			fn := func(context.Context) (int, error) { return 1, nil }
			if tk, ok := g.TryGo(fn); tk != nil || ok {
				t.Errorf("TryGo refused by Accept = %v, %v; want nil, false", tk, ok)
			}
			if err := g.Context().Err(); err != nil {
				t.Errorf("the group's context after a refused TryGo: %v; want nil", err)
			}
			if vals, err := g.Wait(ctx); len(vals) != 0 || err != nil {
				t.Errorf("Wait after a refused TryGo = %v, %v; want nothing", vals, err)
			}
			if _, err := g.Go(ctx, fn).Await(ctx); !errors.Is(err, boom) {
				t.Errorf("Go refused by Accept: %v; want Accept's error", err)
			}
		})
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

func (b budget) Accept(context.Context, task.Job) error { return nil }

func (b budget) RunTask(j task.Job) {
	select {
	case b <- struct{}{}:
	case <-j.Context().Done(): // cancelled while it waited (a Close, say): it does not start
		ctx := j.Context()
		err := fmt.Errorf("budget: %w: %w", task.ErrNotStarted, ctx.Err())
		if cause := context.Cause(ctx); cause != ctx.Err() {
			err = fmt.Errorf("%w: %w", err, cause)
		}
		j.Abort(err)
		return
	}
	defer func() { <-b }()
	j.Run()
}

// TestBudgetCloseWhileWaiting: a group whose tasks wait for room in an
// Executor's own limit, held by another group's task, closes at once: the
// waiting tasks end without running (ErrNotStarted), as the Executor doc
// asks of a RunTask that waits.
func TestBudgetCloseWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perHost := budget(make(chan struct{}, 1))
		ctx := context.Background()
		a := task.NewGroup[int](ctx, task.On(perHost))
		defer a.Close()
		release := make(chan struct{})
		a.Go(ctx, func(context.Context) (int, error) { <-release; return 1, nil }) // holds the one place
		synctest.Wait()
		b := task.NewGroup[int](ctx, task.On(perHost))
		var ran atomic.Int32
		var ts []*task.Task[int]
		for range 3 {
			ts = append(ts, b.Go(ctx, func(context.Context) (int, error) { ran.Add(1); return 2, nil }))
		}
		synctest.Wait()
		b.Close() // returns with a's task still holding the place
		for i, tk := range ts {
			if _, err, ok := tk.Result(); !ok || !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.Canceled) || !errors.Is(err, task.ErrClosed) {
				t.Errorf("b's task %d after Close: %v, ended %v; want ErrNotStarted, context.Canceled and ErrClosed", i, err, ok)
			}
		}
		if n := ran.Load(); n != 0 {
			t.Errorf("%d of b's functions ran; want 0", n)
		}
		close(release)
	})
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
