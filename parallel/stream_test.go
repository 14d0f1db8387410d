package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// collect2 drains a Seq2 into values and errors.
func collect2[R any](seq iter.Seq2[R, error]) ([]R, []error) {
	var (
		vals []R
		errs []error
	)
	for v, err := range seq {
		vals = append(vals, v)
		errs = append(errs, err)
	}
	return vals, errs
}

func TestMapOrdered(t *testing.T) {
	for _, n := range []int{0, 1, 3, 100} {
		for _, workers := range []int{1, 4, 200} {
			synctest.Test(t, func(t *testing.T) {
				// Later values finish first: the order must still be the input's.
				vals, errs := collect2(parallel.MapOrdered(context.Background(), slices.Values(ints(n)), workers,
					func(_ context.Context, x int) (int, error) {
						time.Sleep(time.Duration(n-x) * time.Millisecond)
						return x * x, nil
					}))
				want := make([]int, n)
				for i := range want {
					want[i] = i * i
				}
				if !slices.Equal(vals, want) || slices.ContainsFunc(errs, func(e error) bool { return e != nil }) {
					t.Errorf("n=%d, workers=%d: got %v, %v; want squares in order", n, workers, vals, errs)
				}
			})
		}
	}
}

func TestMapOrderedBoundsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, peak atomic.Int32
		for range parallel.MapOrdered(context.Background(), slices.Values(ints(50)), 3,
			func(_ context.Context, x int) (int, error) {
				r := running.Add(1)
				for {
					p := peak.Load()
					if r <= p || peak.CompareAndSwap(p, r) {
						break
					}
				}
				time.Sleep(time.Duration(1+x%4) * time.Millisecond)
				running.Add(-1)
				return x, nil
			}) {
		}
		if p := peak.Load(); p != 3 {
			t.Errorf("peak concurrency %d; want 3", p)
		}
	})
}

func TestMapOrderedErrorsInPlace(t *testing.T) {
	boom := errors.New("boom")
	vals, errs := collect2(parallel.MapOrdered(context.Background(), slices.Values(ints(6)), 2,
		func(_ context.Context, x int) (int, error) {
			switch x {
			case 2:
				return -1, boom
			case 4:
				panic("four")
			}
			return x, nil
		}))
	if !slices.Equal(vals, []int{0, 1, -1, 3, 0, 5}) {
		t.Errorf("values %v; want [0 1 -1 3 0 5]", vals)
	}
	var pe *task.PanicError
	if !errors.Is(errs[2], boom) || !errors.As(errs[4], &pe) || pe.Value != "four" {
		t.Errorf("errors %v; want boom at 2 and a *task.PanicError at 4", errs)
	}
	for _, i := range []int{0, 1, 3, 5} {
		if errs[i] != nil {
			t.Errorf("error at %d = %v; want nil", i, errs[i])
		}
	}
}

func TestMapOrderedBreakCancelsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started, returned atomic.Int32
		seqStopped := false
		seq := func(yield func(int) bool) {
			defer func() { seqStopped = true }()
			for i := 0; ; i++ { // endless
				if !yield(i) {
					return
				}
			}
		}
		for v, err := range parallel.MapOrdered(context.Background(), seq, 4,
			func(ctx context.Context, x int) (int, error) {
				started.Add(1)
				defer returned.Add(1)
				if x == 0 {
					time.Sleep(time.Millisecond) // the others start meanwhile
					return 0, nil
				}
				<-ctx.Done() // only the break's cancellation ends these
				return 0, ctx.Err()
			}) {
			if v != 0 || err != nil {
				t.Fatalf("got %d, %v; want 0, nil", v, err)
			}
			break
		}
		// The loop statement has ended: every call in flight has returned.
		if s, r := started.Load(), returned.Load(); s != r || s < 4 {
			t.Errorf("started %d calls, %d returned when the loop ended; want at least 4, all returned", s, r)
		}
		if !seqStopped {
			t.Errorf("seq was not told to stop")
		}
	})
}

func TestMapOrderedCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var got []int
		var last error
		for v, err := range parallel.MapOrdered(ctx, slices.Values(ints(100)), 2,
			func(ctx context.Context, x int) (int, error) {
				if x == 5 {
					cancel()
				}
				if x >= 5 {
					<-ctx.Done()
					return 0, ctx.Err()
				}
				return x, nil
			}) {
			if err != nil {
				last = err
				continue
			}
			got = append(got, v)
		}
		if !errors.Is(last, context.Canceled) || !strings.HasPrefix(last.Error(), "parallel: ") {
			t.Errorf("last error %v; want a parallel: wrapped Canceled", last)
		}
		if len(got) > 5 {
			t.Errorf("got %v after the cancellation; want at most 0..4", got)
		}
	})
}

func TestMapOrderedCancelledBefore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, errs := collect2(parallel.MapOrdered(ctx, slices.Values(ints(3)), 2, func(_ context.Context, x int) (int, error) {
		called = true
		return x, nil
	}))
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || called {
		t.Errorf("errors %v (fn called: %v); want one Canceled, fn not called", errs, called)
	}
}

func TestMapOrderedGoexit(t *testing.T) {
	vals, errs := collect2(parallel.MapOrdered(context.Background(), slices.Values(ints(5)), 2,
		func(_ context.Context, x int) (int, error) {
			if x == 1 || x == 3 {
				runtime.Goexit()
			}
			return x, nil
		}))
	if len(vals) != 5 || !errors.Is(errs[1], task.ErrGoexit) || !errors.Is(errs[3], task.ErrGoexit) ||
		vals[4] != 4 || errs[4] != nil {
		t.Errorf("got %v, %v; want ErrGoexit at 1 and 3, the rest intact", vals, errs)
	}
}

func TestMapOrderedSeqPanics(t *testing.T) {
	defer func() {
		if v := recover(); v != "bad seq" {
			t.Errorf("recovered %v; want the seq's panic to reach the loop", v)
		}
	}()
	seq := func(yield func(int) bool) {
		yield(1)
		panic("bad seq")
	}
	for range parallel.MapOrdered(context.Background(), seq, 2, square) {
	}
}

func TestMapOrderedOnRuntimeSlot(t *testing.T) {
	var sl slottest.Counter
	tk, job := task.Prepare(context.Background(), func(ctx context.Context) (struct{}, error) {
		for saw, err := range parallel.MapOrdered(ctx, slices.Values(ints(20)), 3,
			func(ctx context.Context, x int) (bool, error) {
				time.Sleep(time.Microsecond)
				return task.ContextSlot(ctx) != nil, nil
			}) {
			if saw || err != nil {
				t.Errorf("fn saw the caller's slot (%v) or failed (%v)", saw, err)
			}
		}
		return struct{}{}, nil
	}, task.WithSlot(&sl))
	job.Run()
	if _, err := tk.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, a := sl.Released.Load(), sl.Acquired.Load(); r != a || r == 0 {
		t.Errorf("slot released %d times, acquired %d; want equal and > 0", r, a)
	}
}

func ExampleMapOrdered() {
	// Values whose work takes longer come out in their place anyway.
	delays := slices.Values([]int{30, 10, 20})
	work := func(ctx context.Context, ms int) (string, error) {
		time.Sleep(time.Duration(ms) * time.Millisecond / 10)
		return fmt.Sprintf("%d ms job", ms), nil
	}
	for res, err := range parallel.MapOrdered(context.Background(), delays, 2, work) {
		fmt.Println(res, err)
	}
	// Output:
	// 30 ms job <nil>
	// 10 ms job <nil>
	// 20 ms job <nil>
}

// TestMapOrderedManyGoexits checks that the stream goes on after many calls
// to runtime.Goexit. A worker that exits used to publish its result before
// leaving the live count, so the loop, woken by that result, could count it
// as live, start no replacement and wait forever to hand it the next value
// (a deadlock for synctest). The window is narrow: it shows within a few
// hundred values under -race, whose scheduler shuffles goroutines.
func TestMapOrderedManyGoexits(t *testing.T) {
	tests := []struct {
		workers, every int // fn calls Goexit on every every-th value
	}{
		{1, 1},
		{2, 1},
		{4, 1},
		{1, 3},
		{3, 2},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d,every=%d", tt.workers, tt.every), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				vals, errs := collect2(parallel.MapOrdered(context.Background(), slices.Values(ints(n)), tt.workers,
					func(_ context.Context, x int) (int, error) {
						if x%tt.every == 0 {
							runtime.Goexit()
						}
						return x, nil
					}))
				if len(vals) != n {
					t.Fatalf("got %d results; want %d", len(vals), n)
				}
				for i, err := range errs {
					if i%tt.every == 0 {
						if !errors.Is(err, task.ErrGoexit) {
							t.Fatalf("result %d = %d, %v; want ErrGoexit", i, vals[i], err)
						}
					} else if vals[i] != i || err != nil {
						t.Fatalf("result %d = %d, %v; want %d, nil", i, vals[i], err, i)
					}
				}
			})
		})
	}
}

// TestMapOrderedGoexitWithValuesBuffered checks that values handed out
// ahead, to a buffer the workers take from, still run when the workers
// that would have taken them call runtime.Goexit: the loop starts others.
// synctest reports a wait that nothing can end as a deadlock.
func TestMapOrderedGoexitWithValuesBuffered(t *testing.T) {
	for _, tc := range []struct {
		name    string
		workers int
		exits   func(int) bool
	}{
		{"one worker, every value", 1, func(int) bool { return true }},
		{"one worker, every other value", 1, func(x int) bool { return x%2 == 0 }},
		{"four workers, every value", 4, func(int) bool { return true }},
		{"four workers, the first eight", 4, func(x int) bool { return x < 8 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 40
				vals, errs := collect2(parallel.MapOrdered(t.Context(), slices.Values(ints(n)), tc.workers,
					func(_ context.Context, x int) (int, error) {
						time.Sleep(time.Millisecond) // let the loop hand out more meanwhile
						if tc.exits(x) {
							runtime.Goexit()
						}
						return x, nil
					}))
				if len(vals) != n {
					t.Fatalf("got %d results, want %d", len(vals), n)
				}
				for x := range n {
					if tc.exits(x) {
						if !errors.Is(errs[x], task.ErrGoexit) {
							t.Errorf("value %d: got error %v, want ErrGoexit", x, errs[x])
						}
					} else if vals[x] != x || errs[x] != nil {
						t.Errorf("value %d: got (%d, %v), want (%d, nil)", x, vals[x], errs[x], x)
					}
				}
			})
		})
	}
}

// TestMapOrderedNoCallsAfterTheLoopEnds checks that a value handed out to
// the workers' buffer but not yet taken when the loop ends (a break, or
// ctx's end) is dropped, not run, as a value never handed out is not.
// Two workers, a window of four: value 0 takes 10 ms, values 1 and 2 wait
// for fn's ctx to end, so value 3 is still in the buffer when the loop
// ends after value 0.
func TestMapOrderedNoCallsAfterTheLoopEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cancel bool // end the loop by ctx's end rather than a break
	}{
		{"break", false},
		{"ctx ends", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var calls [8]atomic.Bool
				var got []int
				for v, err := range parallel.MapOrdered(ctx, slices.Values(ints(8)), 2, func(ctx context.Context, x int) (int, error) {
					calls[x].Store(true)
					if x == 0 {
						time.Sleep(10 * time.Millisecond)
						return x, nil
					}
					<-ctx.Done()
					return x, ctx.Err()
				}) {
					if err != nil {
						break
					}
					got = append(got, v)
					if !tc.cancel {
						break
					}
					cancel()
				}
				if !slices.Equal(got, []int{0}) {
					t.Errorf("got values %v, want [0]", got)
				}
				for x := 3; x < len(calls); x++ {
					if calls[x].Load() {
						t.Errorf("fn called on value %d, after the loop ended; want it dropped", x)
					}
				}
			})
		})
	}
}

// TestMapOrderedNoCallsWhileSeqCleansUp checks that no fn call starts
// once the loop is broken out of, even while seq's cleanup runs (iter.Pull's
// stop), which may take time and may be what the calls in flight wait
// for: the workers' context was cancelled only after that cleanup, and
// workers freed meanwhile ran the values left in the buffer (a review
// found it). Two workers, a window of four: value 0 takes 20 ms, values
// 1 and 2 wait for the cleanup, value 3 is in the buffer at the break.
func TestMapOrderedNoCallsWhileSeqCleansUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var calls [8]atomic.Bool
		seq := func(yield func(int) bool) {
			for i := range 8 {
				if !yield(i) {
					close(release)                    // cleanup after the break...
					time.Sleep(50 * time.Millisecond) // ...that takes a while (a file, a cursor)
					return
				}
			}
		}
		for v := range parallel.MapOrdered(t.Context(), seq, 2, func(_ context.Context, x int) (int, error) {
			calls[x].Store(true)
			switch {
			case x == 0:
				time.Sleep(20 * time.Millisecond)
			case x < 3:
				<-release
			}
			return x, nil
		}) {
			if v != 0 {
				t.Fatalf("first value: got %d, want 0", v)
			}
			break
		}
		for x := 3; x < len(calls); x++ {
			if calls[x].Load() {
				t.Errorf("fn called on value %d after the loop was broken out of; want it dropped", x)
			}
		}
	})
}
