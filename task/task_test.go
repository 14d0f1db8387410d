package task_test

import (
	"context"
	"errors"
	"github.com/spool-go/spool/internal/slottest"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

var errBoom = errors.New("boom")

func TestAwait(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(context.Context) (int, error)
		want    int
		wantErr error // matched with errors.Is; nil means success
		panics  bool  // the error must be a *PanicError
	}{
		{name: "value", fn: func(context.Context) (int, error) { return 42, nil }, want: 42},
		{name: "error", fn: func(context.Context) (int, error) { return 0, errBoom }, wantErr: errBoom},
		{name: "value and error", fn: func(context.Context) (int, error) { return 7, errBoom }, want: 7, wantErr: errBoom},
		{name: "panic with string", fn: func(context.Context) (int, error) { panic("oops") }, panics: true},
		{name: "panic with error", fn: func(context.Context) (int, error) { panic(errBoom) }, wantErr: errBoom, panics: true},
		{name: "panic nil", fn: func(context.Context) (int, error) { panic(nil) }, panics: true},
		{name: "goexit", fn: func(context.Context) (int, error) { runtime.Goexit(); return 1, nil }, wantErr: task.ErrGoexit},
		{name: "nil func", fn: nil, wantErr: task.ErrNilFunc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			got, err := task.Go(ctx, tt.fn).Await(ctx)
			if got != tt.want {
				t.Errorf("Await() value = %d; want %d", got, tt.want)
			}
			if tt.wantErr == nil && !tt.panics && err != nil {
				t.Errorf("Await() error = %v; want nil", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Await() error = %v; want %v", err, tt.wantErr)
			}
			var pe *task.PanicError
			if got := errors.As(err, &pe); got != tt.panics {
				t.Fatalf("errors.As(%v, *PanicError) = %v; want %v", err, got, tt.panics)
			}
			if tt.panics && !strings.Contains(string(pe.Stack), "task_test.go") {
				t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
			}
		})
	}
}

func TestAwaitContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		tk := task.Go(context.Background(), func(ctx context.Context) (int, error) {
			<-release
			return 1, nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := tk.Await(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await() with expired ctx = %v; want DeadlineExceeded", err)
		}
		if _, _, ok := tk.Result(); ok {
			t.Fatal("Result() ok = true after Await gave up; want the task still running")
		}
		close(release)
		if v, err := tk.Await(context.Background()); v != 1 || err != nil {
			t.Fatalf("second Await() = %d, %v; want 1, nil", v, err)
		}
	})
}

func TestAwaitCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := task.Go(ctx, func(ctx context.Context) (int, error) { return 0, ctx.Err() })
	if _, err := tk.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("task of a cancelled parent returned %v; want Canceled", err)
	}
	if _, err := tk.Await(ctx); err == nil {
		t.Fatal("Await(cancelled ctx) of an ended task = nil error; want the task's error")
	}
}

func TestResult(t *testing.T) {
	release := make(chan struct{})
	tk := task.Go(context.Background(), func(context.Context) (string, error) {
		<-release
		return "done", nil
	})
	if v, err, ok := tk.Result(); ok || v != "" || err != nil {
		t.Fatalf("Result() while running = %q, %v, %v; want \"\", nil, false", v, err, ok)
	}
	close(release)
	<-tk.Done()
	if v, err, ok := tk.Result(); !ok || v != "done" || err != nil {
		t.Fatalf("Result() after end = %q, %v, %v; want done, nil, true", v, err, ok)
	}
}

func TestCancel(t *testing.T) {
	started := make(chan struct{})
	tk := task.Go(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	tk.Cancel()
	if _, err := tk.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await() after Cancel = %v; want Canceled", err)
	}
	tk.Cancel() // a no-op once ended
}

// TestContext checks that a task's context behaves as a WithCancel child:
// parents reach it, it reaches children made by package context, and it
// ends when the function returns.
func TestContext(t *testing.T) {
	tests := []struct {
		name   string
		cancel func(parent context.CancelFunc, tk *task.Task[int])
	}{
		{name: "parent cancelled", cancel: func(p context.CancelFunc, _ *task.Task[int]) { p() }},
		{name: "task cancelled", cancel: func(_ context.CancelFunc, tk *task.Task[int]) { tk.Cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancel := context.WithCancel(context.Background())
			defer cancel()
			ready := make(chan struct{})
			afterRan := make(chan struct{})
			tk := task.Go(parent, func(ctx context.Context) (int, error) {
				child, stop := context.WithTimeout(ctx, time.Hour)
				defer stop()
				context.AfterFunc(ctx, func() { close(afterRan) })
				grandchild := task.Go(child, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, ctx.Err()
				})
				close(ready)
				<-child.Done()
				if _, err := grandchild.Await(context.Background()); !errors.Is(err, context.Canceled) {
					return 0, err
				}
				if got := context.Cause(ctx); !errors.Is(got, context.Canceled) {
					return 0, errors.New("context.Cause(task ctx) = " + errString(got) + "; want Canceled")
				}
				return 1, child.Err()
			})
			<-ready
			tt.cancel(cancel, tk)
			if v, err := tk.Await(context.Background()); v != 1 || !errors.Is(err, context.Canceled) {
				t.Fatalf("Await() = %d, %v; want 1, Canceled", v, err)
			}
			<-afterRan
		})
	}
}

func TestContextEndsWithTask(t *testing.T) {
	var inner context.Context
	tk := task.Go(context.Background(), func(ctx context.Context) (int, error) {
		inner = ctx
		return 0, nil
	})
	if _, err := tk.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inner.Done():
	default:
		t.Fatal("task context not done after the function returned")
	}
	if got := tk.Context().Err(); !errors.Is(got, context.Canceled) {
		t.Fatalf("Context().Err() = %v; want Canceled", got)
	}
	// A child made after the end is done at once.
	child, stop := context.WithCancel(inner)
	defer stop()
	<-child.Done()
}

func TestContextValuesAndDeadline(t *testing.T) {
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancel()
	tk := task.Go(parent, func(ctx context.Context) (string, error) {
		if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
			return "", errors.New("deadline not inherited")
		}
		s, _ := ctx.Value(key{}).(string)
		return s, nil
	})
	if v, err := tk.Await(context.Background()); v != "v" || err != nil {
		t.Fatalf("Await() = %q, %v; want v, nil", v, err)
	}
}

func TestNilContextPanicsGo(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "task: ") {
			t.Fatalf("recover() = %v; want a task: panic", r)
		}
	}()
	//lint:ignore SA1012 the test checks the nil context panic
	task.Go[int](nil, func(context.Context) (int, error) { return 0, nil }) //nolint:staticcheck
}

func TestPrepareJob(t *testing.T) {
	ctx := context.Background()
	tk, job := task.Prepare(ctx, func(ctx context.Context) (int, error) { return 3, nil })
	if _, _, ok := tk.Result(); ok {
		t.Fatal("prepared task ended before Run")
	}
	if job.Context().Err() != nil {
		t.Fatal("job context done before Run")
	}
	job.Run()
	if v, err, ok := tk.Result(); !ok || v != 3 || err != nil {
		t.Fatalf("Result() = %d, %v, %v; want 3, nil, true", v, err, ok)
	}

	tk2, job2 := task.Prepare(ctx, func(ctx context.Context) (int, error) { return 3, nil })
	job2.Abort(io.ErrClosedPipe)
	if _, err := tk2.Await(ctx); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("aborted task error = %v; want ErrClosedPipe", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("second use of a Job did not panic")
		}
	}()
	job2.Run()
}

// record is an executor's per-task record for TestPrepareWith; it is
// also the task's slot.
type record struct {
	id                 int
	acquired, released int
}

func (r *record) Acquire()      { r.acquired++ }
func (r *record) Release() bool { r.released++; return true }

func TestPrepareWith(t *testing.T) {
	asSlot := func(r *record) task.Slot { return r }
	cases := []struct {
		name     string
		fn       func(context.Context) (int, error)
		slot     func(*record) task.Slot
		wantV    int
		wantErr  error
		wantJob  bool
		wantSlot bool
	}{
		{"runs fn", func(context.Context) (int, error) { return 7, nil }, nil, 7, nil, true, false},
		{"slot from the record", func(ctx context.Context) (int, error) {
			if task.ContextSlot(ctx) == nil {
				return 0, errors.New("no slot in the task's context")
			}
			return 8, nil
		}, asSlot, 8, nil, true, true},
		{"nil fn", nil, asSlot, 0, task.ErrNilFunc, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk, rec, job := task.PrepareWith(context.Background(), c.fn, c.slot)
			if *rec != (record{}) {
				t.Fatalf("record = %+v; want a zero record", *rec)
			}
			rec.id = 1
			if got := job != nil; got != c.wantJob {
				t.Fatalf("job != nil = %v; want %v", got, c.wantJob)
			}
			if job != nil {
				if got := task.ContextSlot(job.Context()) == task.Slot(rec); got != c.wantSlot {
					t.Errorf("the task's slot is its record: %v; want %v", got, c.wantSlot)
				}
				job.Run()
			}
			v, err, ok := tk.Result()
			if !ok || v != c.wantV || !errors.Is(err, c.wantErr) {
				t.Errorf("Result() = %d, %v, %v; want %d, %v, true", v, err, ok, c.wantV, c.wantErr)
			}
			_, rec2, _ := task.PrepareWith(context.Background(), c.fn, c.slot)
			if rec2 == rec || rec2.id != 0 {
				t.Errorf("a second PrepareWith shares or reuses the record (%p, %+v)", rec2, *rec2)
			}
		})
	}
}

func TestFailed(t *testing.T) {
	tk := task.Failed[int](errBoom)
	if v, err := tk.Await(context.Background()); v != 0 || !errors.Is(err, errBoom) {
		t.Fatalf("Failed().Await() = %d, %v; want 0, boom", v, err)
	}
	<-tk.Done()
}

func TestPanicErrorMessage(t *testing.T) {
	_, err := task.Go(context.Background(), func(context.Context) (int, error) { panic("kaboom") }).Await(context.Background())
	if !strings.HasPrefix(err.Error(), "task: panic: kaboom") {
		t.Fatalf("Error() = %q; want prefix %q", err.Error(), "task: panic: kaboom")
	}
}

func TestManyAwaiters(t *testing.T) {
	release := make(chan struct{})
	tk := task.Go(context.Background(), func(context.Context) (int, error) { <-release; return 5, nil })
	results := make(chan int)
	for range 8 {
		go func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v, _ := tk.Await(ctx)
			results <- v
		}()
	}
	close(release)
	for range 8 {
		if v := <-results; v != 5 {
			t.Fatalf("an awaiter got %d; want 5", v)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestParkAndWithoutSlot(t *testing.T) {
	s := new(slottest.Counter)
	tk, job := task.Prepare(context.Background(), func(ctx context.Context) (int, error) {
		task.Park(ctx).Resume()
		if task.ContextSlot(ctx) == nil {
			return 0, errors.New("task context holds no slot")
		}
		free := task.WithoutSlot(ctx)
		task.Park(free).Resume()
		if task.ContextSlot(free) != nil {
			return 0, errors.New("WithoutSlot context holds a slot")
		}
		// A task started inside does not inherit the slot. It ends only
		// once its parent's Await has given the slot back (Await first
		// yields once, and a child that ended by then costs no park).
		return task.Go(ctx, func(ctx context.Context) (int, error) {
			task.Park(ctx).Resume()
			giveUp := time.After(10 * time.Second)
			for s.Released.Load() < 2 {
				select {
				case <-giveUp:
					return 0, errors.New("the parent's Await never gave its slot back")
				default:
					runtime.Gosched()
				}
			}
			return 1, nil
		}).Await(ctx)
	}, task.WithSlot(s))
	job.Run()
	if v, err := tk.Await(context.Background()); v != 1 || err != nil {
		t.Fatalf("Await() = %d, %v; want 1, nil", v, err)
	}
	// One Park in the task, one in its Await of the child: two each.
	if s.Released.Load() != 2 || s.Acquired.Load() != 2 {
		t.Fatalf("slot released %d, acquired %d times; want 2 and 2", s.Released.Load(), s.Acquired.Load())
	}
	if bg := context.Background(); task.WithoutSlot(bg) != bg {
		t.Fatal("WithoutSlot of a context without a slot made a new context")
	}
}

// TestContextErrSynchronous checks package context's promise across a task
// context: once the parent's cancel returns, Err is not nil, even while
// the task waits on its context (attached) and the parent is one of
// package context's, whose callbacks run on goroutines of their own.
func TestContextErrSynchronous(t *testing.T) {
	for range 200 {
		parent, cancel := context.WithCancel(context.Background())
		waiting := make(chan struct{})
		proceed := make(chan struct{})
		tk := task.Go(parent, func(ctx context.Context) (bool, error) {
			_ = ctx.Done() // attach
			close(waiting)
			<-proceed
			return ctx.Err() != nil, nil
		})
		<-waiting
		cancel()
		close(proceed)
		if saw, _ := tk.Await(context.Background()); !saw {
			t.Fatal("task context Err() = nil after the parent's cancel returned")
		}
	}
}
