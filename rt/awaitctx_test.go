package rt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestDetectorNamesAwaitPointWithForeignContext: a task that waits at an
// await point with a context that is not its own keeps its slot. The
// detector used to report it as a task that ran "without reaching an
// await point", with a stack inside Task.Await or BlockOn; it now names
// the await point and asks for the task's ctx.
func TestDetectorNamesAwaitPointWithForeignContext(t *testing.T) {
	cases := []struct {
		name string
		fn   func(r *rt.Runtime) func(context.Context) (int, error)
		want string // the report's AwaitPoint
	}{
		{"Task.Await with context.Background()", func(*rt.Runtime) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				c := task.Go(ctx, func(context.Context) (int, error) { time.Sleep(time.Second); return 1, nil })
				return c.Await(context.Background())
			}
		}, "task.(*Task).Await"},
		{"task.Sleep with context.Background()", func(*rt.Runtime) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { return 0, task.Sleep(context.Background(), time.Second) }
		}, "task.Sleep"},
		{"task.All with a detached timeout", func(*rt.Runtime) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				c := task.Go(ctx, func(context.Context) (int, error) { time.Sleep(time.Second); return 1, nil })
				wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_, err := task.All(wctx, c)
				return 0, err
			}
		}, "task.All"},
		{"BlockOn on its own runtime with context.Background()", func(r *rt.Runtime) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				// The one slot is the caller's: fn never starts, and
				// BlockOn returns when wctx ends.
				wctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				return rt.BlockOn(r, wctx, trivial)
			}
		}, "rt.BlockOn"},
		{"time.Sleep: not an await point", func(*rt.Runtime) func(context.Context) (int, error) {
			return badSleep
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rs reports
				r, err := rt.New(rt.CurrentThread(), rt.DetectBlocking(100*time.Millisecond), rt.OnBlocking(rs.add), rt.Logger(quiet))
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				_, _ = rt.Spawn(r, ctx, c.fn(r), rt.TaskName("waiter")).Await(ctx)
				if err := r.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				got := rs.get()
				if len(got) != 1 {
					t.Fatalf("%d reports (%v); want 1", len(got), got)
				}
				b := got[0]
				if b.AwaitPoint != c.want {
					t.Errorf("AwaitPoint = %q; want %q (stack:\n%s)", b.AwaitPoint, c.want, b.Stack)
				}
				s := b.String()
				wrong := strings.Contains(s, "with a context that carries no slot")
				noAwait := strings.Contains(s, "without reaching an await point")
				if wantWrong := c.want != ""; wrong != wantWrong || noAwait == wantWrong {
					t.Errorf("report %q: says a foreign context %v, no await point %v; want %v, %v", s, wrong, noAwait, wantWrong, !wantWrong)
				}
				if c.want != "" && !strings.Contains(s, "while waiting in "+c.want) {
					t.Errorf("report %q does not name %s", s, c.want)
				}
			})
		})
	}
}

// TestShutdownFromOwnTask: Shutdown called from a task of the same
// runtime with that task's context (or one derived from it) used to wait
// for the task, and the task for it, until the context ended: it now
// returns ErrShutdownFromTask at once and leaves the runtime open.
func TestShutdownFromOwnTask(t *testing.T) {
	cases := []struct {
		name string
		ctx  func(context.Context) (context.Context, context.CancelFunc)
	}{
		{"the task's context", func(ctx context.Context) (context.Context, context.CancelFunc) { return ctx, func() {} }},
		{"a context derived from it", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, time.Hour)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Workers(2), rt.Logger(quiet))
				if err != nil {
					t.Fatal(err)
				}
				bg := context.Background()
				_, err = rt.BlockOn(r, bg, func(ctx context.Context) (int, error) {
					sctx, cancel := c.ctx(ctx)
					defer cancel()
					return 0, r.Shutdown(sctx)
				})
				if !errors.Is(err, rt.ErrShutdownFromTask) {
					t.Errorf("Shutdown from the runtime's own task = %v; want ErrShutdownFromTask", err)
				}
				if m := r.Metrics(); m.Closed {
					t.Errorf("Metrics().Closed = true after a refused Shutdown; want false")
				}
				if v, err := rt.BlockOn(r, bg, trivial); v != 1 || err != nil {
					t.Errorf("BlockOn after a refused Shutdown = %v, %v; want 1, nil", v, err)
				}
				if err := r.Shutdown(bg); err != nil {
					t.Errorf("Shutdown = %v; want nil", err)
				}
			})
		})
	}
}

// TestShutdownFromAnotherRuntimesTask: the context of a task of another
// runtime is no reason to refuse.
func TestShutdownFromAnotherRuntimesTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := rt.New(rt.Workers(1), rt.Logger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		b, err := rt.New(rt.Workers(1), rt.Logger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		_, err = rt.BlockOn(a, bg, func(ctx context.Context) (int, error) { return 0, b.Shutdown(ctx) })
		if err != nil {
			t.Errorf("b.Shutdown from a task of a = %v; want nil", err)
		}
		if err := a.Shutdown(bg); err != nil {
			t.Errorf("a.Shutdown = %v; want nil", err)
		}
	})
}

// TestShutdownErrorCountsNotStarted: ShutdownError.Cancelled counts every
// task whose context Shutdown cancelled, NotStarted those of them that
// never ran, which Metrics counts as Cancelled, and the message says both.
func TestShutdownErrorCountsNotStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.CurrentThread(), rt.Logger(quiet), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		waitCtx := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
		running := rt.Spawn(r, bg, waitCtx)
		synctest.Wait()
		var waiting []*task.Task[int]
		for range 3 {
			waiting = append(waiting, rt.Spawn(r, bg, trivial))
		}
		synctest.Wait()
		ctx, cancel := context.WithCancel(bg)
		cancel()
		err = r.Shutdown(ctx)
		var se *rt.ShutdownError
		if !errors.As(err, &se) {
			t.Fatalf("Shutdown = %v; want a *ShutdownError", err)
		}
		if se.Cancelled != 4 || se.NotStarted != 3 {
			t.Errorf("Cancelled %d, NotStarted %d; want 4, 3", se.Cancelled, se.NotStarted)
		}
		if m := r.Metrics(); m.Cancelled != uint64(se.NotStarted) {
			t.Errorf("Metrics().Cancelled = %d; want NotStarted, %d", m.Cancelled, se.NotStarted)
		}
		want := "rt: shutdown: context canceled: cancelled the contexts of 4 tasks (3 of them ended without starting); all ended"
		if got := err.Error(); got != want {
			t.Errorf("Error() = %q; want %q", got, want)
		}
		_, _ = task.All(bg, append(waiting, running)...)
	})
}

// TestTaskAgesAreNotCoarse: Tasks used the detector's coarse clock for now
// as well as for spawn times, so that with DetectBlocking(8s), whose clock
// ticks every 2 s, a task 1.4 s old showed an age of 0. Ages are now never
// short of the truth, and over it by at most a tick.
func TestTaskAgesAreNotCoarse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const threshold = 8 * time.Second
		r, err := rt.New(rt.Workers(2), rt.DetectBlocking(threshold), rt.Logger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		gate := make(chan struct{})
		hold := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-gate; return 0, nil }) // keeps the detector looking
		time.Sleep(2100 * time.Millisecond)                                                    // past a tick
		sleeper := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) }, rt.TaskName("sleeper"))
		for _, d := range []time.Duration{10 * time.Millisecond, 1400 * time.Millisecond} {
			time.Sleep(d)
			age := time.Duration(-1)
			for _, ti := range r.Tasks() {
				if ti.Name == "sleeper" {
					age = ti.Age
				}
			}
			// d since the spawn so far, in all (the sleeps add up).
			if d == 1400*time.Millisecond {
				d += 10 * time.Millisecond
			}
			if age < d || age > d+threshold/4 {
				t.Errorf("a task spawned %v ago: Age %v; want from %v to %v", d, age, d, d+threshold/4)
			}
		}
		sleeper.Cancel()
		close(gate)
		_, _ = task.All(ctx, hold, sleeper)
		if err := r.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
}
