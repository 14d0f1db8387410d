package task_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// Each task's result is delivered once (tokio's JoinSet: join_next removes
// the task, join_all returns the rest): Next returns a result and forgets
// it; Wait returns, in submission order, the results of the tasks
// submitted since the last Wait that Next has not returned, and forgets
// them. A group used to keep every outcome for its whole life.

var (
	errFirst  = errors.New("first batch failed")
	errSecond = errors.New("second batch failed")
)

// TestGroupWaitAfterWait: a group reused for batches returns each batch's
// values and errors once. A second Wait used to return the first batch's
// values and errors again, so a batch whose only task succeeded reported
// an old failure.
func TestGroupWaitAfterWait(t *testing.T) {
	type job struct {
		val int
		err error
	}
	tests := []struct {
		name    string
		batches [][]job
		// what each Wait returns
		want     [][]int
		wantErrs [][]error // the errors Wait's error must match; nil: Wait returns nil
		notErrs  [][]error // the errors it must not match
	}{
		{
			name:    "values",
			batches: [][]job{{{1, nil}, {2, nil}}, {{3, nil}}, {}, {{4, nil}, {5, nil}}},
			want:    [][]int{{1, 2}, {3}, {}, {4, 5}},
		},
		{
			name:     "a failure, then a success",
			batches:  [][]job{{{1, nil}, {0, errFirst}}, {{7, nil}}},
			want:     [][]int{{1, 0}, {7}},
			wantErrs: [][]error{{errFirst}, nil},
			notErrs:  [][]error{nil, {errFirst}},
		},
		{
			name:     "a failure in each batch",
			batches:  [][]job{{{0, errFirst}}, {{2, nil}, {0, errSecond}}},
			want:     [][]int{{0}, {2, 0}},
			wantErrs: [][]error{{errFirst}, {errSecond}},
			notErrs:  [][]error{{errSecond}, {errFirst}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			g := task.NewGroup[int](ctx, task.Limit(2))
			defer g.Close()
			for b, batch := range tt.batches {
				for _, j := range batch {
					g.Go(ctx, func(context.Context) (int, error) { return j.val, j.err })
				}
				vals, err := g.Wait(ctx)
				if !slices.Equal(vals, tt.want[b]) {
					t.Errorf("Wait() #%d values = %v; want %v", b+1, vals, tt.want[b])
				}
				var want, not []error
				if tt.wantErrs != nil {
					want = tt.wantErrs[b]
				}
				if tt.notErrs != nil {
					not = tt.notErrs[b]
				}
				if (err != nil) != (want != nil) {
					t.Errorf("Wait() #%d error = %v; want nil: %v", b+1, err, want == nil)
				}
				for _, w := range want {
					if !errors.Is(err, w) {
						t.Errorf("Wait() #%d error = %v; want it to match %v", b+1, err, w)
					}
				}
				for _, n := range not {
					if errors.Is(err, n) {
						t.Errorf("Wait() #%d error = %v; want it not to match %v, an earlier batch's", b+1, err, n)
					}
				}
			}
		})
	}
}

// TestGroupNextThenWait: Wait returns only the results Next has not, in
// submission order, and only their errors; a Wait after it returns
// nothing, and so does Next.
func TestGroupNextThenWait(t *testing.T) {
	// Task i ends at delays[i] ms of fake time and fails if errs[i] is set.
	delays := []int{50, 10, 40, 20, 30}
	errs := []error{nil, errFirst, nil, nil, errSecond}
	tests := []struct {
		name     string
		next     int // results taken by Next first: the tasks ending at 10, 20 ... ms
		want     []int
		wantErrs []error
		notErrs  []error
	}{
		{name: "no Next", next: 0, want: []int{50, 0, 40, 20, 0}, wantErrs: []error{errFirst, errSecond}},
		{name: "Next takes a failure", next: 1, want: []int{50, 40, 20, 0}, wantErrs: []error{errSecond}, notErrs: []error{errFirst}},
		{name: "Next takes three", next: 3, want: []int{50, 40}, notErrs: []error{errFirst, errSecond}},
		{name: "Next takes all", next: 5, want: []int{}, notErrs: []error{errFirst, errSecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				g := task.NewGroup[int](ctx)
				defer g.Close()
				for i, d := range delays {
					g.Go(ctx, func(ctx context.Context) (int, error) {
						time.Sleep(time.Duration(d) * time.Millisecond)
						return d, errs[i]
					})
				}
				for k := range tt.next {
					v, err, ok := g.Next(ctx)
					if want := (k + 1) * 10; !ok || v != want {
						t.Fatalf("Next() #%d = %d, %v, %v; want %d, true", k+1, v, err, ok, want)
					}
				}
				vals, err := g.Wait(ctx)
				if !slices.Equal(vals, tt.want) {
					t.Errorf("Wait() values = %v; want %v (the results Next did not return, in submission order)", vals, tt.want)
				}
				if (err != nil) != (len(tt.wantErrs) > 0) {
					t.Errorf("Wait() error = %v; want one matching %v", err, tt.wantErrs)
				}
				for _, w := range tt.wantErrs {
					if !errors.Is(err, w) {
						t.Errorf("Wait() error = %v; want it to match %v", err, w)
					}
				}
				for _, n := range tt.notErrs {
					if errors.Is(err, n) {
						t.Errorf("Wait() error = %v; want it not to match %v, which Next returned", err, n)
					}
				}
				if vals, err := g.Wait(ctx); len(vals) != 0 || err != nil {
					t.Errorf("a second Wait() = %v, %v; want [], nil", vals, err)
				}
				if v, err, ok := g.Next(ctx); ok || err != nil {
					t.Errorf("Next() after Wait = %d, %v, %v; want false, nil", v, err, ok)
				}
			})
		})
	}
}

// TestGroupEachResultOnce: goroutines in Next and a Wait share the
// results of a stream of tasks: every task's value is delivered once,
// by one of them.
func TestGroupEachResultOnce(t *testing.T) {
	const rounds, n, readers = 50, 500, 3
	ctx := context.Background()
	for round := range rounds {
		g := task.NewGroup[int](ctx, task.Limit(8))
		seen := make([]atomic.Int32, n)
		var wg sync.WaitGroup
		var stop atomic.Bool
		for range readers {
			wg.Go(func() {
				for !stop.Load() {
					v, err, ok := g.Next(ctx)
					if !ok {
						if err != nil {
							t.Errorf("round %d: Next() = %v; want nil", round, err)
						}
						runtime.Gosched()
						continue
					}
					seen[v].Add(1)
				}
			})
		}
		for i := range n {
			g.Go(ctx, func(context.Context) (int, error) { return i, nil })
		}
		vals, err := g.Wait(ctx)
		if err != nil {
			t.Fatalf("round %d: Wait() = %v", round, err)
		}
		for _, v := range vals {
			seen[v].Add(1)
		}
		stop.Store(true)
		wg.Wait()
		g.Close()
		for i := range seen {
			if got := seen[i].Load(); got != 1 {
				t.Fatalf("round %d: task %d's result delivered %d times; want 1", round, i, got)
			}
		}
	}
}

// heapGrowth runs f and returns by how much it grew the live heap.
func heapGrowth(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// TestGroupNextHoldsOnlyUndelivered runs a long-lived group as a JoinSet,
// each result taken by Next as soon as it can be: the group must hold the
// results it has still to deliver, not every result it ever produced.
// 2,000 results of 64 KiB used to grow the heap by 125 MiB, and small
// results by about 40 B a task. A task that never ends, at the front of
// the group, must not keep the later ones either.
func TestGroupNextHoldsOnlyUndelivered(t *testing.T) {
	tests := []struct {
		name      string
		tasks     int
		size      int  // bytes per result
		stuck     bool // a first task blocks until the end
		maxGrowth int64
	}{
		{name: "64 KiB results", tasks: 2000, size: 64 << 10, maxGrowth: 8 << 20},
		{name: "64 KiB results behind a stuck task", tasks: 2000, size: 64 << 10, stuck: true, maxGrowth: 8 << 20},
		{name: "small results", tasks: 60_000, maxGrowth: 512 << 10},
		{name: "small results behind a stuck task", tasks: 60_000, stuck: true, maxGrowth: 512 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var g *task.Group[[]byte]
			release := make(chan struct{})
			grew := heapGrowth(func() {
				g = task.NewGroup[[]byte](ctx, task.Limit(4))
				if tt.stuck {
					g.Go(ctx, func(context.Context) ([]byte, error) { <-release; return nil, nil })
				}
				for range tt.tasks {
					g.Go(ctx, func(context.Context) ([]byte, error) {
						if tt.size == 0 {
							return nil, nil
						}
						return make([]byte, tt.size), nil
					})
					if _, err, ok := g.Next(ctx); !ok || err != nil {
						t.Fatalf("Next() = %v, %v; want a result", err, ok)
					}
				}
			})
			close(release)
			if _, err := g.Wait(ctx); err != nil {
				t.Errorf("Wait() = %v", err)
			}
			g.Close()
			total := int64(tt.tasks) * int64(tt.size)
			t.Logf("%d tasks, %d B of results: the heap grew by %d B", tt.tasks, total, grew)
			if grew > tt.maxGrowth {
				t.Errorf("after %d tasks (%d B of results, each taken by Next at once), the heap grew by %d B (%.1f B a task); want at most %d B",
					tt.tasks, total, grew, float64(grew)/float64(tt.tasks), tt.maxGrowth)
			}
		})
	}
}

// TestGroupWaitForgets: a group reused for batches holds nothing of the
// batches Wait has returned.
func TestGroupWaitForgets(t *testing.T) {
	ctx := context.Background()
	g := task.NewGroup[[]byte](ctx, task.Limit(4))
	defer g.Close()
	const batches, batch = 40, 50
	grew := heapGrowth(func() {
		for range batches {
			for range batch {
				g.Go(ctx, func(context.Context) ([]byte, error) { return make([]byte, 64<<10), errFirst })
			}
			if vals, err := g.Wait(ctx); len(vals) != batch || !errors.Is(err, errFirst) {
				t.Fatalf("Wait() = %d values, %v; want %d, %v", len(vals), err, batch, errFirst)
			}
		}
	})
	t.Logf("%d batches of %d tasks of 64 KiB: the heap grew by %d B", batches, batch, grew)
	if max := int64(4 << 20); grew > max {
		t.Errorf("after %d batches of %d failed tasks, each returned by Wait, the heap grew by %d B; want at most %d B", batches, batch, grew, max)
	}
}

// TestGroupFailFastWaitSummary: a FailFast group's Wait lists the failure
// that tripped it, then the errors of the tasks that failed on their own,
// then one error for all the tasks the failure cancelled or refused. It
// used to list every one of them: 10,000 tasks at limit 4 gave a 280 KB
// error of 9,993 lines.
func TestGroupFailFastWaitSummary(t *testing.T) {
	errDB := errors.New("db down")
	errFlush := errors.New("flush failed")
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := task.NewGroup[int](ctx, task.Limit(4), task.FailFast())
		defer g.Close()
		const n = 10_000
		// Tasks 0-4 succeed; 5 fails after a second, while 6, 7 and 8 hold
		// the other places and wait for the group's cancel: 6 panics then
		// and 7 fails on its own (their own failures), 8 returns ctx.Err()
		// (a consequence). Tasks 9 on are refused (consequences).
		var ran atomic.Int64
		for i := range n {
			g.Go(ctx, func(ctx context.Context) (int, error) {
				ran.Add(1)
				switch {
				case i < 5:
					return i, nil
				case i == 5:
					time.Sleep(time.Second)
					return 0, errDB
				}
				<-ctx.Done()
				switch i {
				case 6:
					panic("cleanup")
				case 7:
					return 0, fmt.Errorf("task 7: %w", errFlush)
				}
				return 0, ctx.Err()
			})
		}
		vals, err := g.Wait(ctx)
		if len(vals) != n || ran.Load() != 9 {
			t.Fatalf("Wait() = %d values, %d tasks ran; want %d, 9", len(vals), ran.Load(), n)
		}
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("Wait() error = %T %v; want errors.Join's", err, err)
		}
		errs := joined.Unwrap()
		if len(errs) != 4 {
			t.Fatalf("Wait() joins %d errors; want 4 (the failure, 2 of their own, the summary): %v", len(errs), err)
		}
		if errs[0] != errDB {
			t.Errorf("Wait()'s first error = %v; want the failure, %v", errs[0], errDB)
		}
		var pe *task.PanicError
		if !errors.As(errs[1], &pe) || pe.Value != "cleanup" {
			t.Errorf("Wait()'s second error = %v; want task 6's panic", errs[1])
		}
		if !errors.Is(errs[2], errFlush) {
			t.Errorf("Wait()'s third error = %v; want task 7's %v", errs[2], errFlush)
		}
		if got, want := errs[3].Error(), "task: 9,992 more tasks cancelled or not started after the group failed"; got != want {
			t.Errorf("Wait()'s last error = %q; want %q", got, want)
		}
		if !errors.Is(err, errDB) || !errors.Is(errs[3], errDB) {
			t.Errorf("errors.Is(Wait() error, %v) = false; want true, through the summary too", errDB)
		}
		if !errors.As(err, &pe) {
			t.Errorf("errors.As(Wait() error, *PanicError) = false; want true")
		}
		if size := len(err.Error()); size > 8<<10 {
			t.Errorf("Wait() error is %d B; want at most 8 KiB", size)
		}

		// After the batch: refused tasks are summed up again, with the
		// failure named, and the failure is not reported a second time.
		for range 3 {
			_, err := g.Go(ctx, func(context.Context) (int, error) { ran.Add(1); return 1, nil }).Await(ctx)
			if got, want := fmt.Sprint(err), "task: group failed: db down"; got != want {
				t.Errorf("Go after the trip's batch = %q; want %q", got, want)
			}
		}
		vals, err = g.Wait(ctx)
		if got, want := fmt.Sprint(err), "task: 3 tasks cancelled or not started after the group failed: db down"; len(vals) != 3 || got != want {
			t.Errorf("Wait() after the trip's batch = %v, %q; want 3 values, %q", vals, got, want)
		}
		if !errors.Is(err, errDB) {
			t.Errorf("errors.Is(%v, %v) = false; want true", err, errDB)
		}
		if ran.Load() != 9 {
			t.Errorf("%d tasks ran; want 9", ran.Load())
		}
		if vals, err := g.Wait(ctx); len(vals) != 0 || err != nil {
			t.Errorf("a third Wait() = %v, %v; want [], nil", vals, err)
		}
	})
}

// TestGroupFailFastSummaryCases checks which failures after a FailFast
// group's trip Wait sums up, and how the summary reads when Next has
// returned the failure that tripped the group.
func TestGroupFailFastSummaryCases(t *testing.T) {
	errDB := errors.New("db down")
	tests := []struct {
		name string
		// after returns the error of a task that runs until the trip
		// and a second more
		after    func(ctx context.Context) error
		nextTrip bool // Next takes the failure before Wait
		want     string
	}{
		{"cancelled", func(ctx context.Context) error { return ctx.Err() }, false,
			"db down\ntask: 1 more task cancelled or not started after the group failed"},
		{"cancelled, wrapped", func(ctx context.Context) error { return fmt.Errorf("query: %w", ctx.Err()) }, false,
			"db down\ntask: 1 more task cancelled or not started after the group failed"},
		{"cause passed on", func(ctx context.Context) error { return context.Cause(ctx) }, false,
			"db down\ntask: 1 more task cancelled or not started after the group failed"},
		{"own failure", func(ctx context.Context) error { return errFirst }, false,
			"db down\nfirst batch failed"},
		{"deadline, not the group's cancel", func(ctx context.Context) error { return context.DeadlineExceeded }, false,
			"db down\ncontext deadline exceeded"},
		{"Next took the failure", func(ctx context.Context) error { return ctx.Err() }, true,
			"task: 1 task cancelled or not started after the group failed: db down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				g := task.NewGroup[int](ctx, task.FailFast())
				defer g.Close()
				g.Go(ctx, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					time.Sleep(time.Second) // Next, if any, takes the failure first
					return 0, tt.after(ctx)
				})
				g.Go(ctx, func(context.Context) (int, error) {
					time.Sleep(time.Second)
					return 0, errDB
				})
				if tt.nextTrip {
					if _, err, ok := g.Next(ctx); !ok || err != errDB {
						t.Fatalf("Next() = %v, %v; want %v", err, ok, errDB)
					}
				}
				_, err := g.Wait(ctx)
				if got := fmt.Sprint(err); got != tt.want {
					t.Errorf("Wait() error = %q; want %q", got, tt.want)
				}
				if !errors.Is(err, errDB) {
					t.Errorf("errors.Is(Wait() error, %v) = false; want true", errDB)
				}
			})
		})
	}
}

// TestGroupGoDoneContext: a ctx already done at Go gives a task that has
// failed with an error matching task.ErrNotStarted and ctx's error (and
// cause), and fn never runs, whether or not a place is free. fn used to
// run whenever a place was free. A closed or failed group's own refusal
// comes first, as before.
func TestGroupGoDoneContext(t *testing.T) {
	errWhy := errors.New("request abandoned")
	type ctxCase struct {
		name string
		make func() context.Context
		want []error
	}
	ctxs := []ctxCase{
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, []error{task.ErrNotStarted, context.Canceled}},
		{"cancelled with a cause", func() context.Context {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errWhy)
			return ctx
		}, []error{task.ErrNotStarted, context.Canceled, errWhy}},
		{"past its deadline", func() context.Context {
			ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
			defer cancel()
			return ctx
		}, []error{task.ErrNotStarted, context.DeadlineExceeded}},
		{"a cancelled task's", func() context.Context {
			tk := task.Go(context.Background(), func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
			tk.Cancel()
			tk.Await(context.Background())
			return tk.Context()
		}, []error{task.ErrNotStarted, context.Canceled}},
	}
	groups := []struct {
		name  string
		opts  []task.GroupOption
		setup func(g *task.Group[int]) // before the Go
		want  []error                  // instead of the ctx's errors
	}{
		{name: "no limit"},
		{name: "a free place", opts: []task.GroupOption{task.Limit(4)}},
		{name: "FailFast", opts: []task.GroupOption{task.FailFast()}},
		{name: "closed", setup: func(g *task.Group[int]) { g.Close() }, want: []error{task.ErrClosed}},
		{name: "FailFast, failed", opts: []task.GroupOption{task.FailFast()}, setup: func(g *task.Group[int]) {
			g.Go(context.Background(), func(context.Context) (int, error) { return 0, errFirst }).Await(context.Background())
		}, want: []error{errFirst}},
	}
	for _, gc := range groups {
		for _, cc := range ctxs {
			t.Run(gc.name+"/"+cc.name, func(t *testing.T) {
				g := task.NewGroup[int](context.Background(), gc.opts...)
				defer g.Close()
				if gc.setup != nil {
					gc.setup(g)
				}
				ran := false
				tk := g.Go(cc.make(), func(context.Context) (int, error) { ran = true; return 1, nil })
				_, err, ok := tk.Result()
				if !ok {
					t.Fatal("Go() with a done ctx returned a task that has not ended; want one failed already")
				}
				want := cc.want
				if gc.want != nil {
					want = gc.want
				}
				for _, w := range want {
					if !errors.Is(err, w) {
						t.Errorf("task error = %v; want it to match %v", err, w)
					}
				}
				if gc.want == nil {
					if got, want := err.Error(), "task: cancelled before it started: "; len(got) < len(want) || got[:len(want)] != want {
						t.Errorf("task error = %q; want it to start with %q", got, want)
					}
				}
				vals, _ := g.Wait(context.Background())
				if ran {
					t.Error("fn ran although Go's ctx was done")
				}
				if gc.setup == nil && len(vals) != 1 {
					t.Errorf("Wait() = %d values; want 1: the refused task counts", len(vals))
				}
			})
		}
	}
}

// TestGroupGoContextEndsWhileWaiting: a Go whose ctx ends while it waits
// for a place fails the same way, with ErrNotStarted and ctx's error.
func TestGroupGoContextEndsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		g := task.NewGroup[int](bg, task.Limit(1))
		defer g.Close()
		release := make(chan struct{})
		g.Go(bg, func(context.Context) (int, error) { <-release; return 0, nil })
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		ran := false
		_, err := g.Go(ctx, func(context.Context) (int, error) { ran = true; return 1, nil }).Await(bg)
		if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Go() whose ctx ended while it waited = %v; want task.ErrNotStarted and DeadlineExceeded", err)
		}
		close(release)
		g.Wait(bg)
		if ran {
			t.Error("fn ran")
		}
	})
}

// TestGroupGoContextEndingLaterDoesNotCancel: Go's ctx is not fn's: one
// that ends after Go returned leaves the task running, as Go's doc says.
func TestGroupGoContextEndingLaterDoesNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := task.NewGroup[int](context.Background())
		defer g.Close()
		ctx, cancel := context.WithCancel(context.Background())
		tk := g.Go(ctx, func(ctx context.Context) (int, error) {
			time.Sleep(time.Second)
			return 1, ctx.Err()
		})
		cancel()
		if v, err := tk.Await(context.Background()); v != 1 || err != nil {
			t.Errorf("Await() = %d, %v; want 1, nil: the task runs on", v, err)
		}
	})
}
