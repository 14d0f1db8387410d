package task_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// helperSlot is a fake executor's slot that is a task.Helper: its Help
// records the call and runs the job (run), or returns again.
type helperSlot struct {
	mu    sync.Mutex
	calls int
	run   func(call int) bool // whether the call-th Help runs the job
	again chan struct{}
	last  []bool // the lastResort of every call
}

func (*helperSlot) Release() bool { return true }
func (*helperSlot) Acquire()      {}

func (s *helperSlot) Help(ctx context.Context, j task.Job, lastResort bool) <-chan struct{} {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.last = append(s.last, lastResort)
	s.mu.Unlock()
	if s.run(n) {
		task.TryRun(j)
		return nil
	}
	return s.again
}

// TestHelperAwait: a wait for a queued task of a Helper's executor, with a
// context that holds the same slot, calls Help, which may run the task;
// a channel it returns brings a second look once closed. Other waits do
// not call Help.
func TestHelperAwait(t *testing.T) {
	cases := []struct {
		name      string
		sameSlot  bool // the waiter's context holds the child's slot
		queued    bool // the child is Queued
		run       func(call int) bool
		closeOnce bool   // close again after the first look
		wait      string // Await, All, Select, or Select4 (Select with 4 cases)
		wantCalls int
	}{
		{"runs at first look", true, true, func(int) bool { return true }, false, "Await", 1},
		{"runs at second look", true, true, func(n int) bool { return n == 2 }, true, "Await", 2},
		{"All: runs at first look", true, true, func(int) bool { return true }, false, "All", 1},
		{"All: runs at second look", true, true, func(n int) bool { return n == 2 }, true, "All", 2},
		{"Select: runs at first look", true, true, func(int) bool { return true }, false, "Select", 1},
		{"Select: runs at second look", true, true, func(n int) bool { return n == 2 }, true, "Select", 2},
		{"Select of 4: runs at second look", true, true, func(n int) bool { return n == 2 }, true, "Select4", 2},
		{"other slot: no look", false, true, func(int) bool { return true }, false, "Await", 0},
		{"Select, other slot: no look", false, true, func(int) bool { return true }, false, "Select", 0},
		{"not Queued: no look", true, false, func(int) bool { return true }, false, "Await", 0},
		{"Select, not Queued: no look", true, false, func(int) bool { return true }, false, "Select", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &helperSlot{run: c.run, again: make(chan struct{})}
				opts := []task.PrepareOption{task.WithSlot(s)}
				if c.queued {
					opts = append(opts, task.Queued())
				}
				child, childJob := task.Prepare(context.Background(), func(context.Context) (int, error) { return 7, nil }, opts...)
				waiterSlot := task.Slot(s)
				if !c.sameSlot {
					waiterSlot = &helperSlot{run: c.run}
				}
				waiter, waiterJob := task.Prepare(context.Background(), func(ctx context.Context) (int, error) {
					switch c.wait {
					case "All":
						vs, err := task.All(ctx, child)
						if err != nil {
							return 0, err
						}
						return vs[0], nil
					case "Select", "Select4":
						cases := []task.Case{child}
						if c.wait == "Select4" {
							cases = append(cases, ctx, context.Background(), context.Background())
						}
						if i, err := task.Select(ctx, cases...); i != 0 || err != nil {
							return 0, fmt.Errorf("Select = %d, %v; want 0, nil", i, err)
						}
					}
					return child.Await(ctx)
				}, task.WithSlot(waiterSlot))
				go waiterJob.Run()
				synctest.Wait()
				if c.closeOnce {
					close(s.again)
					synctest.Wait()
				}
				ranByExecutor := task.TryRun(childJob) // the executor's own turn, after the waiter's
				got, err := waiter.Await(context.Background())
				if got != 7 || err != nil {
					t.Fatalf("waiter = %d, %v; want 7, nil", got, err)
				}
				if s.calls != c.wantCalls {
					t.Errorf("Help called %d times; want %d", s.calls, c.wantCalls)
				}
				// Select cancels nothing: it asks for help as a last resort.
				wantLast := strings.HasPrefix(c.wait, "Select")
				for k, got := range s.last {
					if got != wantLast {
						t.Errorf("call %d of Help: lastResort = %v; want %v (%s)", k+1, got, wantLast, c.wait)
					}
				}
				if wantExec := c.wantCalls == 0; ranByExecutor != wantExec {
					t.Errorf("the executor's TryRun = %v; want %v", ranByExecutor, wantExec)
				}
			})
		})
	}
}

// goLike is a Job not made by Prepare, as a pool's Go jobs are.
type goLike struct{}

func (goLike) Run()                     {}
func (goLike) Abort(error)              {}
func (goLike) Context() context.Context { return context.Background() }
func (goLike) Err() error               { return nil }
func (goLike) Cancel()                  {}

// TestTryRun: TryRun runs a job once, whoever calls it first; it reports
// false, and does not panic, for a job claimed already.
func TestTryRun(t *testing.T) {
	cases := []struct {
		name       string
		before     func(tk *task.Task[int], j task.Job)
		want       bool
		notStarted bool
	}{
		{"queued", func(*task.Task[int], task.Job) {}, true, false},
		{"ran before", func(_ *task.Task[int], j task.Job) { task.TryRun(j) }, false, false},
		{"Run before", func(_ *task.Task[int], j task.Job) { j.Run() }, false, false},
		{"cancelled while queued", func(tk *task.Task[int], _ task.Job) { tk.Cancel() }, false, true},
		{"aborted", func(_ *task.Task[int], j task.Job) { task.AbortUnstarted(j, task.ErrNotStarted) }, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runs := 0
			tk, j := task.Prepare(context.Background(), func(context.Context) (int, error) { runs++; return 1, nil }, task.Queued())
			c.before(tk, j)
			before := runs
			if got := task.TryRun(j); got != c.want {
				t.Errorf("TryRun = %v; want %v", got, c.want)
			}
			if c.want && runs != before+1 || !c.want && runs != before {
				t.Errorf("fn ran %d times, %d before TryRun; want TryRun to run it %v", runs, before, c.want)
			}
			if got := task.NotStarted(j); got != c.notStarted {
				t.Errorf("NotStarted = %v; want %v", got, c.notStarted)
			}
		})
	}
	if task.TryRun(goLike{}) {
		t.Error("TryRun of a Job not made by Prepare = true; want false")
	}
}
