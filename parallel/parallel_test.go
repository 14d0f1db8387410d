package parallel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"math"
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

func ints(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

func square(_ context.Context, x int) (int, error) { return x * x, nil }

// shapes are the input sizes and options every function is tried with:
// empty, one item, fewer items than workers, as many, and many, with
// default and explicit chunking.
var shapes = []struct {
	n    int
	opts []parallel.Option
}{
	{0, nil},
	{1, nil},
	{3, []parallel.Option{parallel.Workers(8)}},
	{8, []parallel.Option{parallel.Workers(8)}},
	{1000, nil},
	{1000, []parallel.Option{parallel.Workers(1)}},
	{1000, []parallel.Option{parallel.Workers(3), parallel.ChunkSize(7)}},
	{1000, []parallel.Option{parallel.ChunkSize(1000)}},
	{1001, []parallel.Option{parallel.Workers(16), parallel.ChunkSize(1)}},
}

// withKeepGoing returns opts, and opts with KeepGoing, for the functions
// that take it.
func withKeepGoing(opts []parallel.Option) [][]parallel.Option {
	return [][]parallel.Option{opts, append(slices.Clip(opts), parallel.KeepGoing())}
}

func TestMap(t *testing.T) {
	for _, sh := range shapes {
		for k, opts := range withKeepGoing(sh.opts) {
			got, err := parallel.Map(context.Background(), ints(sh.n), square, opts...)
			want := make([]int, sh.n)
			for i := range want {
				want[i] = i * i
			}
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("n=%d, keepGoing=%d: Map = %v, %v; want squares in order, nil", sh.n, k, got, err)
			}
		}
	}
}

func TestForEach(t *testing.T) {
	for _, sh := range shapes {
		for k, opts := range withKeepGoing(sh.opts) {
			seen := make([]atomic.Int32, sh.n)
			err := parallel.ForEach(context.Background(), ints(sh.n), func(_ context.Context, x int) error {
				seen[x].Add(1)
				return nil
			}, opts...)
			if err != nil {
				t.Errorf("n=%d, keepGoing=%d: ForEach = %v", sh.n, k, err)
			}
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Errorf("n=%d, keepGoing=%d: item %d seen %d times; want 1", sh.n, k, i, c)
				}
			}
		}
	}
}

func TestMapReduce(t *testing.T) {
	for _, sh := range shapes {
		in := ints(sh.n)
		sum, err := parallel.MapReduce(context.Background(), in, func(_ context.Context, c []int) (int, error) {
			s := 0
			for _, x := range c {
				s += x
			}
			return s, nil
		}, func(a, b int) int { return a + b }, sh.opts...)
		if want := sh.n * (sh.n - 1) / 2; err != nil || sum != want {
			t.Errorf("n=%d: MapReduce sum = %d, %v; want %d, nil", sh.n, sum, err, want)
		}
	}
}

func TestReduceKeepsOrder(t *testing.T) {
	// Concatenation is associative but not commutative: the result shows
	// whether chunks were folded in input order.
	for _, sh := range shapes {
		in := make([]string, sh.n)
		for i := range in {
			in[i] = fmt.Sprint(i % 10)
		}
		got, err := parallel.Reduce(context.Background(), in, func(a, b string) string { return a + b }, sh.opts...)
		if want := strings.Join(in, ""); err != nil || got != want {
			t.Errorf("n=%d: Reduce = %.20q…, %v; want %.20q…", sh.n, got, err, want)
		}
	}
}

func TestMapReduceChunksAreSubslicesCappedAtTheirEnd(t *testing.T) {
	in := ints(100)
	var shared atomic.Int32
	_, err := parallel.MapReduce(context.Background(), in, func(_ context.Context, c []int) (int, error) {
		if cap(c) != len(c) {
			return 0, fmt.Errorf("chunk has cap %d > len %d", cap(c), len(c))
		}
		if &c[0] == &in[c[0]] { // same memory as the input: not a copy
			shared.Add(1)
		}
		_ = append(c, -1) // must not write into the next chunk
		return 0, nil
	}, func(a, b int) int { return a + b }, parallel.Workers(4), parallel.ChunkSize(10))
	if err != nil {
		t.Fatal(err)
	}
	if shared.Load() != 10 {
		t.Errorf("%d of 10 chunks share the input's memory; want all", shared.Load())
	}
	if !slices.Equal(in, ints(100)) {
		t.Errorf("input changed")
	}
}

func TestMapErrorAtEveryPosition(t *testing.T) {
	boom := errors.New("boom")
	const n = 40
	for _, k := range []int{0, 1, n / 2, n - 1} {
		for _, opts := range [][]parallel.Option{nil, {parallel.Workers(1)}, {parallel.Workers(4), parallel.ChunkSize(1)}} {
			synctest.Test(t, func(t *testing.T) {
				var after atomic.Int32
				got, err := parallel.Map(context.Background(), ints(n), func(ctx context.Context, x int) (int, error) {
					switch {
					case x < k:
						return x, nil
					case x == k:
						return 0, boom
					}
					// Items after the failure wait for the cancellation it
					// must cause: if it did not come, the bubble deadlocks.
					after.Add(1)
					<-ctx.Done()
					return 0, ctx.Err()
				}, opts...)
				var ie *parallel.ItemError
				if !errors.As(err, &ie) || ie.Index != k || !errors.Is(err, boom) || got != nil {
					t.Errorf("error at %d: Map = %v, %v; want nil, ItemError{%d, boom}", k, got, err, k)
				}
				if want := fmt.Sprintf("parallel: item %d: boom", k); err.Error() != want {
					t.Errorf("Error() = %q; want %q", err, want)
				}
			})
		}
	}
}

func TestForEachError(t *testing.T) {
	boom := errors.New("boom")
	err := parallel.ForEach(context.Background(), ints(100), func(_ context.Context, x int) error {
		if x == 57 {
			return boom
		}
		return nil
	}, parallel.ChunkSize(3))
	var ie *parallel.ItemError
	if !errors.As(err, &ie) || ie.Index != 57 || !errors.Is(err, boom) {
		t.Errorf("ForEach = %v; want ItemError{57, boom}", err)
	}
}

func TestMapReduceErrors(t *testing.T) {
	boom := errors.New("boom")
	in := ints(100)
	sum := func(a, b int) int { return a + b }
	_, err := parallel.MapReduce(context.Background(), in, func(_ context.Context, c []int) (int, error) {
		if c[0] == 30 {
			return 0, boom
		}
		return 0, nil
	}, sum, parallel.ChunkSize(10))
	var ce *parallel.ChunkError
	if !errors.As(err, &ce) || ce.Start != 30 || ce.End != 40 || !errors.Is(err, boom) {
		t.Errorf("MapReduce = %v; want ChunkError{30, 40, boom}", err)
	} else if err.Error() != "parallel: chunk [30:40]: boom" {
		t.Errorf("Error() = %q", err)
	}
	_, err = parallel.MapReduce(context.Background(), in, func(_ context.Context, c []int) (int, error) {
		return len(c), nil
	}, func(a, b int) int { panic("reduce") }, parallel.ChunkSize(10))
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "reduce" {
		t.Errorf("panicking reduceFn: MapReduce = %v; want a *task.PanicError", err)
	}
	_, err = parallel.Reduce(context.Background(), in, func(a, b int) int {
		if b == 77 {
			panic("seventy-seven")
		}
		return a + b
	}, parallel.ChunkSize(10))
	if !errors.As(err, &ce) || ce.Start != 70 || !errors.As(err, &pe) || pe.Value != "seventy-seven" {
		t.Errorf("panicking Reduce fn: %v; want ChunkError{70, 80} around a *task.PanicError", err)
	}
}

func TestMapPanic(t *testing.T) {
	for _, opts := range [][]parallel.Option{nil, {parallel.Workers(1)}, {parallel.Workers(3), parallel.ChunkSize(2)}} {
		_, err := parallel.Map(context.Background(), ints(50), func(_ context.Context, x int) (int, error) {
			if x == 21 {
				panic(fmt.Sprint("bad item ", x))
			}
			return x, nil
		}, opts...)
		var (
			ie *parallel.ItemError
			pe *task.PanicError
		)
		if !errors.As(err, &ie) || ie.Index != 21 || !errors.As(err, &pe) || pe.Value != "bad item 21" ||
			!strings.Contains(string(pe.Stack), "TestMapPanic") {
			t.Errorf("Map = %v; want ItemError{21} around a *task.PanicError with the stack", err)
		}
	}
}

func TestMapGoexit(t *testing.T) {
	for _, tt := range []struct {
		workers int
		keep    bool
	}{{1, false}, {2, false}, {4, false}, {1, true}, {2, true}, {4, true}} {
		workers := tt.workers
		opts := []parallel.Option{parallel.Workers(workers), parallel.ChunkSize(1)}
		if tt.keep {
			opts = append(opts, parallel.KeepGoing())
		}
		done := make(chan error, 1)
		exited := make(chan bool, 1)
		go func() {
			normal := false
			defer func() { exited <- !normal }()
			_, err := parallel.Map(context.Background(), ints(20), func(_ context.Context, x int) (int, error) {
				if x == 13 {
					runtime.Goexit()
				}
				return x, nil
			}, opts...)
			done <- err
			normal = true
		}()
		if <-exited { // Goexit ran on the caller's goroutine: it exits, as without Map
			continue
		}
		if err := <-done; !errors.Is(err, task.ErrGoexit) {
			t.Errorf("workers=%d, keepGoing=%v: Map = %v; want ErrGoexit", workers, tt.keep, err)
		}
	}
}

func TestCancelledBefore(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("gone"))
	called := false
	fn := func(context.Context, int) (int, error) { called = true; return 0, nil }
	for _, n := range []int{0, 1, 1000} {
		_, err := parallel.Map(ctx, ints(n), fn)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "gone") {
			t.Errorf("n=%d: Map = %v; want Canceled with its cause", n, err)
		}
		if _, err := parallel.Reduce(ctx, ints(n), func(a, b int) int { return a }); !errors.Is(err, context.Canceled) {
			t.Errorf("n=%d: Reduce = %v; want Canceled", n, err)
		}
	}
	if called {
		t.Errorf("fn ran under a cancelled context")
	}
}

// TestCancelledDuring: a ctx cancelled by item 10 stops the items not yet
// started. Items after 10 wait for that cancel: a helper that took item 10
// could otherwise be descheduled (under -race, say) until the others had
// run every item, and the cancel would come last.
func TestCancelledDuring(t *testing.T) {
	for _, opts := range [][]parallel.Option{{parallel.Workers(1)}, {parallel.Workers(4), parallel.ChunkSize(1)}, nil} {
		ctx, cancel := context.WithCancel(context.Background())
		cancelled := make(chan struct{})
		var ran atomic.Int32
		const n = 10000
		_, err := parallel.Map(ctx, ints(n), func(_ context.Context, x int) (int, error) {
			ran.Add(1)
			switch {
			case x == 10:
				cancel()
				close(cancelled)
			case x > 10:
				<-cancelled
			}
			return x, nil
		}, opts...)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Map = %v; want Canceled", err)
		}
		if r := ran.Load(); r >= n {
			t.Errorf("all %d items ran after the cancellation; want the rest skipped", r)
		}
		cancel()
	}
}

func TestCancelledAfterLastItem(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, err := parallel.Map(ctx, ints(4), func(_ context.Context, x int) (int, error) {
		if x == 3 {
			cancel() // everything has run by the time Map looks
		}
		return x, nil
	}, parallel.Workers(1))
	if err != nil || !slices.Equal(got, ints(4)) {
		t.Errorf("Map = %v, %v; want all results, nil", got, err)
	}
}

func TestNilFuncs(t *testing.T) {
	ctx := context.Background()
	if _, err := parallel.Map[int, int](ctx, ints(3), nil); !errors.Is(err, task.ErrNilFunc) {
		t.Errorf("Map(nil) = %v; want ErrNilFunc", err)
	}
	if err := parallel.ForEach[int](ctx, ints(3), nil); !errors.Is(err, task.ErrNilFunc) {
		t.Errorf("ForEach(nil) = %v; want ErrNilFunc", err)
	}
	if _, err := parallel.Reduce[int](ctx, ints(3), nil); !errors.Is(err, task.ErrNilFunc) {
		t.Errorf("Reduce(nil) = %v; want ErrNilFunc", err)
	}
	if _, err := parallel.MapReduce[int, int](ctx, ints(3), nil, nil); !errors.Is(err, task.ErrNilFunc) {
		t.Errorf("MapReduce(nil) = %v; want ErrNilFunc", err)
	}
}

// TestMapOnRuntimeSlot: fn sees the caller's runtime slot on the caller's
// goroutine, so that its await points give the slot back there, and never
// on a helper's, which must not park with it.
func TestMapOnRuntimeSlot(t *testing.T) {
	var sl slottest.Counter
	tk, job := task.Prepare(context.Background(), func(ctx context.Context) (struct{}, error) {
		var wrong atomic.Int64
		_, err := parallel.Map(ctx, ints(100), func(ctx context.Context, x int) (int, error) {
			buf := make([]byte, 8<<10)
			onCaller := bytes.Contains(buf[:runtime.Stack(buf, false)], []byte("TestMapOnRuntimeSlot.func1("))
			if sawSlot := task.ContextSlot(ctx) != nil; sawSlot != onCaller {
				wrong.Add(1)
			}
			return x, nil
		}, parallel.Workers(4), parallel.ChunkSize(1))
		if n := wrong.Load(); n > 0 {
			t.Errorf("%d calls of fn saw the slot on a helper, or not on the caller; want it seen on the caller's goroutine only", n)
		}
		return struct{}{}, err
	}, task.WithSlot(&sl))
	job.Run()
	if _, err := tk.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, a := sl.Released.Load(), sl.Acquired.Load(); r != a {
		t.Errorf("slot released %d times, acquired %d; want equal", r, a)
	}
}

func TestHelpersJoinLongWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 8 items of 1 ms on 4 workers: the caller starts alone, helpers
		// join after a few microseconds, so on the fake clock the run
		// takes 2 ms and a bit, not 8.
		start := time.Now()
		_, err := parallel.Map(context.Background(), ints(8), func(_ context.Context, x int) (int, error) {
			time.Sleep(time.Millisecond)
			return x, nil
		}, parallel.Workers(4), parallel.ChunkSize(1))
		if el := time.Since(start); err != nil || el >= 3*time.Millisecond {
			t.Errorf("Map = %v after %v; want nil after 2 ms and a few µs (4 workers)", err, el)
		}
	})
}

func TestShortWorkStaysOnCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// On the fake clock no time passes while the caller computes, so
		// helpers never join: every item runs on the calling goroutine.
		caller := goid()
		var others atomic.Int32
		_, err := parallel.Map(context.Background(), ints(1000), func(_ context.Context, x int) (int, error) {
			if goid() != caller {
				others.Add(1)
			}
			return x, nil
		}, parallel.Workers(4), parallel.ChunkSize(1))
		if err != nil || others.Load() != 0 {
			t.Errorf("Map = %v; %d items ran off the caller's goroutine; want 0", err, others.Load())
		}
	})
}

// goid returns the current goroutine's id, for tests only.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	return f[1]
}

// TestHugeOptions checks that chunking cannot overflow: ChunkSize(n) with
// n near math.MaxInt used to give zero chunks (nothing ran, yet every
// function reported success), and Workers(1<<61) a division by zero.
func TestHugeOptions(t *testing.T) {
	opts := []struct {
		name string
		opts []parallel.Option
	}{
		{"ChunkSize(MaxInt)", []parallel.Option{parallel.ChunkSize(math.MaxInt)}},
		{"ChunkSize(MaxInt-1)", []parallel.Option{parallel.ChunkSize(math.MaxInt - 1)}},
		{"ChunkSize(MaxInt/2+1)", []parallel.Option{parallel.ChunkSize(math.MaxInt/2 + 1)}},
		{"Workers(MaxInt/4+1)", []parallel.Option{parallel.Workers(math.MaxInt/4 + 1)}},
		{"Workers(MaxInt/2+1)", []parallel.Option{parallel.Workers(math.MaxInt/2 + 1)}},
		{"Workers(MaxInt)", []parallel.Option{parallel.Workers(math.MaxInt)}},
		{"Workers(MaxInt/8+1)", []parallel.Option{parallel.Workers(math.MaxInt/8 + 1)}},
		{"both", []parallel.Option{parallel.Workers(math.MaxInt), parallel.ChunkSize(math.MaxInt)}},
	}
	for _, o := range opts {
		for _, n := range []int{0, 1, 5, 100} {
			t.Run(fmt.Sprintf("%s/n=%d", o.name, n), func(t *testing.T) {
				ctx := context.Background()
				in := ints(n)
				wantSum := n * (n - 1) / 2
				var calls atomic.Int64
				got, err := parallel.Map(ctx, in, func(ctx context.Context, x int) (int, error) {
					calls.Add(1)
					return square(ctx, x)
				}, o.opts...)
				want := make([]int, n)
				for i := range want {
					want[i] = i * i
				}
				if err != nil || !slices.Equal(got, want) || calls.Load() != int64(n) {
					t.Errorf("Map = %v, %v after %d calls; want squares, nil after %d", got, err, calls.Load(), n)
				}
				calls.Store(0)
				err = parallel.ForEach(ctx, in, func(context.Context, int) error { calls.Add(1); return nil }, o.opts...)
				if err != nil || calls.Load() != int64(n) {
					t.Errorf("ForEach = %v after %d calls; want nil after %d", err, calls.Load(), n)
				}
				if sum, err := parallel.Reduce(ctx, in, func(a, b int) int { return a + b }, o.opts...); sum != wantSum || err != nil {
					t.Errorf("Reduce = %d, %v; want %d, nil", sum, err, wantSum)
				}
				sum, err := parallel.MapReduce(ctx, in, func(_ context.Context, c []int) (int, error) {
					s := 0
					for _, x := range c {
						s += x
					}
					return s, nil
				}, func(a, b int) int { return a + b }, o.opts...)
				if sum != wantSum || err != nil {
					t.Errorf("MapReduce = %d, %v; want %d, nil", sum, err, wantSum)
				}
			})
		}
	}
}

// TestNilOption checks that a nil option is reported as an error naming
// it and matching ErrInvalid, before any item is touched, like a nil
// function.
func TestNilOption(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	count := func(context.Context, int) error { calls.Add(1); return nil }
	add := func(a, b int) int { calls.Add(1); return a + b }
	tests := []struct {
		name string
		run  func(opts ...parallel.Option) error
		want string
	}{
		{"Map", func(opts ...parallel.Option) error {
			_, err := parallel.Map(ctx, ints(5), func(ctx context.Context, x int) (int, error) { return x, count(ctx, x) }, opts...)
			return err
		}, "parallel: Map: option must not be nil (got nil at index %d)"},
		{"ForEach", func(opts ...parallel.Option) error {
			return parallel.ForEach(ctx, ints(5), count, opts...)
		}, "parallel: ForEach: option must not be nil (got nil at index %d)"},
		{"Reduce", func(opts ...parallel.Option) error {
			_, err := parallel.Reduce(ctx, ints(5), add, opts...)
			return err
		}, "parallel: Reduce: option must not be nil (got nil at index %d)"},
		{"MapReduce", func(opts ...parallel.Option) error {
			_, err := parallel.MapReduce(ctx, ints(5), func(_ context.Context, c []int) (int, error) { calls.Add(1); return len(c), nil }, add, opts...)
			return err
		}, "parallel: MapReduce: option must not be nil (got nil at index %d)"},
	}
	for _, tt := range tests {
		for i, opts := range [][]parallel.Option{{nil}, {parallel.Workers(2), nil}} {
			calls.Store(0)
			err := tt.run(opts...)
			if want := fmt.Sprintf(tt.want, i); !errors.Is(err, parallel.ErrInvalid) || err.Error() != want {
				t.Errorf("%s with option %d nil = %v; want %q", tt.name, i, err, want)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%s with a nil option called its functions %d times; want 0", tt.name, n)
			}
		}
	}
}
