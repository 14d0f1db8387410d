package task_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

var errDB = errors.New("db: connection refused")

// TestAudit5AnyKeepsFailuresOnCtxEnd: when ctx ends before any task of
// Any succeeded, the failures Any had seen (a panic too) are joined with
// ctx's error, as All does. Any used to return only "task: any: context
// deadline exceeded", dropping why the primary failed.
func TestAudit5AnyKeepsFailuresOnCtxEnd(t *testing.T) {
	tests := []struct {
		name      string
		primary   func(context.Context) (int, error)
		wantErr   error // also matched, if set
		wantPanic bool
	}{
		{"primary fails", func(context.Context) (int, error) { return 0, errDB }, errDB, false},
		{"primary panics", func(context.Context) (int, error) {
			panic("primary: boom")
		}, nil, true},
		{"nothing failed", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bg := context.Background()
				ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
				defer cancel()
				fallback := after(bg, time.Hour, 1, nil)
				defer func() { fallback.Cancel(); _, _ = fallback.Await(bg) }()
				tasks := []*task.Task[int]{fallback}
				if tt.primary != nil {
					tasks = append([]*task.Task[int]{task.Go(bg, tt.primary)}, tasks...)
				}
				_, err := task.Any(ctx, tasks...)
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "task: any: context deadline exceeded") {
					t.Errorf("Any = %v; want it to match context.DeadlineExceeded and say so", err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("Any = %v; want it to keep %v", err, tt.wantErr)
				}
				if _, ok := errors.AsType[*task.PanicError](err); ok != tt.wantPanic {
					t.Errorf("Any = %v; want a *PanicError in it: %v", err, tt.wantPanic)
				}
				if tt.primary == nil && err.Error() != "task: any: context deadline exceeded" {
					t.Errorf("Any = %q; want ctx's error alone", err)
				}
			})
		})
	}
}

// TestAudit5CancelNotCallers: the tasks that All and the Joins cancel
// after a failure, and that fail only because of that cancel, do not make
// the error match context.Canceled: the caller was not cancelled, and
// `if errors.Is(err, context.Canceled) { return nil }` used to swallow
// the real failure. One line counts them. Panics and other errors of the
// cancelled tasks, and a cancel that was not the combinator's, are kept.
func TestAudit5CancelNotCallers(t *testing.T) {
	errRollback := errors.New("rollback failed")
	// onCancel returns a task that waits to be cancelled, then returns
	// what ret makes of its context's error.
	onCancel := func(ctx context.Context, ret func(error) error) *task.Task[int] {
		return task.Go(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ret(ctx.Err())
		})
	}
	tests := []struct {
		name       string
		run        func(ctx context.Context) error
		want       string  // the whole message
		wantIs     []error // matched
		wantCancel bool    // matches context.Canceled
		wantPanic  bool
	}{
		{"All, two cancelled", func(ctx context.Context) error {
			_, err := task.All(ctx, after(ctx, 10*time.Millisecond, 0, errDB), after(ctx, time.Second, 2, nil), after(ctx, time.Second, 3, nil))
			return err
		}, "db: connection refused\ntask: all: 2 more tasks cancelled after the failure", []error{errDB}, false, false},
		{"All, cancelled task wraps ctx's error", func(ctx context.Context) error {
			_, err := task.All(ctx, after(ctx, 10*time.Millisecond, 0, errDB),
				onCancel(ctx, func(err error) error { return fmt.Errorf("query: %w", err) }))
			return err
		}, "db: connection refused\ntask: all: 1 more task cancelled after the failure", []error{errDB}, false, false},
		{"All, cancelled task fails its own way", func(ctx context.Context) error {
			_, err := task.All(ctx, after(ctx, 10*time.Millisecond, 0, errDB),
				onCancel(ctx, func(error) error { return errRollback }), after(ctx, time.Second, 3, nil))
			return err
		}, "db: connection refused\nrollback failed\ntask: all: 1 more task cancelled after the failure", []error{errDB, errRollback}, false, false},
		{"All, cancelled task panics", func(ctx context.Context) error {
			_, err := task.All(ctx, after(ctx, 10*time.Millisecond, 0, errDB),
				onCancel(ctx, func(err error) error { panic(err) }))
			return err
		}, "", []error{errDB}, true, true},
		{"All, a task cancelled by its own caller first", func(ctx context.Context) error {
			// Cancelled at 5ms, it ends at 25ms, after the failure at 10ms:
			// not All's cancel.
			own := task.Go(ctx, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				time.Sleep(20 * time.Millisecond)
				return 0, ctx.Err()
			})
			time.AfterFunc(5*time.Millisecond, own.Cancel)
			_, err := task.All(ctx, after(ctx, 10*time.Millisecond, 0, errDB), own)
			return err
		}, "db: connection refused\ncontext canceled", []error{errDB}, true, false},
		{"Join2", func(ctx context.Context) error {
			_, _, err := task.Join2(ctx, after(ctx, 10*time.Millisecond, 0, errDB), after(ctx, time.Second, "late", nil))
			return err
		}, "db: connection refused\ntask: join: 1 more task cancelled after the failure", []error{errDB}, false, false},
		{"Join3", func(ctx context.Context) error {
			_, _, _, err := task.Join3(ctx, after(ctx, time.Second, 1, nil), after(ctx, time.Second, "late", nil), after(ctx, 10*time.Millisecond, 3.0, errDB))
			return err
		}, "db: connection refused\ntask: join: 2 more tasks cancelled after the failure", []error{errDB}, false, false},
		{"All, caller cancelled", func(ctx context.Context) error {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(5*time.Millisecond, cancel)
			_, err := task.All(ctx, after(ctx, time.Second, 1, nil), after(ctx, time.Second, 2, nil))
			return err
		}, "task: all: context canceled", nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := tt.run(context.Background())
				synctest.Wait()
				if err == nil {
					t.Fatal("err = nil; want an error")
				}
				if tt.want != "" && err.Error() != tt.want {
					t.Errorf("err = %q; want %q", err, tt.want)
				}
				for _, w := range tt.wantIs {
					if !errors.Is(err, w) {
						t.Errorf("err = %q; want it to match %v", err, w)
					}
				}
				if got := errors.Is(err, context.Canceled); got != tt.wantCancel {
					t.Errorf("err = %q matches context.Canceled: %v; want %v", err, got, tt.wantCancel)
				}
				if _, got := errors.AsType[*task.PanicError](err); got != tt.wantPanic {
					t.Errorf("err = %q holds a *PanicError: %v; want %v", err, got, tt.wantPanic)
				}
			})
		})
	}
}

// TestAudit5TimeoutReadsOnce: a TimeoutError says that the time was up
// once, with one "task: " prefix. It used to read "task: timed out after
// 10ms: task: sleep: context deadline exceeded: task: time limit passed".
func TestAudit5TimeoutReadsOnce(t *testing.T) {
	errQuery := errors.New("query failed")
	tests := []struct {
		name string
		fn   func(context.Context) (int, error)
		want string
	}{
		{"sleep", func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) }, "task: timed out after 10ms: sleep: context deadline exceeded"},
		{"ctx.Err", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }, "task: timed out after 10ms: context deadline exceeded"},
		{"context.Cause", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, context.Cause(ctx) }, "task: timed out after 10ms"},
		{"wrapped cause", func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, fmt.Errorf("get http://x: %w", context.Cause(ctx))
		}, "task: timed out after 10ms: get http://x"},
		{"own error after the limit", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, errQuery }, "task: timed out after 10ms: query failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, err := task.Timeout(context.Background(), 10*time.Millisecond, tt.fn)
				te, ok := errors.AsType[*task.TimeoutError](err)
				if !ok || te.Limit != 10*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Timeout = %v; want a *TimeoutError of 10ms matching DeadlineExceeded", err)
				}
				if err.Error() != tt.want {
					t.Errorf("Timeout = %q; want %q", err, tt.want)
				}
				if tt.name == "own error after the limit" && !errors.Is(err, errQuery) {
					t.Errorf("Timeout = %v; want it to match fn's error", err)
				}
			})
		})
	}
}
