package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestAuditSettledBeforeCtx: tasks that had all ended before a combinator
// was called decide its result even if ctx is done too, as Await and
// Select do with a task that has ended. settle used to pick at random
// between an ended task and ctx.Done, so about half the calls returned
// ctx's error.
func TestAuditSettledBeforeCtx(t *testing.T) {
	errA := errors.New("a")
	calls := []struct {
		name    string
		call    func(ctx context.Context, ok, bad *task.Task[int]) (int, error)
		want    int
		wantErr error
	}{
		{"All", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			vs, err := task.All(ctx, ok, ok)
			if len(vs) != 2 {
				return -1, err
			}
			return vs[0] + vs[1], err
		}, 2, nil},
		{"All with a failure", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			vs, err := task.All(ctx, ok, bad)
			return len(vs), err
		}, 2, errA},
		{"Join2", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			a, b, err := task.Join2(ctx, ok, ok)
			return a + b, err
		}, 2, nil},
		{"Join3", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			a, b, c, err := task.Join3(ctx, ok, ok, ok)
			return a + b + c, err
		}, 3, nil},
		{"Race", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			return task.Race(ctx, ok, bad)
		}, 1, nil},
		{"Any", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			return task.Any(ctx, bad, ok)
		}, 1, nil},
		{"Any, all failed", func(ctx context.Context, ok, bad *task.Task[int]) (int, error) {
			return task.Any(ctx, bad)
		}, 0, errA},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			bg := context.Background()
			ok := task.Go(bg, func(context.Context) (int, error) { return 1, nil })
			bad := task.Go(bg, func(context.Context) (int, error) { return 0, errA })
			ok.Await(bg)
			bad.Await(bg)
			ctx, cancel := context.WithCancel(bg)
			cancel()
			for range 64 { // a fair coin would lose one of 64 tosses almost surely
				got, err := c.call(ctx, ok, bad)
				if got != c.want || !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
					t.Fatalf("%s(done ctx, ended tasks) = %d, %v; want %d, %v", c.name, got, err, c.want, c.wantErr)
				}
			}
		})
	}
}

// TestAuditFailureThenCtx: once a task has failed, All and Join are
// decided; if ctx ends while they wait for the cancelled others, the error
// they return still holds the failure (here a panic), joined with ctx's
// error, as Race returns a winner decided before ctx ended. They used to
// return ctx's error alone, and since they had read the failure, a panic
// in it was neither returned nor reported as unobserved.
func TestAuditFailureThenCtx(t *testing.T) {
	calls := []struct {
		name string
		call func(ctx context.Context, bad, stuck *task.Task[int]) error
	}{
		{"All", func(ctx context.Context, bad, stuck *task.Task[int]) error {
			_, err := task.All(ctx, bad, stuck)
			return err
		}},
		{"Join2", func(ctx context.Context, bad, stuck *task.Task[int]) error {
			_, _, err := task.Join2(ctx, stuck, bad)
			return err
		}},
		{"Join3", func(ctx context.Context, bad, stuck *task.Task[int]) error {
			_, _, _, err := task.Join3(ctx, stuck, bad, stuck)
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bg := context.Background()
				release := make(chan struct{})
				defer close(release)
				bad := task.Go(bg, func(context.Context) (int, error) { panic("boom") })
				stuck := task.Go(bg, func(context.Context) (int, error) {
					<-release // ignores its context
					return 1, nil
				})
				ctx, cancel := context.WithTimeout(bg, time.Second)
				defer cancel()
				err := c.call(ctx, bad, stuck)
				var pe *task.PanicError
				if !errors.As(err, &pe) || pe.Value != "boom" {
					t.Errorf("%s = %v; want it to hold the task's *PanicError", c.name, err)
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s = %v; want it to match context.DeadlineExceeded", c.name, err)
				}
			})
		})
	}
}

// TestAuditSelectNilCase: a nil case fails Select with an error that
// matches ErrNilTask, as a nil task does in the other combinators.
func TestAuditSelectNilCase(t *testing.T) {
	ok := task.After(0)
	defer ok.Stop()
	tests := []struct {
		name  string
		cases []task.Case
	}{
		{"nil *Task", []task.Case{ok, (*task.Task[int])(nil)}},
		{"nil *Timer", []task.Case{(*task.Timer)(nil), ok}},
		{"nil interface", []task.Case{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := task.Select(context.Background(), tt.cases...)
			if i != -1 || !errors.Is(err, task.ErrNilTask) {
				t.Errorf("Select(%s) = %d, %v; want -1, an error wrapping ErrNilTask", tt.name, i, err)
			}
		})
	}
}
