package task_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// after returns a task that sleeps d, then returns v and err. It honours
// cancellation, returning the context's error.
func after[T any](ctx context.Context, d time.Duration, v T, err error) *task.Task[T] {
	return task.Go(ctx, func(ctx context.Context) (T, error) {
		if e := task.Sleep(ctx, d); e != nil {
			var zero T
			return zero, e
		}
		return v, err
	})
}

func TestAll(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	tests := []struct {
		name      string
		delays    []time.Duration
		errs      []error
		want      []int
		wantErrs  []error // each must match with errors.Is
		wantNot   []error // none may match: the cancel All made is not the caller's
		wantFirst error   // the first error in the join
		elapsed   time.Duration
	}{
		{name: "none", want: []int{}},
		{name: "all succeed, submission order", delays: []time.Duration{30, 10, 20}, errs: []error{nil, nil, nil}, want: []int{0, 1, 2}, elapsed: 30},
		{name: "first failure cancels the rest", delays: []time.Duration{10, 50, 50}, errs: []error{errA, nil, nil}, want: []int{0, 0, 0}, wantErrs: []error{errA}, wantNot: []error{context.Canceled}, wantFirst: errA, elapsed: 10},
		{name: "all fail, first to fail first", delays: []time.Duration{20, 10}, errs: []error{errA, errB}, want: []int{0, 0}, wantErrs: []error{errB}, wantNot: []error{context.Canceled, errA}, wantFirst: errB, elapsed: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				var ts []*task.Task[int]
				for i, d := range tt.delays {
					ts = append(ts, after(ctx, d*time.Millisecond, i, tt.errs[i]))
				}
				start := time.Now()
				got, err := task.All(ctx, ts...)
				if el := time.Since(start); el != tt.elapsed*time.Millisecond {
					t.Errorf("All() took %v of fake time; want %v", el, tt.elapsed*time.Millisecond)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("All() values = %v; want %v", got, tt.want)
				}
				for _, w := range tt.wantErrs {
					if !errors.Is(err, w) {
						t.Errorf("All() error = %v; want it to match %v", err, w)
					}
				}
				for _, w := range tt.wantNot {
					if errors.Is(err, w) {
						t.Errorf("All() error = %v; want it not to match %v", err, w)
					}
				}
				if tt.wantErrs == nil && err != nil {
					t.Errorf("All() error = %v; want nil", err)
				}
				if tt.wantFirst != nil {
					if u, ok := err.(interface{ Unwrap() []error }); !ok || u.Unwrap()[0] != tt.wantFirst {
						t.Errorf("All() first joined error of %v; want %v", err, tt.wantFirst)
					}
				}
			})
		})
	}
}

func TestAllContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		slow := after(bg, time.Hour, 1, nil)
		defer slow.Cancel()
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		if _, err := task.All(ctx, slow); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("All() past ctx deadline = %v; want DeadlineExceeded", err)
		}
		if _, _, ok := slow.Result(); ok {
			t.Fatal("All() giving up on ctx ended the task; want it running")
		}
	})
}

func TestNilTask(t *testing.T) {
	ctx := context.Background()
	ok := task.Go(ctx, func(context.Context) (int, error) { return 1, nil })
	calls := []struct {
		name string
		call func() error
	}{
		{"All", func() error { _, err := task.All(ctx, ok, nil); return err }},
		{"Race", func() error { _, err := task.Race(ctx, nil, ok); return err }},
		{"Any", func() error { _, err := task.Any[int](ctx, nil); return err }},
		{"Join2", func() error { _, _, err := task.Join2[int, int](ctx, ok, nil); return err }},
		{"Select", func() error { _, err := task.Select(ctx, ok, (*task.Task[int])(nil)); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err == nil {
				t.Fatalf("%s with a nil task = nil error; want an error", c.name)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a := after(ctx, 30*time.Millisecond, 1, nil)
		b := after(ctx, 10*time.Millisecond, "two", nil)
		c := after(ctx, 20*time.Millisecond, 3.0, nil)
		start := time.Now()
		x, y, z, err := task.Join3(ctx, a, b, c)
		if x != 1 || y != "two" || z != 3.0 || err != nil {
			t.Fatalf("Join3() = %v, %v, %v, %v; want 1, two, 3, nil", x, y, z, err)
		}
		if el := time.Since(start); el != 30*time.Millisecond {
			t.Errorf("Join3() took %v; want 30ms (the slowest)", el)
		}
		p := after(ctx, 10*time.Millisecond, 0, errBoom)
		q := after(ctx, time.Hour, "late", nil)
		_, s, err := task.Join2(ctx, p, q)
		if !errors.Is(err, errBoom) || errors.Is(err, context.Canceled) || s != "" {
			t.Fatalf("Join2() = %q, %v; want \"\", boom (the other task's cancellation counted, not matching Canceled)", s, err)
		}
	})
}

func TestRaceAndAny(t *testing.T) {
	errFast := errors.New("fast failure")
	tests := []struct {
		name    string
		race    bool
		delays  []time.Duration
		errs    []error
		want    int
		wantErr error
	}{
		{name: "race: fastest wins", race: true, delays: []time.Duration{30, 10, 20}, errs: []error{nil, nil, nil}, want: 1},
		{name: "race: a fast failure wins", race: true, delays: []time.Duration{30, 10}, errs: []error{nil, errFast}, want: 1, wantErr: errFast},
		{name: "any: first success wins", delays: []time.Duration{30, 10}, errs: []error{nil, errFast}, want: 0},
		{name: "any: all fail", delays: []time.Duration{10, 20}, errs: []error{errFast, errBoom}, wantErr: errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				var ts []*task.Task[int]
				for i, d := range tt.delays {
					ts = append(ts, after(ctx, d*time.Millisecond, i, tt.errs[i]))
				}
				pick := task.Any[int]
				if tt.race {
					pick = task.Race[int]
				}
				got, err := pick(ctx, ts...)
				if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("= %d, %v; want %d, %v", got, err, tt.want, tt.wantErr)
				}
				// Losers have been cancelled and have ended.
				for i, tk := range ts {
					if _, _, ok := tk.Result(); !ok {
						t.Errorf("task %d still running after the combinator returned", i)
					}
				}
			})
		})
	}
	if _, err := task.Race[int](context.Background()); !errors.Is(err, task.ErrNoTasks) {
		t.Errorf("Race() of nothing = %v; want ErrNoTasks", err)
	}
}

func TestSelect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		for n := 1; n <= 6; n++ {
			func() {
				var cases []task.Case
				for i := range n {
					// the last case is fastest
					cases = append(cases, after(ctx, time.Duration(n-i)*time.Millisecond, i, nil))
				}
				i, err := task.Select(ctx, cases...)
				if i != n-1 || err != nil {
					t.Fatalf("Select() of %d cases = %d, %v; want %d, nil", n, i, err, n-1)
				}
				// Once all are done, the lowest index wins.
				synctest.Wait()
				time.Sleep(time.Duration(n) * time.Millisecond)
				if i, _ := task.Select(ctx, cases...); i != 0 {
					t.Fatalf("Select() of %d cases all ready = %d; want 0", n, i)
				}
			}()
		}
		cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		long := task.After(time.Hour)
		defer long.Stop()
		if i, err := task.Select(cctx, long); i != -1 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Select() past ctx = %d, %v; want -1, DeadlineExceeded", i, err)
		}
		if _, err := task.Select(ctx, nil); err == nil {
			t.Fatal("Select(nil) = nil error; want an error")
		}
	})
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := task.Sleep(context.Background(), 100*time.Millisecond); err != nil {
			t.Fatalf("Sleep() = %v; want nil", err)
		}
		if el := time.Since(start); el != 100*time.Millisecond {
			t.Fatalf("Sleep(100ms) took %v of fake time", el)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		start = time.Now()
		if err := task.Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Sleep() cancelled = %v; want DeadlineExceeded", err)
		}
		if el := time.Since(start); el != 10*time.Millisecond {
			t.Fatalf("cancelled Sleep returned after %v; want 10ms", el)
		}
		if err := task.Sleep(ctx, 0); err == nil {
			t.Fatal("Sleep(done ctx, 0) = nil; want the ctx error")
		}
		if err := task.Sleep(context.Background(), -time.Second); err != nil {
			t.Fatalf("Sleep(-1s) = %v; want nil", err)
		}
	})
}

func TestTimeout(t *testing.T) {
	sleepy := func(d time.Duration) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			if err := task.Sleep(ctx, d); err != nil {
				return "", err
			}
			return "Completed", nil
		}
	}
	tests := []struct {
		name        string
		limit       time.Duration
		parent      time.Duration // 0: no parent deadline
		fn          func(context.Context) (string, error)
		want        string
		wantTimeout bool
		wantErr     bool
		notIn       string // text the error must not hold
	}{
		{name: "in time", limit: 5 * time.Second, fn: sleepy(2 * time.Second), want: "Completed"},
		{name: "too slow", limit: time.Second, fn: sleepy(2 * time.Second), wantTimeout: true, wantErr: true},
		{name: "parent deadline is not ours", limit: 5 * time.Second, parent: time.Second, fn: sleepy(2 * time.Second), wantErr: true},
		{name: "zero limit", limit: 0, fn: sleepy(0), wantErr: true},
		{name: "nil fn", limit: time.Second, wantErr: true},
		// The inner Timeout saw the outer one's cause and reported its own
		// 5 s limit passed: "timed out after 1s: timed out after 5s: ...".
		{name: "inside a shorter Timeout", limit: time.Second, fn: func(ctx context.Context) (string, error) {
			return task.Timeout(ctx, 5*time.Second, sleepy(time.Hour))
		}, wantTimeout: true, wantErr: true, notIn: "5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if tt.parent > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.parent)
					defer cancel()
				}
				got, err := task.Timeout(ctx, tt.limit, tt.fn)
				if got != tt.want || (err != nil) != tt.wantErr {
					t.Fatalf("Timeout() = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
				}
				var te *task.TimeoutError
				if isTE := errors.As(err, &te); isTE != tt.wantTimeout {
					t.Fatalf("Timeout() error %v is a *TimeoutError: %v; want %v", err, isTE, tt.wantTimeout)
				}
				if tt.wantTimeout && (!errors.Is(err, context.DeadlineExceeded) || te.Limit != tt.limit) {
					t.Fatalf("TimeoutError = %v (limit %v); want DeadlineExceeded, limit %v", err, te.Limit, tt.limit)
				}
				if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
					t.Errorf("Timeout() = %q; want no %q in it", err, tt.notIn)
				}
			})
		})
	}
}

// TestConcurrentOperations checks the chapter's claim on a fake clock:
// three 100 ms operations take 300 ms awaited in turn and 100 ms joined.
func TestConcurrentOperations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		op := func(name string) *task.Task[string] {
			return task.Go(ctx, func(ctx context.Context) (string, error) {
				return name, task.Sleep(ctx, 100*time.Millisecond)
			})
		}
		start := time.Now()
		for _, n := range []string{"A", "B", "C"} {
			if _, err := op(n).Await(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if el := time.Since(start); el != 300*time.Millisecond {
			t.Errorf("sequential: %v of fake time; want 300ms", el)
		}
		start = time.Now()
		if _, _, _, err := task.Join3(ctx, op("X"), op("Y"), op("Z")); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el != 100*time.Millisecond {
			t.Errorf("joined: %v of fake time; want 100ms", el)
		}
	})
}

// TestSelectNoCases checks that Select with no cases fails at once with
// ErrNoTasks, as Race and Any do, instead of waiting for ctx (forever for
// context.Background(): synctest would report a deadlock).
func TestSelectNoCases(t *testing.T) {
	tests := []struct {
		name  string
		cases []task.Case
	}{
		{"no arguments", nil},
		{"empty slice", []task.Case{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				i, err := task.Select(context.Background(), tt.cases...)
				if i != -1 || !errors.Is(err, task.ErrNoTasks) {
					t.Errorf("Select() = %d, %v; want -1, an error wrapping ErrNoTasks", i, err)
				}
			})
		})
	}
}
