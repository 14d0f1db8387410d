package task_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestUnobservedPanic: a panic in a task that is collected before anyone
// read its error reaches OnUnobservedPanic; one whose error somebody read,
// by any of the ways to read it, does not.
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
		read func(tk *task.Task[int])
	}{
		{"Await", func(tk *task.Task[int]) { tk.Await(ctx) }},
		{"Result", func(tk *task.Task[int]) { <-tk.Done(); tk.Result() }},
		{"All", func(tk *task.Task[int]) { task.All(ctx, tk) }},
		{"Race", func(tk *task.Task[int]) { task.Race(ctx, tk) }},
	}
	for _, r := range reads {
		r.read(task.Go(ctx, panics("read by "+r.name)))
	}
	<-task.Go(ctx, panics("dropped")).Done() // ended; nobody reads it

	// The dropped task's report says the collector has run the cleanups
	// of the tasks above too.
	var got []any
	for i := 0; i < 100 && len(got) == 0; i++ {
		runtime.GC()
		select {
		case v := <-reported:
			got = append(got, v)
		default:
			runtime.Gosched()
		}
	}
	for i := 0; i < 3; i++ { // a straggler would follow at once
		runtime.GC()
		runtime.Gosched()
	}
	for len(reported) > 0 {
		got = append(got, <-reported)
	}
	if len(got) != 1 || got[0] != "dropped" {
		t.Errorf("reported %q; want only [dropped]", got)
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
