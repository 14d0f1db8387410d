package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutObservedAfterEnd: a panic read after the task ended (Await of
// an ended task, Flight callers, Any's all-failed error) counts as read
// and is not reported to OnUnobservedPanic; a dropped one, the control,
// is.
func TestMutObservedAfterEnd(t *testing.T) {
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
	for _, r := range reads {
		r.read("read by " + r.name)
	}
	const dropped = "dropped"
	<-task.Go(ctx, panics(dropped)).Done()

	got := collectReports(reported, 1)
	if !got[dropped] {
		t.Fatalf("the dropped task's panic was not reported; want reported (the control)")
	}
	for v := range got {
		if v != dropped {
			t.Errorf("%q was reported; want only the dropped task", v)
		}
	}
}
