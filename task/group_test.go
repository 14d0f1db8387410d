package task_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

func TestGroupLimit(t *testing.T) {
	tests := []struct {
		limit, tasks int
		want         time.Duration // fake time for tasks of 10 ms each
	}{
		{limit: 1, tasks: 5, want: 50 * time.Millisecond},
		{limit: 2, tasks: 5, want: 30 * time.Millisecond},
		{limit: 10, tasks: 1000, want: time.Second},
		{limit: 1000, tasks: 1000, want: 10 * time.Millisecond},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			g := task.NewGroup[int](ctx, task.Limit(tt.limit))
			defer g.Close()
			var running, peak atomic.Int64
			start := time.Now()
			for i := range tt.tasks {
				g.Go(ctx, func(ctx context.Context) (int, error) {
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					defer running.Add(-1)
					return i, task.Sleep(ctx, 10*time.Millisecond)
				})
			}
			vals, err := g.Wait(ctx)
			if err != nil {
				t.Fatalf("Wait() error = %v", err)
			}
			if got := peak.Load(); got > int64(tt.limit) {
				t.Errorf("limit %d: saw %d tasks running at once; want <= %d", tt.limit, got, tt.limit)
			}
			if el := time.Since(start); el != tt.want {
				t.Errorf("limit %d, %d tasks: took %v of fake time; want %v", tt.limit, tt.tasks, el, tt.want)
			}
			for i, v := range vals {
				if v != i {
					t.Fatalf("Wait() values[%d] = %d; want submission order", i, v)
				}
			}
		})
	}
}

func TestGroupNextCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := task.NewGroup[int](ctx)
		defer g.Close()
		for _, d := range []int{30, 10, 20} {
			g.Go(ctx, func(ctx context.Context) (int, error) {
				return d, task.Sleep(ctx, time.Duration(d)*time.Millisecond)
			})
		}
		var got []int
		for {
			v, err, ok := g.Next(ctx)
			if !ok {
				if err != nil {
					t.Fatalf("Next() error = %v", err)
				}
				break
			}
			got = append(got, v)
		}
		if want := []int{10, 20, 30}; !slices.Equal(got, want) {
			t.Fatalf("Next() order = %v; want %v", got, want)
		}
		// Next delivered every result: Wait has none left to return.
		all, err := g.Wait(ctx)
		if len(all) != 0 || err != nil {
			t.Fatalf("Wait() after Next took every result = %v, %v; want [], nil", all, err)
		}
	})
}

func TestGroupNextContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := task.NewGroup[int](context.Background())
		defer g.Close()
		g.Go(context.Background(), func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err, ok := g.Next(ctx); ok || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next() past ctx = %v, %v; want false, DeadlineExceeded", err, ok)
		}
		if _, err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait() past ctx = %v; want DeadlineExceeded", err)
		}
	})
}

func TestGroupFailFast(t *testing.T) {
	for _, failFast := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			var opts []task.GroupOption
			if failFast {
				opts = append(opts, task.FailFast())
			}
			g := task.NewGroup[int](ctx, opts...)
			defer g.Close()
			slow := g.Go(ctx, func(ctx context.Context) (int, error) { return 1, task.Sleep(ctx, time.Second) })
			g.Go(ctx, func(ctx context.Context) (int, error) { panic("bad task") })
			_, err := slow.Await(ctx)
			if got := errors.Is(err, context.Canceled); got != failFast {
				t.Errorf("FailFast=%v: slow task error %v; cancelled = %v, want %v", failFast, err, got, failFast)
			}
			late := g.Go(ctx, func(ctx context.Context) (int, error) { return 2, nil })
			if _, err := late.Await(ctx); (err != nil) != failFast {
				t.Errorf("FailFast=%v: task after the failure returned %v", failFast, err)
			}
			_, err = g.Wait(ctx)
			var pe *task.PanicError
			if !errors.As(err, &pe) {
				t.Errorf("Wait() error = %v; want a *PanicError in it", err)
			}
		})
	}
}

func TestGroupCloseResolvesBlockedSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		g := task.NewGroup[int](ctx, task.Limit(1))
		g.Go(ctx, func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) })
		blocked := make(chan *task.Task[int])
		go func() {
			blocked <- g.Go(ctx, func(ctx context.Context) (int, error) { return 1, nil })
		}()
		synctest.Wait() // the submitter is blocked on the limit
		g.Close()
		tk := <-blocked
		if _, err := tk.Await(ctx); !errors.Is(err, task.ErrClosed) {
			t.Fatalf("blocked submission after Close = %v; want ErrClosed", err)
		}
		if _, err := g.Go(ctx, func(ctx context.Context) (int, error) { return 1, nil }).Await(ctx); !errors.Is(err, task.ErrClosed) {
			t.Fatalf("Go after Close = %v; want ErrClosed", err)
		}
		_, err := g.Wait(ctx)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, task.ErrClosed) {
			t.Fatalf("Wait() after Close = %v; want the cancelled task and the refusals", err)
		}
	})
}

// TestGroupCloseWakesEveryBlockedSubmitter blocks several submitters on
// the limit behind a task that ignores cancellation, so that only Close
// can wake them: each must return ErrClosed while the task still runs.
func TestGroupCloseWakesEveryBlockedSubmitter(t *testing.T) {
	cases := []struct {
		name        string
		cancellable bool // else context.Background, whose Done is nil
		waiters     int
	}{
		{"one waiter, Background", false, 1},
		{"three waiters, Background", false, 3},
		{"three waiters, cancellable ctx", true, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if c.cancellable {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
				}
				g := task.NewGroup[int](context.Background(), task.Limit(1))
				release := make(chan struct{})
				g.Go(ctx, func(context.Context) (int, error) { <-release; return 0, nil })
				blocked := make(chan error, c.waiters)
				for range c.waiters {
					go func() {
						_, err := g.Go(ctx, func(context.Context) (int, error) { return 1, nil }).Await(ctx)
						blocked <- err
					}()
				}
				synctest.Wait() // every submitter waits for the place
				closed := make(chan struct{})
				go func() { g.Close(); close(closed) }()
				for i := range c.waiters {
					if err := <-blocked; !errors.Is(err, task.ErrClosed) {
						t.Errorf("blocked submitter %d after Close = %v; want ErrClosed", i, err)
					}
				}
				close(release)
				<-closed
			})
		})
	}
}

func TestGroupSubmitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		g := task.NewGroup[int](bg, task.Limit(1))
		defer g.Close()
		g.Go(bg, func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Hour) })
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		tk := g.Go(ctx, func(ctx context.Context) (int, error) { return 1, nil })
		if _, err := tk.Await(bg); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Go() with expired ctx = %v; want DeadlineExceeded", err)
		}
		if _, ok := g.TryGo(func(ctx context.Context) (int, error) { return 1, nil }); ok {
			t.Fatal("TryGo() at the limit = true; want false")
		}
	})
}

func TestGroupTryGo(t *testing.T) {
	ctx := context.Background()
	g := task.NewGroup[string](ctx)
	defer g.Close()
	tk, ok := g.TryGo(func(ctx context.Context) (string, error) { return "x", nil })
	if !ok {
		t.Fatal("TryGo() without a limit = false")
	}
	if v, err := tk.Await(ctx); v != "x" || err != nil {
		t.Fatalf("Await() = %q, %v", v, err)
	}
}

func TestGroupNilFunc(t *testing.T) {
	ctx := context.Background()
	g := task.NewGroup[int](ctx, task.Limit(1))
	defer g.Close()
	if _, err := g.Go(ctx, nil).Await(ctx); !errors.Is(err, task.ErrNilFunc) {
		t.Fatalf("Go(nil) = %v; want ErrNilFunc", err)
	}
	// The nil func must not keep its place under the limit.
	if _, err := g.Go(ctx, func(context.Context) (int, error) { return 1, nil }).Await(ctx); err != nil {
		t.Fatalf("Go() after Go(nil) = %v", err)
	}
}

// TestLimitPanics: a bad limit makes NewGroup panic, naming it; Limit
// itself only records it (an option never panics: see TestBadInput).
func TestLimitPanics(t *testing.T) {
	for _, n := range []int{0, -1} {
		want := fmt.Sprintf("task: NewGroup: Limit must be positive (got %d)", n)
		func() {
			defer func() {
				if got := recover(); got != want {
					t.Errorf("NewGroup(ctx, Limit(%d)) panicked with %v; want %q", n, got, want)
				}
			}()
			task.NewGroup[int](context.Background(), task.Limit(n)).Close()
		}()
	}
}

// TestGroupMany runs enough tasks to fill many result chunks and checks
// every value comes back in submission order.
func TestGroupMany(t *testing.T) {
	const n = 20_000
	ctx := context.Background()
	g := task.NewGroup[int](ctx, task.Limit(64))
	defer g.Close()
	for i := range n {
		g.Go(ctx, func(context.Context) (int, error) { return i, nil })
	}
	vals, err := g.Wait(ctx)
	if err != nil || len(vals) != n {
		t.Fatalf("Wait() = %d values, %v; want %d, nil", len(vals), err, n)
	}
	for i, v := range vals {
		if v != i {
			t.Fatalf("Wait() values[%d] = %d; want %d", i, v, i)
		}
	}
}

// TestGroupNextAfterEnd checks that results of tasks that ended before the
// first Next come in submission order, each exactly once.
func TestGroupNextAfterEnd(t *testing.T) {
	ctx := context.Background()
	g := task.NewGroup[int](ctx)
	defer g.Close()
	for i := range 5 {
		<-g.Go(ctx, func(context.Context) (int, error) { return i, nil }).Done()
	}
	var got []int
	for {
		v, err, ok := g.Next(ctx)
		if !ok {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		got = append(got, v)
	}
	if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("Next() after the tasks ended = %v; want %v", got, want)
	}
}

// TestGroupWorkersEndAfterWait checks that Wait leaves no worker behind,
// also one that starts only after the others ran every task: a goroutine
// of the bubble still parked when the test returns fails synctest.Test.
func TestGroupWorkersEndAfterWait(t *testing.T) {
	for _, tasks := range []int{1, 8, 100} {
		t.Run(fmt.Sprint("tasks=", tasks), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				for range 50 {
					ctx := context.Background()
					g := task.NewGroup[int](ctx)
					for i := range tasks {
						g.Go(ctx, func(context.Context) (int, error) { return i, nil })
					}
					vals, err := g.Wait(ctx)
					if len(vals) != tasks || err != nil {
						t.Fatalf("Wait() = %d values, %v; want %d, nil", len(vals), err, tasks)
					}
				}
			})
		})
	}
}

// TestGroupBlockedTasksGetWorkers submits tasks that all wait for the last
// one: each must get a worker of its own although the workers already
// running never come back to the queue.
func TestGroupBlockedTasksGetWorkers(t *testing.T) {
	const n = 64
	for _, opts := range [][]task.GroupOption{nil, {task.Limit(n)}} {
		t.Run(fmt.Sprintf("limit=%v", len(opts) > 0), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				g := task.NewGroup[int](ctx, opts...)
				defer g.Close()
				last := make(chan struct{})
				for i := range n {
					g.Go(ctx, func(context.Context) (int, error) {
						if i == n-1 {
							close(last)
						}
						<-last
						return i, nil
					})
				}
				vals, err := g.Wait(ctx)
				if len(vals) != n || err != nil {
					t.Fatalf("Wait() = %d values, %v; want %d, nil", len(vals), err, n)
				}
			})
		})
	}
}

// TestGroupResultsKeepValueAndError checks that a task's value and error
// both reach Next, as Await gives them, while Wait gives zero for a task
// that failed.
func TestGroupResultsKeepValueAndError(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		val  int
		err  error
	}{
		{"ok", 7, nil},
		{"failed with a value", 7, errBoom},
		{"failed", 0, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := task.NewGroup[int](ctx)
			defer g.Close()
			g.Go(ctx, func(context.Context) (int, error) { return tt.val, tt.err })
			v, err, ok := g.Next(ctx)
			if !ok || v != tt.val || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Next() = %d, %v, %v; want %d, %v, true", v, err, ok, tt.val, tt.err)
			}
			g2 := task.NewGroup[int](ctx)
			defer g2.Close()
			g2.Go(ctx, func(context.Context) (int, error) { return tt.val, tt.err })
			vals, err := g2.Wait(ctx)
			want := tt.val
			if tt.err != nil {
				want = 0
			}
			if len(vals) != 1 || vals[0] != want || !errors.Is(err, tt.err) {
				t.Fatalf("Wait() = %v, %v; want [%d], %v", vals, err, want, tt.err)
			}
		})
	}
}

// TestGroupNextEndsAfterLastResult checks that Next reports ok == false
// once every result has been returned. The last task used to put its
// result on Next's queue, wake Next, and only then count itself ended: a
// Next that took that result, came back, saw the task still pending and
// slept was never woken again. It is a race, so the test runs many rounds
// (it shows within a few under -race, whose scheduler shuffles goroutines;
// TestGroupLastEndWakesNext replays it deterministically); a Next asleep
// for good makes synctest report a deadlock.
func TestGroupNextEndsAfterLastResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		const rounds, n = 2000, 20
		for round := range rounds {
			g := task.NewGroup[int](ctx)
			for i := range n {
				g.Go(ctx, func(context.Context) (int, error) { return i, nil })
			}
			got := 0
			for {
				_, err, ok := g.Next(ctx)
				if !ok {
					if err != nil {
						t.Fatalf("round %d: Next() after %d results = %v; want nil", round, got, err)
					}
					break
				}
				got++
			}
			g.Close()
			if got != n {
				t.Fatalf("round %d: Next() returned %d results; want %d", round, got, n)
			}
		}
	})
}

// TestGroupConcurrentNext checks that several goroutines asleep in Next
// share the results and all see the end: the token on ready wakes one
// sleeper, so a Next that returns must pass it on while results are left
// or once the group is done. A reader left asleep makes synctest report a
// deadlock.
func TestGroupConcurrentNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		const readers, n = 3, 30
		for round := range 100 {
			g := task.NewGroup[int](ctx)
			gate := make(chan struct{})
			for i := range n {
				g.Go(ctx, func(context.Context) (int, error) { <-gate; return i, nil })
			}
			var got atomic.Int64
			var wg sync.WaitGroup
			for range readers {
				wg.Go(func() {
					for {
						_, err, ok := g.Next(ctx)
						if !ok {
							if err != nil {
								t.Errorf("round %d: Next() = %v; want nil", round, err)
							}
							return
						}
						got.Add(1)
					}
				})
			}
			synctest.Wait() // every reader is asleep in Next
			close(gate)
			wg.Wait()
			g.Close()
			if got.Load() != n {
				t.Fatalf("round %d: %d readers got %d results; want %d", round, readers, got.Load(), n)
			}
		}
	})
}

// TestGroupZeroValue checks that a zero Group works like one from
// NewGroup(context.Background()): no limit, no FailFast.
func TestGroupZeroValue(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, g *task.Group[int])
	}{
		{"Go and Wait", func(t *testing.T, g *task.Group[int]) {
			for i := range 3 {
				g.Go(context.Background(), func(context.Context) (int, error) { return i, nil })
			}
			vals, err := g.Wait(context.Background())
			if want := []int{0, 1, 2}; !slices.Equal(vals, want) || err != nil {
				t.Errorf("Wait() = %v, %v; want %v, nil", vals, err, want)
			}
		}},
		{"TryGo and Next", func(t *testing.T, g *task.Group[int]) {
			if _, ok := g.TryGo(func(context.Context) (int, error) { return 7, nil }); !ok {
				t.Fatal("TryGo() on a zero Group = false; want true")
			}
			if v, err, ok := g.Next(context.Background()); v != 7 || err != nil || !ok {
				t.Errorf("Next() = %d, %v, %v; want 7, nil, true", v, err, ok)
			}
			if _, err, ok := g.Next(context.Background()); err != nil || ok {
				t.Errorf("Next() after the last result = %v, %v; want nil, false", err, ok)
			}
		}},
		{"Context", func(t *testing.T, g *task.Group[int]) {
			ctx := g.Context()
			if err := ctx.Err(); err != nil {
				t.Errorf("Context().Err() = %v; want nil", err)
			}
			g.Close()
			<-ctx.Done()
			if err := ctx.Err(); !errors.Is(err, context.Canceled) {
				t.Errorf("Context().Err() after Close = %v; want Canceled", err)
			}
		}},
		{"Close first", func(t *testing.T, g *task.Group[int]) {
			g.Close()
			_, err := g.Go(context.Background(), func(context.Context) (int, error) { return 1, nil }).Await(context.Background())
			if !errors.Is(err, task.ErrClosed) {
				t.Errorf("Go() after Close = %v; want ErrClosed", err)
			}
		}},
		{"no limit", func(t *testing.T, g *task.Group[int]) {
			// 100 tasks that all wait for one another: they must run at once.
			const n = 100
			var wg sync.WaitGroup
			wg.Add(n)
			for range n {
				g.Go(context.Background(), func(context.Context) (int, error) {
					wg.Done()
					wg.Wait()
					return 0, nil
				})
			}
			if _, err := g.Wait(context.Background()); err != nil {
				t.Errorf("Wait() = %v; want nil", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g task.Group[int]
				defer g.Close()
				tt.run(t, &g)
			})
		})
	}
}

// TestGroupTryGoAfterClose checks that TryGo on a closed group reports
// false, returns no task and records nothing, as fn never runs.
func TestGroupTryGoAfterClose(t *testing.T) {
	tests := []struct {
		name string
		opts []task.GroupOption
	}{
		{"no limit", nil},
		{"limit", []task.GroupOption{task.Limit(1)}},
		{"fail fast", []task.GroupOption{task.FailFast()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			g := task.NewGroup[int](ctx, tt.opts...)
			g.Close()
			ran := false
			tk, ok := g.TryGo(func(context.Context) (int, error) { ran = true; return 1, nil })
			if ok || tk != nil {
				t.Errorf("TryGo() after Close = %v, %v; want nil, false", tk, ok)
			}
			vals, err := g.Wait(ctx)
			if len(vals) != 0 || err != nil {
				t.Errorf("Wait() after a refused TryGo = %v, %v; want [], nil", vals, err)
			}
			if ran {
				t.Error("fn ran after Close")
			}
		})
	}
}

// TestNewGroupNilOption checks that a nil option makes NewGroup panic
// with a message that names it, as a bad Limit does.
func TestNewGroupNilOption(t *testing.T) {
	tests := []struct {
		name string
		opts []task.GroupOption
		want string
	}{
		{"alone", []task.GroupOption{nil}, "task: NewGroup: option must not be nil (got nil at index 0)"},
		{"after another", []task.GroupOption{task.Limit(2), nil}, "task: NewGroup: option must not be nil (got nil at index 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tt.want {
					t.Errorf("NewGroup() panicked with %v; want %q", got, tt.want)
				}
			}()
			g := task.NewGroup[int](context.Background(), tt.opts...)
			g.Close()
		})
	}
}

// TestGroupWaitPutsTheTrippingFailureFirst: with FailFast, the error that
// cancelled the group leads Wait's error, and one summary stands for the
// siblings it cancelled (errgroup returns the failure alone); without
// FailFast, every error is listed in submission order.
func TestGroupWaitPutsTheTrippingFailureFirst(t *testing.T) {
	for _, c := range []struct {
		name      string
		opts      []task.GroupOption
		wantFirst string
		wantLines int // in Wait's error
		wantLast  string
	}{
		{"FailFast", []task.GroupOption{task.FailFast()}, "boom", 2, "task: 4 more tasks cancelled or not started after the group failed"},
		{"no FailFast: submission order", nil, "context canceled", 5, "boom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				g := task.NewGroup[int](ctx, c.opts...)
				defer g.Close()
				for range 4 {
					g.Go(t.Context(), func(ctx context.Context) (int, error) {
						<-ctx.Done()
						return 0, ctx.Err()
					})
				}
				g.Go(t.Context(), func(context.Context) (int, error) {
					time.Sleep(time.Second)
					if c.opts == nil {
						cancel() // end the siblings as FailFast would
					}
					return 0, errBoom
				})
				_, err := g.Wait(t.Context())
				if !errors.Is(err, errBoom) {
					t.Fatalf("Wait = %v; want it to include %v", err, errBoom)
				}
				lines := strings.Split(err.Error(), "\n")
				if got := lines[0]; got != c.wantFirst {
					t.Errorf("Wait's first error = %q; want %q (all: %q)", got, c.wantFirst, err)
				}
				if got := lines[len(lines)-1]; len(lines) != c.wantLines || got != c.wantLast {
					t.Errorf("Wait's error: %d lines, the last %q; want %d, the last %q (all: %q)", len(lines), got, c.wantLines, c.wantLast, err)
				}
			})
		})
	}
}

// TestGroupNestedGoAtTheLimit: a task that submits to its own full group
// with its context, and waits for what it submitted, must not deadlock
// (synctest reports a deadlock if it does); a submission with an unrelated
// context still waits for a place.
func TestGroupNestedGoAtTheLimit(t *testing.T) {
	for _, c := range []struct {
		name  string
		limit int
		depth int // how deep tasks nest
	}{
		{"limit 1, one level", 1, 1},
		{"limit 1, three levels", 1, 3},
		{"limit 2, two levels", 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := task.NewGroup[int](t.Context(), task.Limit(c.limit))
				defer g.Close()
				var nest func(depth int) func(context.Context) (int, error)
				nest = func(depth int) func(context.Context) (int, error) {
					return func(ctx context.Context) (int, error) {
						if depth == 0 {
							return 1, nil
						}
						// Through a derived context, as a real task would pass one on.
						ctx, cancel := context.WithCancel(ctx)
						defer cancel()
						v, err := g.Go(ctx, nest(depth-1)).Await(ctx)
						return v + 1, err
					}
				}
				for range c.limit {
					g.Go(t.Context(), nest(c.depth))
				}
				vals, err := g.Wait(t.Context())
				if err != nil {
					t.Fatalf("Wait = %v; want nil", err)
				}
				if got, want := len(vals), c.limit*(c.depth+1); got != want {
					t.Errorf("Wait returned %d values; want %d", got, want)
				}
			})
		})
	}
	t.Run("unrelated context waits", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := task.NewGroup[int](t.Context(), task.Limit(1))
			defer g.Close()
			release := make(chan struct{})
			g.Go(t.Context(), func(context.Context) (int, error) { <-release; return 0, nil })
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			tk := g.Go(ctx, func(context.Context) (int, error) { return 1, nil })
			if _, err := tk.Await(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Go with an unrelated ctx at the limit = %v; want it to wait, then DeadlineExceeded", err)
			}
			close(release)
		})
	})
}

// TestGroupNestedGoAfterFailFast: a nested submission that runs inline
// obeys FailFast as a queued one does: once the group has failed, fn
// never runs and the task fails with the group's failure.
func TestGroupNestedGoAfterFailFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := task.NewGroup[int](t.Context(), task.Limit(1), task.FailFast())
		defer g.Close()
		var ran atomic.Bool
		outer := g.Go(t.Context(), func(ctx context.Context) (int, error) {
			if _, err := g.Go(ctx, func(context.Context) (int, error) { return 0, errBoom }).Await(ctx); !errors.Is(err, errBoom) {
				t.Errorf("inline failing task = %v; want %v", err, errBoom)
			}
			_, err := g.Go(ctx, func(context.Context) (int, error) { ran.Store(true); return 1, nil }).Await(ctx)
			return 0, err
		})
		if _, err := outer.Await(t.Context()); !errors.Is(err, errBoom) {
			t.Errorf("nested Go after the group failed = %v; want the group's failure (%v)", err, errBoom)
		}
		if ran.Load() {
			t.Error("a nested task ran after the FailFast group failed")
		}
	})
}

// TestGroupAfterFailFastTrip: once a FailFast group has failed, TryGo takes
// nothing, and Go's refused task carries the failure once, not wrapped in
// a second "group failed".
func TestGroupAfterFailFastTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := task.NewGroup[int](t.Context(), task.FailFast())
		defer g.Close()
		g.Go(t.Context(), func(context.Context) (int, error) { return 0, errBoom })
		<-g.Context().Done()
		var ran atomic.Bool
		if tk, ok := g.TryGo(func(context.Context) (int, error) { ran.Store(true); return 1, nil }); tk != nil || ok {
			t.Errorf("TryGo after the group failed = %v, %v; want nil, false", tk, ok)
		}
		_, err := g.Go(t.Context(), func(context.Context) (int, error) { ran.Store(true); return 1, nil }).Await(t.Context())
		if got, want := fmt.Sprint(err), "task: group failed: boom"; got != want {
			t.Errorf("Go after the group failed = %q; want %q", got, want)
		}
		vals, _ := g.Wait(t.Context())
		if len(vals) != 2 {
			t.Errorf("Wait counts %d tasks; want 2 (the failure and the refused Go, not the TryGo)", len(vals))
		}
		if ran.Load() {
			t.Error("a task ran after the FailFast group failed")
		}
	})
}
