package rt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// groupGo runs fn as the only task of a group on r (task.On(r)) and
// returns the task once the group has ended: a spawner for the tables
// that compare it with Spawn.
func groupGo(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error), _ ...rt.TaskOption) *task.Task[int] {
	g := task.NewGroup[int](ctx, task.On(r))
	t := g.Go(ctx, fn)
	_, _ = g.Wait(ctx)
	g.Close()
	return t
}

// TestGroupOnBoundsCPU counts the group's tasks running at once, with and
// without a group limit above the slots: never more than the slots. On
// the group's own goroutines, without On, 64 tasks that yield ran up to
// 64 at once.
func TestGroupOnBoundsCPU(t *testing.T) {
	cases := []struct {
		name    string
		workers int
		opts    []task.GroupOption
	}{
		{"1 slot", 1, nil},
		{"2 slots", 2, nil},
		{"2 slots, Limit(8)", 2, []task.GroupOption{task.Limit(8)}},
		{"3 slots, FailFast", 3, []task.GroupOption{task.FailFast()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRuntime(t, rt.Workers(c.workers))
			ctx := context.Background()
			spin, peak := peakCounter()
			g := task.NewGroup[uint64](ctx, append(c.opts, task.On(r))...)
			defer g.Close()
			for range 64 {
				g.Go(ctx, spin)
			}
			if _, err := g.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if got := peak.Load(); got > int64(c.workers) {
				t.Errorf("%d group tasks ran at once on %d slots; want at most %d", got, c.workers, c.workers)
			}
			// A task counts a moment after it resolved: once Shutdown has
			// returned nil, every one has.
			if err := r.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if got := r.Metrics().Completed; got != 64 {
				t.Errorf("Metrics().Completed = %d; want 64", got)
			}
		})
	}
}

// groupSleeper blocks its slot with time.Sleep: the chapter's bad_example,
// as a task of a group.
func groupSleeper(ctx context.Context) (int, error) {
	time.Sleep(time.Second)
	return 1, nil
}

// TestGroupOnDetector: the detector reports a group task that holds its
// slot without an await point, named by its function, and pprof labels
// and Tasks show the group's tasks as the runtime's.
func TestGroupOnDetector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rs reports
		r := newRuntime(t, rt.Workers(2), rt.Name("svc"), rt.DetectBlocking(100*time.Millisecond), rt.OnBlocking(rs.add))
		ctx := context.Background()
		g := task.NewGroup[int](ctx, task.On(r))
		defer g.Close()
		var label string
		var seen []rt.TaskInfo
		g.Go(ctx, func(ctx context.Context) (int, error) {
			label, _ = pprof.Label(ctx, "spool.runtime")
			seen = r.Tasks()
			return 0, nil
		})
		if _, err := g.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if label != "svc" {
			t.Errorf(`pprof.Label(ctx, "spool.runtime") in a group task = %q; want "svc"`, label)
		}
		if len(seen) != 1 || seen[0].State != "running" || !strings.Contains(seen[0].Name, "TestGroupOnDetector") {
			t.Errorf("Tasks() from the group's task = %v; want that task, running, named after its function", seen)
		}
		g.Go(ctx, groupSleeper)
		if _, err := g.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		got := rs.get()
		if len(got) != 1 {
			t.Fatalf("got %d reports %v; want 1, for the sleeper", len(got), got)
		}
		if b := got[0]; !strings.Contains(b.Task, "groupSleeper") || !strings.Contains(b.String(), "rt.SpawnBlocking") {
			t.Errorf("report %q names task %q; want rt_test.groupSleeper, and the cure", b, b.Task)
		}
	})
}

// TestGroupOnClosedRuntime: a group's task that starts after the runtime
// closed fails with ErrClosed and never runs, unless the group was made by
// a running task of the runtime: its sub-tasks are still taken until
// Shutdown's context ends, as Spawn's are.
func TestGroupOnClosedRuntime(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, rt.Workers(2))
	outside := task.NewGroup[int](ctx, task.On(r))
	defer outside.Close()
	release := make(chan struct{})
	parent := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
		inside := task.NewGroup[int](ctx, task.On(r))
		defer inside.Close()
		p := task.Park(ctx)
		<-release // Shutdown has begun
		p.Resume()
		v, err := inside.Go(ctx, func(context.Context) (int, error) { return 7, nil }).Await(ctx)
		return v, err
	})
	done := make(chan error, 1)
	go func() { done <- r.Shutdown(ctx) }()
	for !r.Metrics().Closed {
		runtime.Gosched()
	}
	ran := false
	_, err := outside.Go(ctx, func(context.Context) (int, error) { ran = true; return 1, nil }).Await(ctx)
	if !errors.Is(err, rt.ErrClosed) || ran {
		t.Errorf("a group task started after Shutdown began: err %v, ran %v; want ErrClosed, not run", err, ran)
	}
	close(release)
	if v, err := parent.Await(ctx); v != 7 || err != nil {
		t.Errorf("a running task's group task after Shutdown began = %d, %v; want 7, nil", v, err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
}

// TestGroupOnShutdownCancels: Shutdown whose context ends cancels the
// group's tasks, running or waiting for a slot: the waiting one ends
// without running (ErrNotStarted, ErrShutdown) and counts as Cancelled.
func TestGroupOnShutdownCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Workers(1), rt.Logger(quiet), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		g := task.NewGroup[int](ctx, task.On(r))
		defer g.Close()
		started := make(chan struct{})
		holder := g.Go(ctx, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done() // holds the only slot: no await point
			return 1, context.Cause(ctx)
		})
		<-started // the slot goes to whichever task's goroutine comes first
		ran := false
		waiter := g.Go(ctx, func(context.Context) (int, error) { ran = true; return 2, nil })
		synctest.Wait()
		if m := r.Metrics(); m.Tasks != 2 || m.WaitingTasks != 1 {
			t.Fatalf("Tasks, WaitingTasks = %d, %d; want 2, 1", m.Tasks, m.WaitingTasks)
		}
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		var se *rt.ShutdownError
		if err := r.Shutdown(sctx); !errors.As(err, &se) || se.Cancelled != 2 || se.NotStarted != 1 {
			t.Fatalf("Shutdown = %v; want a *ShutdownError with 2 cancelled, 1 of them not started", err)
		}
		if _, err := holder.Await(ctx); !errors.Is(err, rt.ErrShutdown) {
			t.Errorf("running group task: err %v; want ErrShutdown", err)
		}
		if _, err := waiter.Await(ctx); !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, rt.ErrShutdown) || ran {
			t.Errorf("waiting group task: err %v, ran %v; want ErrNotStarted and ErrShutdown, not run", err, ran)
		}
		synctest.Wait() // both have left the registry, and counted
		if m := r.Metrics(); m.Cancelled != 1 || m.Failed != 1 || m.Spawned != 2 {
			t.Errorf("Spawned, Failed, Cancelled = %d, %d, %d; want 2, 1, 1", m.Spawned, m.Failed, m.Cancelled)
		}
	})
}

// TestGroupOnAwaitsGiveSlotBack: on one slot, a group task that awaits
// its sibling, and one that submits to its full group (which runs the
// submission itself, the caller-runs rule), both finish.
func TestGroupOnAwaitsGiveSlotBack(t *testing.T) {
	cases := []struct {
		name string
		opts []task.GroupOption
	}{
		{"await a sibling", nil},
		{"caller-runs", []task.GroupOption{task.Limit(1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRuntime(t, rt.CurrentThread())
				ctx := context.Background()
				g := task.NewGroup[int](ctx, append(c.opts, task.On(r))...)
				defer g.Close()
				v, err := g.Go(ctx, func(ctx context.Context) (int, error) {
					sib := g.Go(ctx, func(ctx context.Context) (int, error) {
						return 20, task.Sleep(ctx, time.Millisecond)
					})
					v, err := sib.Await(ctx)
					return v + 1, err
				}).Await(ctx)
				if v != 21 || err != nil {
					t.Errorf("outer task = %d, %v; want 21, nil", v, err)
				}
			})
		})
	}
}

// TestGroupOnBadInput: a nil or zero runtime fails each task with
// ErrNilRuntime. Accept refuses a job that carries no slot of its
// runtime's TaskSlot, or a slot another job has, and panics on a nil ctx;
// RunTask fails a job Accept did not take, and panics on a job run twice.
func TestGroupOnBadInput(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, c := range []struct {
		name string
		r    *rt.Runtime
	}{{"nil", nil}, {"zero", new(rt.Runtime)}} {
		t.Run(c.name+" runtime", func(t *testing.T) {
			if _, err := groupGo(c.r, ctx, fn).Await(ctx); !errors.Is(err, rt.ErrNilRuntime) {
				t.Errorf("a task of a group on a %s runtime: %v; want ErrNilRuntime", c.name, err)
			}
		})
	}
	r := newRuntime(t)
	other := newRuntime(t)
	shared := r.TaskSlot(fn)
	if _, j := task.Prepare(ctx, fn, task.WithSlot(shared)); r.Accept(ctx, j) != nil {
		t.Fatal("Accept refused a job with a slot of its own")
	} else {
		r.RunTask(j)
	}
	jobs := []struct {
		name string
		slot task.Slot
	}{
		{"no slot", nil},
		{"another runtime's slot", other.TaskSlot(fn)},
		{"a slot another job has", shared},
	}
	for _, c := range jobs {
		t.Run(c.name, func(t *testing.T) {
			_, j := task.Prepare(ctx, fn, task.WithSlot(c.slot))
			if err := r.Accept(ctx, j); !errors.Is(err, rt.ErrInvalid) {
				t.Errorf("Accept of a job with %s: %v; want ErrInvalid", c.name, err)
			}
			tk, j := task.Prepare(ctx, fn, task.WithSlot(c.slot))
			r.RunTask(j)
			if _, err, _ := tk.Result(); !errors.Is(err, rt.ErrInvalid) {
				t.Errorf("RunTask of a job with %s that Accept did not take: %v; want ErrInvalid", c.name, err)
			}
		})
	}
	t.Run("run twice", func(t *testing.T) {
		tk, j := task.Prepare(ctx, fn, task.WithSlot(r.TaskSlot(fn)))
		if err := r.Accept(ctx, j); err != nil {
			t.Fatal(err)
		}
		r.RunTask(j)
		func() {
			defer func() {
				if got := recover(); got != "rt: Runtime.RunTask: job run twice" {
					t.Errorf("a second RunTask panicked with %v; want %q", got, "rt: Runtime.RunTask: job run twice")
				}
			}()
			r.RunTask(j)
		}()
		if v, err, _ := tk.Result(); v != 1 || err != nil {
			t.Errorf("the first RunTask's result = %d, %v; want 1, nil", v, err)
		}
	})
	t.Run("nil ctx", func(t *testing.T) {
		defer func() {
			if got := recover(); got != "rt: Runtime.Accept: nil context" {
				t.Errorf("Accept(nil ctx) panicked with %v", got)
			}
		}()
		_, j := task.Prepare(ctx, fn, task.WithSlot(r.TaskSlot(fn)))
		var nilCtx context.Context
		_ = r.Accept(nilCtx, j)
	})
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if m := r.Metrics(); m.Spawned != 2 || m.Completed != 2 {
		t.Errorf("Spawned, Completed = %d, %d; want 2, 2: only the jobs Accept took", m.Spawned, m.Completed)
	}
}

// TestGroupOnShutdownWaitsForAccepted: the tasks a group has accepted
// before Shutdown (Go has returned) are the runtime's: a graceful
// Shutdown waits for them all, as for Spawned ones, even those still in
// the group's queue; none fails with ErrClosed.
func TestGroupOnShutdownWaitsForAccepted(t *testing.T) {
	fn := func(ctx context.Context) (int, error) { return 1, task.Sleep(ctx, time.Millisecond) }
	cases := []struct {
		name  string
		start func(r *rt.Runtime, g *task.Group[int], ctx context.Context) *task.Task[int]
	}{
		{"Spawn", func(r *rt.Runtime, _ *task.Group[int], ctx context.Context) *task.Task[int] {
			return rt.Spawn(r, ctx, fn)
		}},
		{"Group.Go (On)", func(_ *rt.Runtime, g *task.Group[int], ctx context.Context) *task.Task[int] { return g.Go(ctx, fn) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRuntime(t, rt.Workers(2))
				ctx := context.Background()
				g := task.NewGroup[int](ctx, task.On(r))
				defer g.Close()
				ts := make([]*task.Task[int], 100)
				for i := range ts {
					ts[i] = c.start(r, g, ctx)
				}
				if err := r.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				for i, tk := range ts {
					if v, err, ok := tk.Result(); v != 1 || err != nil || !ok {
						t.Fatalf("task %d after Shutdown returned: %d, %v, ended %v; want 1, nil, ended", i, v, err, ok)
					}
				}
				if m := r.Metrics(); m.Spawned != 100 || m.Completed != 100 {
					t.Errorf("Spawned, Completed = %d, %d; want 100, 100", m.Spawned, m.Completed)
				}
			})
		})
	}
}

// TestGroupOnCallerRuns: a task that a full group on the runtime runs on
// its submitter's goroutine is the submitter's work, as without On: its
// context carries the submitting task's labels and no slot of its own, so
// it never passes for a running task of the runtime (a Spawn with it once
// Shutdown has returned is refused with ErrClosed).
func TestGroupOnCallerRuns(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("On=%v", on), func(t *testing.T) {
			r := newRuntime(t, rt.Name("svc"))
			ctx := context.Background()
			var own, inlineID string
			var inlineSlot task.Slot
			var inlineCtx context.Context
			_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
				own, _ = pprof.Label(ctx, "spool.id")
				opts := []task.GroupOption{task.Limit(1)}
				if on {
					opts = append(opts, task.On(r))
				}
				g := task.NewGroup[int](ctx, opts...)
				defer g.Close()
				hold := make(chan struct{})
				g.Go(ctx, func(ctx context.Context) (int, error) { <-hold; return 0, nil })
				g.Go(g.Context(), func(ictx context.Context) (int, error) { // full: runs here
					inlineID, _ = pprof.Label(ictx, "spool.id")
					inlineSlot, inlineCtx = task.ContextSlot(ictx), ictx
					return 0, nil
				})
				close(hold)
				_, err := g.Wait(ctx)
				return 0, err
			})
			if err != nil {
				t.Fatal(err)
			}
			if inlineID != own || own == "" {
				t.Errorf("caller-runs task's spool.id label = %q; want the submitting task's %q", inlineID, own)
			}
			if inlineSlot != nil {
				t.Errorf("caller-runs task's context carries a slot (%T); want none", inlineSlot)
			}
			if err := r.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			ran := false
			_, err = rt.Spawn(r, inlineCtx, func(context.Context) (int, error) { ran = true; return 0, nil }).Await(ctx)
			if !errors.Is(err, rt.ErrClosed) || ran {
				t.Errorf("Spawn with the caller-runs task's context after Shutdown: %v, ran %v; want ErrClosed, not run", err, ran)
			}
		})
	}
}

// TestGroupOnLabelsAfterRunTask: a goroutine that ran a group's task wears
// no labels afterwards, neither the task's nor the runtime's: a group's
// idle goroutines are not the runtime's.
func TestGroupOnLabelsAfterRunTask(t *testing.T) {
	r := newRuntime(t, rt.Name("labels-after"))
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	pprof.Do(ctx, pprof.Labels("before", "yes"), func(context.Context) {
		_, j := task.Prepare(ctx, fn, task.WithSlot(r.TaskSlot(fn)))
		if err := r.Accept(ctx, j); err != nil {
			t.Fatal(err)
		}
		r.RunTask(j)
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		for _, blk := range strings.Split(buf.String(), "\n\n") {
			if strings.Contains(blk, "TestGroupOnLabelsAfterRunTask") && strings.Contains(blk, "# labels:") {
				t.Errorf("the goroutine that ran the task still wears labels:\n%s", blk)
			}
		}
	})
}

// TestGroupOnClosedGroup: a closed group on a runtime refuses with the
// group's ErrClosed, whether the runtime is open or shut down, and its
// TryGo takes nothing: the runtime never sees those tasks.
func TestGroupOnClosedGroup(t *testing.T) {
	for _, shut := range []bool{false, true} {
		t.Run(fmt.Sprintf("runtime shut down=%v", shut), func(t *testing.T) {
			r := newRuntime(t)
			ctx := context.Background()
			if shut {
				if err := r.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			g := task.NewGroup[int](ctx, task.On(r))
			g.Close()
			fn := func(context.Context) (int, error) { return 1, nil }
			if _, err := g.Go(ctx, fn).Await(ctx); !errors.Is(err, task.ErrClosed) {
				t.Errorf("Go on a closed group: %v; want task.ErrClosed", err)
			}
			if tk, ok := g.TryGo(fn); tk != nil || ok {
				t.Errorf("TryGo on a closed group = %v, %v; want nil, false", tk, ok)
			}
			if m := r.Metrics(); m.Spawned != 0 || m.Cancelled != 0 {
				t.Errorf("Spawned, Cancelled = %d, %d; want 0, 0", m.Spawned, m.Cancelled)
			}
		})
	}
}
