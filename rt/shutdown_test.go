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

// TestShutdownDrains: Shutdown lets running, parked, waiting and queued
// work finish (nothing accepted is lost) and returns nil.
func TestShutdownDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.Workers(1), rt.MaxBlocking(1))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var ts []*task.Task[int]
		for i := range 5 {
			ts = append(ts,
				rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return i, task.Sleep(ctx, time.Second) }),
				rt.SpawnBlocking(r, ctx, func(ctx context.Context) (int, error) { time.Sleep(time.Second); return i, nil }))
		}
		start := time.Now()
		if err := r.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown = %v; want nil", err)
		}
		// The blocking pool has one goroutine: its five tasks take 5s.
		if el := time.Since(start); el != 5*time.Second {
			t.Errorf("Shutdown returned after %v of fake time; want 5s (the blocking queue drained)", el)
		}
		for i, tk := range ts {
			if v, err, ok := tk.Result(); !ok || err != nil || v != i/2 {
				t.Errorf("task %d: %d, %v, %v; want %d, nil, true", i, v, err, ok, i/2)
			}
		}
		checkQuiet(t, r.Metrics())
	})
}

// TestShutdownStuck: when Shutdown's context ends, it cancels everything,
// waits the grace period, and reports what is still running: a task that
// ignores its context and a blocking task. The cooperative tasks, even one
// that needs a slot to return while the stuck task holds the only one, end.
func TestShutdownStuck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.MaxBlocking(1),
			rt.ShutdownGrace(50*time.Millisecond), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		release := make(chan struct{})
		coopRan := make(chan struct{})
		coop := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			close(coopRan)
			return 0, task.Sleep(ctx, time.Hour) // parked: gives the slot back
		}, rt.TaskName("coop"))
		<-coopRan
		stuck := rt.Spawn(r, ctx, func(context.Context) (int, error) {
			<-release // ignores its context and holds the only slot
			return 1, nil
		}, rt.TaskName("stuck"))
		synctest.Wait()
		waiting := rt.Spawn(r, ctx, func(context.Context) (int, error) { return 2, nil }, rt.TaskName("waiting"))
		disk := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) {
			<-release // Go cannot abort it
			return 3, nil
		}, rt.TaskName("disk"))
		queued := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 4, nil }, rt.TaskName("queued"))
		synctest.Wait()

		sctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		start := time.Now()
		err = r.Shutdown(sctx)
		if el := time.Since(start); el != time.Second+50*time.Millisecond {
			t.Errorf("Shutdown returned after %v of fake time; want its deadline plus the grace (1.05s)", el)
		}
		var se *rt.ShutdownError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v; want a *ShutdownError wrapping DeadlineExceeded", err)
		}
		if se.Cancelled != 5 {
			t.Errorf("Cancelled = %d; want 5", se.Cancelled)
		}
		var names []string
		for _, ti := range se.Running {
			names = append(names, ti.Name)
			if want := ti.Name == "disk"; ti.Blocking != want {
				t.Errorf("%s: Blocking = %v; want %v", ti.Name, ti.Blocking, want)
			}
			if ti.Age != time.Second+50*time.Millisecond {
				t.Errorf("%s: Age = %v; want 1.05s", ti.Name, ti.Age)
			}
		}
		if got := strings.Join(names, ","); got != "stuck,disk" {
			t.Errorf("still running = %s; want stuck,disk", got)
		}
		for _, want := range []string{`"stuck" (running for 1.05s)`, `"disk" (blocking, running`, "cannot be aborted", "deadline exceeded"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		for _, c := range []struct {
			name string
			tk   *task.Task[int]
		}{{"coop", coop}, {"waiting", waiting}, {"queued", queued}} {
			if _, err, ok := c.tk.Result(); !ok || !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v, ended %v; want ended with context.Canceled", c.name, err, ok)
			}
		}

		close(release)
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("second Shutdown = %v; want nil once the stuck tasks returned", err)
		}
		if v, err := stuck.Await(ctx); v != 1 || err != nil {
			t.Errorf("stuck = %d, %v; want 1, nil", v, err)
		}
		if v, err := disk.Await(ctx); v != 3 || err != nil {
			t.Errorf("disk = %d, %v; want 3, nil", v, err)
		}
		checkQuiet(t, r.Metrics())
	})
}

// TestShutdownAllCancelled: tasks that honour their context end within the
// grace period; Shutdown still says it had to cancel them.
func TestShutdownAllCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Logger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for range 3 {
			rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) })
		}
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		err = r.Shutdown(sctx)
		var se *rt.ShutdownError
		if !errors.As(err, &se) || se.Cancelled != 3 || len(se.Running) != 0 || !strings.Contains(err.Error(), "all ended") {
			t.Errorf("Shutdown = %v; want a ShutdownError with 3 cancelled and none running", err)
		}
		checkQuiet(t, r.Metrics())
	})
}
