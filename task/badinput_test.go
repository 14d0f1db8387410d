package task_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spool-go/spool/internal/testpanic"
	"github.com/spool-go/spool/task"
)

// TestNilContextPanics: every exported function of task that takes a
// context panics at once with "task: <Func>: nil context", as
// context.WithCancel(nil) does, rather than crash later on a nil
// dereference (Await, the combinators, Sleep) or take the nil silently
// (NewGroup).
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	ctx := context.Background()
	ended := task.Go(ctx, func(context.Context) (int, error) { return 1, nil })
	if _, err := ended.Await(ctx); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	running := task.Go(ctx, func(context.Context) (int, error) { <-release; return 1, nil })
	fn := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name string
		call func()
	}{
		{"Go", func() { task.Go(nilCtx, fn) }},
		{"Prepare", func() { task.Prepare(nilCtx, fn) }},
		{"PrepareWith", func() { task.PrepareWith[int, int](nilCtx, fn, nil) }},
		{"Task.Await", func() { _, _ = running.Await(nilCtx) }},
		{"Task.Await", func() { _, _ = ended.Await(nilCtx) }}, // ended: still refused
		{"All", func() { _, _ = task.All(nilCtx, ended) }},
		{"Join2", func() { _, _, _ = task.Join2(nilCtx, ended, ended) }},
		{"Join3", func() { _, _, _, _ = task.Join3(nilCtx, ended, ended, ended) }},
		{"Race", func() { _, _ = task.Race(nilCtx, ended) }},
		{"Any", func() { _, _ = task.Any(nilCtx, ended) }},
		{"Select", func() { _, _ = task.Select(nilCtx, ended) }},
		{"Sleep", func() { _ = task.Sleep(nilCtx, time.Millisecond) }},
		{"Timeout", func() { _, _ = task.Timeout(nilCtx, time.Second, fn) }},
		{"NewGroup", func() { task.NewGroup[int](nilCtx) }},
		{"Group.Go", func() { var g task.Group[int]; defer g.Close(); g.Go(nilCtx, fn) }},
		{"Group.Next", func() { var g task.Group[int]; defer g.Close(); g.Next(nilCtx) }},
		{"Group.Wait", func() { var g task.Group[int]; defer g.Close(); _, _ = g.Wait(nilCtx) }},
		{"Flight.Do", func() { var f task.Flight[int, int]; f.Do(nilCtx, 1, fn) }},
		{"Park", func() { task.Park(nilCtx) }},
		{"ContextSlot", func() { task.ContextSlot(nilCtx) }},
		{"WithoutSlot", func() { task.WithoutSlot(nilCtx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "task: " + tt.name + ": nil context"
			if got := testpanic.Value(tt.call); got != want {
				t.Errorf("%s(nil ctx) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
}

// TestBadInput: bad options and arguments. Those of a function with an
// error result (or a task's) come back as errors matching ErrInvalid;
// NewGroup, which has none, panics at once naming the bad option. An
// option never panics by itself.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	var nilTask *task.Task[int]
	errs := []struct {
		name string
		call func() error
		want error // besides ErrInvalid
		text string
	}{
		{"Timeout(0)", func() error { _, err := task.Timeout(ctx, 0, fn); return err }, nil,
			"task: Timeout: d must be positive (got 0s)"},
		{"Timeout(-1s)", func() error { _, err := task.Timeout(ctx, -time.Second, fn); return err }, nil,
			"task: Timeout: d must be positive (got -1s)"},
		{"Timeout(nil fn)", func() error { _, err := task.Timeout[int](ctx, time.Second, nil); return err }, task.ErrNilFunc,
			"task: nil function"},
		{"Go(nil fn)", func() error { _, err := task.Go[int](ctx, nil).Await(ctx); return err }, task.ErrNilFunc,
			"task: nil function"},
		{"Race()", func() error { _, err := task.Race[int](ctx); return err }, task.ErrNoTasks, "task: no tasks"},
		{"Any()", func() error { _, err := task.Any[int](ctx); return err }, task.ErrNoTasks, "task: no tasks"},
		{"Select()", func() error { _, err := task.Select(ctx); return err }, task.ErrNoTasks, "task: no tasks (Select)"},
		{"Select(nil)", func() error { _, err := task.Select(ctx, nilTask); return err }, task.ErrNilTask,
			"task: nil task (Select case 0)"},
		{"All(nil)", func() error { _, err := task.All(ctx, nilTask); return err }, task.ErrNilTask, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, task.ErrInvalid) || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("%s = %v; want an error matching ErrInvalid and %v", tt.name, err, tt.want)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Errorf("%s = %q; want %q", tt.name, err, tt.text)
			}
		})
	}

	panics := []struct {
		name string
		opts []task.GroupOption
		want string
	}{
		{"Limit(0)", []task.GroupOption{task.Limit(0)}, "task: NewGroup: Limit must be positive (got 0)"},
		{"Limit(-3)", []task.GroupOption{task.FailFast(), task.Limit(-3)}, "task: NewGroup: Limit must be positive (got -3)"},
		{"nil option", []task.GroupOption{task.Limit(2), nil}, "task: NewGroup: option must not be nil (got nil at index 1)"},
	}
	for _, tt := range panics {
		t.Run("NewGroup/"+tt.name, func(t *testing.T) {
			got := testpanic.Value(func() { task.NewGroup[int](ctx, tt.opts...).Close() })
			if got != tt.want {
				t.Errorf("NewGroup(ctx, %s) panicked with %v; want %q", tt.name, got, tt.want)
			}
		})
	}
	for _, n := range []int{0, -1} {
		if got := testpanic.Value(func() { task.Limit(n) }); got != nil {
			t.Errorf("Limit(%d) panicked with %v; want the panic from NewGroup only", n, got)
		}
	}
}

// ExampleNewGroup_badLimit: NewGroup has no error result, so a bad option
// makes it panic at once, naming the option and the value.
func ExampleNewGroup_badLimit() {
	defer func() { fmt.Println(recover()) }()
	task.NewGroup[int](context.Background(), task.Limit(0))
	// Output: task: NewGroup: Limit must be positive (got 0)
}
