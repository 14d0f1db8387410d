package task_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestUnobservedPanic: a panic in a task that is collected before anyone
// read its error reaches OnUnobservedPanic, whoever ran it; one whose
// error somebody read, by any of the ways to read it, does not.
func TestUnobservedPanic(t *testing.T) {
	reported := make(chan any, 16)
	task.OnUnobservedPanic(func(e *task.PanicError) { reported <- e.Value })
	defer task.OnUnobservedPanic(nil)

	ctx := context.Background()
	panics := func(v string) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { panic(v) }
	}
	reads := []struct {
		name string
		read func(v string)
	}{
		{"Await", func(v string) { task.Go(ctx, panics(v)).Await(ctx) }},
		{"Result", func(v string) { tk := task.Go(ctx, panics(v)); <-tk.Done(); tk.Result() }},
		{"All", func(v string) { task.All(ctx, task.Go(ctx, panics(v))) }},
		{"Race", func(v string) { task.Race(ctx, task.Go(ctx, panics(v))) }},
		{"Group.Wait", func(v string) {
			g := task.NewGroup[int](ctx)
			g.Go(ctx, panics(v))
			g.Wait(ctx)
			g.Close()
		}},
		{"Group.Next", func(v string) {
			g := task.NewGroup[int](ctx)
			g.Go(ctx, panics(v))
			g.Next(ctx)
			g.Close()
		}},
		// Reads of a task that has ended already (a mutation audit's
		// survivor: Await's fast path for an ended task did not count it).
		{"Await after Done", func(v string) {
			tk := task.Go(ctx, panics(v))
			<-tk.Done()
			tk.Await(ctx)
		}},
		{"All after Done", func(v string) {
			tk := task.Go(ctx, panics(v))
			<-tk.Done()
			task.All(ctx, tk)
		}},
		{"Any, every task failed", func(v string) {
			tk := task.Go(ctx, panics(v))
			<-tk.Done()
			task.Any(ctx, tk)
		}},
		{"Flight.Do", func(v string) {
			var f task.Flight[string, int]
			f.Do(ctx, "k", panics(v))
		}},
	}
	drops := []struct {
		name string
		drop func(v string)
	}{
		{"task.Go", func(v string) { <-task.Go(ctx, panics(v)).Done() }},
		{"an executor's job, its Err read", func(v string) {
			tk, j := task.Prepare(ctx, panics(v))
			j.Run()
			j.Err() // what pool and rt read to count the outcome
			<-tk.Done()
		}},
		{"a loser of Any", func(v string) {
			loser := task.Go(ctx, panics(v))
			task.Any(ctx, loser, task.Go(ctx, func(context.Context) (int, error) {
				<-loser.Done() // Any sees the loser fail first, then a winner
				return 1, nil
			}))
		}},
		{"Group closed without Wait", func(v string) {
			g := task.NewGroup[int](ctx)
			g.Go(ctx, panics(v))
			g.Close()
		}},
	}
	want := map[any]bool{}
	for _, r := range reads {
		r.read("read by " + r.name)
	}
	for _, d := range drops {
		d.drop("dropped: " + d.name)
		want["dropped: "+d.name] = true
	}
	// Every dropped task's report says the collector has run the cleanups
	// of the tasks read above too.
	got := collectReports(reported, len(want))
	for v := range want {
		if !got[v] {
			t.Errorf("%q was not reported; want reported", v)
		}
	}
	for v := range got {
		if !want[v] {
			t.Errorf("%q was reported; want only the dropped tasks", v)
		}
	}
}

func TestRepanic(t *testing.T) {
	_, err := task.Go(context.Background(), func(context.Context) (int, error) { panic("boom") }).Await(context.Background())
	var pe *task.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Await = %v; want a *task.PanicError", err)
	}
	defer func() {
		if got := recover(); got != pe {
			t.Errorf("recovered %v; want the *PanicError itself", got)
		}
	}()
	pe.Repanic()
}

// collectReports runs the garbage collector until n values have come on
// reported from the OnUnobservedPanic function (200 rounds at most), and
// a few rounds more for a straggler, and returns the values that came.
func collectReports(reported <-chan any, n int) map[any]bool {
	got := map[any]bool{}
	for i := 0; i < 200 && len(got) < n; i++ {
		runtime.GC()
		select {
		case v := <-reported:
			got[v] = true
		default:
			runtime.Gosched()
		}
	}
	for i := 0; i < 3; i++ { // a straggler would follow at once
		runtime.GC()
		runtime.Gosched()
	}
	for len(reported) > 0 {
		got[<-reported] = true
	}
	return got
}
