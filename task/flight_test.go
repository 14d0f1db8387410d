package task_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// flightResult is one caller's return from Flight.Do.
type flightResult struct {
	v      int
	err    error
	shared bool
}

// doAll starts n callers of f.Do(ctxs[i], key, fn) (ctxs[i] defaults to
// Background) inside a synctest bubble, waits until all of them are
// blocked (joined), and returns a function that waits for their results.
func doAll(f *task.Flight[string, int], ctxs []context.Context, n int, key string, fn func(context.Context) (int, error)) func() []flightResult {
	res := make([]flightResult, n)
	var wg sync.WaitGroup
	for i := range n {
		ctx := context.Background()
		if i < len(ctxs) && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		wg.Go(func() {
			v, err, shared := f.Do(ctx, key, fn)
			res[i] = flightResult{v, err, shared}
		})
		synctest.Wait() // in order: caller 0 is the first
	}
	return func() []flightResult { wg.Wait(); return res }
}

// TestFlightDedup: callers whose calls overlap share one run of fn, and
// every one of them gets its result, shared; callers one after the other
// each run fn, not shared.
func TestFlightDedup(t *testing.T) {
	tests := []struct {
		name       string
		callers    int
		overlap    bool
		wantRuns   int64
		wantShared bool
	}{
		{"1 caller", 1, true, 1, false},
		{"2 overlapping", 2, true, 1, true},
		{"10 overlapping", 10, true, 1, true},
		{"3 in sequence", 3, false, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				var runs atomic.Int64
				fn := func(ctx context.Context) (int, error) {
					n := runs.Add(1)
					if err := task.Sleep(ctx, time.Second); err != nil {
						return 0, err
					}
					return int(n) * 10, nil
				}
				var got []flightResult
				if tt.overlap {
					got = doAll(&f, nil, tt.callers, "k", fn)()
				} else {
					for range tt.callers {
						got = append(got, doAll(&f, nil, 1, "k", fn)()...)
					}
				}
				if n := runs.Load(); n != tt.wantRuns {
					t.Errorf("fn ran %d times; want %d", n, tt.wantRuns)
				}
				for i, r := range got {
					want := flightResult{10, nil, tt.wantShared}
					if !tt.overlap {
						want.v = (i + 1) * 10
					}
					if r != want {
						t.Errorf("caller %d got %+v; want %+v", i, r, want)
					}
				}
			})
		})
	}
}

// TestFlightCallerLeaves: a caller whose ctx ends returns at once with
// ctx's error, and the others, and fn's context, go on, whichever
// caller it was (the first, whose ctx started the call, too); only when
// every caller has left is fn's context cancelled.
func TestFlightCallerLeaves(t *testing.T) {
	const callers = 10
	tests := []struct {
		name    string
		leaving []int // callers whose ctx times out after 1 s; fn takes 2 s
	}{
		{"the first", []int{0}},
		{"a later one", []int{5}},
		{"all but one", []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"all", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				var runs atomic.Int64
				var fnErr error
				fnDone := make(chan struct{})
				fn := func(ctx context.Context) (int, error) {
					defer close(fnDone)
					runs.Add(1)
					err := task.Sleep(ctx, 2*time.Second)
					fnErr = ctx.Err()
					return 7, err
				}
				ctxs := make([]context.Context, callers)
				leaves := make(map[int]bool)
				for _, i := range tt.leaving {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					ctxs[i], leaves[i] = ctx, true
				}
				start := time.Now()
				got := doAll(&f, ctxs, callers, "k", fn)()
				<-fnDone
				for i, r := range got {
					if leaves[i] {
						if !errors.Is(r.err, context.DeadlineExceeded) || r.v != 0 || r.shared {
							t.Errorf("leaving caller %d got %+v; want an error matching DeadlineExceeded", i, r)
						}
						continue
					}
					want := flightResult{7, nil, len(tt.leaving) < callers-1}
					if r != want {
						t.Errorf("staying caller %d got %+v; want %+v", i, r, want)
					}
				}
				if n := runs.Load(); n != 1 {
					t.Errorf("fn ran %d times; want 1", n)
				}
				allLeft := len(tt.leaving) == callers
				if allLeft {
					if !errors.Is(fnErr, context.Canceled) {
						t.Errorf("fn's ctx after every caller left: %v; want Canceled", fnErr)
					}
					if took := time.Since(start); took != time.Second {
						t.Errorf("fn returned after %v; want 1s (cancelled as the last caller left)", took)
					}
				} else if fnErr != nil {
					t.Errorf("fn's ctx ended (%v) while a caller still waited", fnErr)
				}
			})
		})
	}
}

// TestFlightAbandonedThenNewCaller: once every caller has left, the key
// is forgotten at once: a new caller starts a new call, even though the
// abandoned fn has not returned yet, and gets the new call's result.
func TestFlightAbandonedThenNewCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f task.Flight[string, int]
		var runs atomic.Int64
		release := make(chan struct{})
		fn := func(ctx context.Context) (int, error) {
			n := runs.Add(1)
			if n == 1 {
				<-ctx.Done()
				<-release // the abandoned run lingers
				return 0, ctx.Err()
			}
			return int(n), nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		wait := doAll(&f, []context.Context{ctx}, 1, "k", fn)
		cancel()
		if r := wait()[0]; !errors.Is(r.err, context.Canceled) {
			t.Errorf("the abandoning caller got %+v; want an error matching Canceled", r)
		}
		synctest.Wait()
		v, err, shared := f.Do(context.Background(), "k", fn)
		if v != 2 || err != nil || shared {
			t.Errorf("new caller got %d, %v, %v; want 2, nil, false (a new call)", v, err, shared)
		}
		close(release)
	})
}

// TestFlightPanicAndGoexit: fn's panic is a *PanicError for every caller
// waiting, and its Goexit ErrGoexit; no caller's goroutine panics.
func TestFlightPanicAndGoexit(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		fn    func(context.Context) (int, error)
		check func(error) bool
		want  string
	}{
		{"panic", func(ctx context.Context) (int, error) {
			task.Sleep(ctx, time.Second)
			panic(boom)
		}, func(err error) bool {
			var pe *task.PanicError
			return errors.As(err, &pe) && pe.Value == boom && errors.Is(err, boom) && len(pe.Stack) > 0
		}, "a *PanicError of boom"},
		{"Goexit", func(ctx context.Context) (int, error) {
			task.Sleep(ctx, time.Second)
			runtime.Goexit()
			return 1, nil
		}, func(err error) bool { return errors.Is(err, task.ErrGoexit) }, "ErrGoexit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				for i, r := range doAll(&f, nil, 5, "k", tt.fn)() {
					if !tt.check(r.err) || !r.shared {
						t.Errorf("caller %d got %+v; want %s, shared", i, r, tt.want)
					}
				}
				// The key is forgotten: the next call runs fn again.
				v, err, _ := f.Do(context.Background(), "k", func(context.Context) (int, error) { return 3, nil })
				if v != 3 || err != nil {
					t.Errorf("Do after the %s = %d, %v; want 3, nil", tt.name, v, err)
				}
			})
		})
	}
}

// TestFlightForget: after Forget, a new caller starts a new call while the
// forgotten one is still in flight; the forgotten call's callers still
// get its result.
func TestFlightForget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f task.Flight[string, int]
		var runs atomic.Int64
		fn := func(ctx context.Context) (int, error) {
			n := runs.Add(1)
			return int(n), task.Sleep(ctx, time.Second)
		}
		old := doAll(&f, nil, 2, "k", fn)
		f.Forget("k")
		f.Forget("never seen") // nothing
		renewed := doAll(&f, nil, 2, "k", fn)
		for i, r := range old() {
			if want := (flightResult{1, nil, true}); r != want {
				t.Errorf("forgotten call's caller %d got %+v; want %+v", i, r, want)
			}
		}
		for i, r := range renewed() {
			if want := (flightResult{2, nil, true}); r != want {
				t.Errorf("new call's caller %d got %+v; want %+v", i, r, want)
			}
		}
		var zero task.Flight[int, int]
		zero.Forget(1) // the zero Flight, too
	})
}

// TestFlightContext: fn's context carries the first caller's values, not
// a later one's, nor its deadline, nor a runtime slot.
func TestFlightContext(t *testing.T) {
	type key struct{}
	synctest.Test(t, func(t *testing.T) {
		var f task.Flight[string, int]
		type seen struct {
			value       any
			hasDeadline bool
		}
		var got seen
		fn := func(ctx context.Context) (int, error) {
			_, got.hasDeadline = ctx.Deadline()
			got.value = ctx.Value(key{})
			return 0, task.Sleep(ctx, time.Second)
		}
		first, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "first"), time.Hour)
		defer cancel()
		second := context.WithValue(context.Background(), key{}, "second")
		doAll(&f, []context.Context{first, second}, 2, "k", fn)()
		if want := (seen{"first", false}); got != want {
			t.Errorf("fn saw %+v; want %+v", got, want)
		}
	})
}

// TestFlightManyKeys: callers of many keys at once share one run per key,
// and get their key's value.
func TestFlightManyKeys(t *testing.T) {
	const keys, perKey = 50, 8
	synctest.Test(t, func(t *testing.T) {
		var f task.Flight[int, string]
		var runs [keys]atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan string, keys*perKey)
		for c := range perKey {
			for k := range keys {
				wg.Go(func() {
					v, err, shared := f.Do(context.Background(), k, func(ctx context.Context) (string, error) {
						runs[k].Add(1)
						return fmt.Sprint("v", k), task.Sleep(ctx, time.Second)
					})
					if want := fmt.Sprint("v", k); v != want || err != nil || !shared {
						errs <- fmt.Sprintf("caller %d of key %d got %q, %v, %v; want %q, nil, true", c, k, v, err, shared, want)
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		for k := range keys {
			if n := runs[k].Load(); n != 1 {
				t.Errorf("key %d: fn ran %d times; want 1", k, n)
			}
		}
	})
}

// TestFlightNested: fn may call Do for another key with its own context;
// when every caller of the outer call leaves, the inner call, whose only
// caller is the outer fn, is cancelled too.
func TestFlightNested(t *testing.T) {
	tests := []struct {
		name    string
		leave   bool
		want    flightResult
		wantErr error // of the inner fn's ctx
	}{
		{"completes", false, flightResult{v: 11}, nil},
		{"abandoned", true, flightResult{}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				var innerErr error
				inner := func(ctx context.Context) (int, error) {
					err := task.Sleep(ctx, time.Second)
					innerErr = ctx.Err()
					return 10, err
				}
				outer := func(ctx context.Context) (int, error) {
					v, err, _ := f.Do(ctx, "inner", inner)
					return v + 1, err
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				wait := doAll(&f, []context.Context{ctx}, 1, "outer", outer)
				if tt.leave {
					cancel()
				}
				got := wait()[0]
				synctest.Wait() // the abandoned calls end
				if got.v != tt.want.v || (got.err == nil) != !tt.leave {
					t.Errorf("outer Do got %+v; want %+v (an error: %v)", got, tt.want, tt.leave)
				}
				if !errors.Is(innerErr, tt.wantErr) {
					t.Errorf("inner fn's ctx: %v; want %v", innerErr, tt.wantErr)
				}
			})
		})
	}
}

// TestFlightNestedOwnCall: a Do with fn's context for fn's own call (the
// same key, or a call that fn's own Do started) fails at once with
// ErrFlightCycle, even under an outside caller whose ctx never ends, and
// the calls end. It used to wait for itself for good: fn's goroutine
// leaked and every later caller joined the dead call (a review). A
// goroutine that fn starts and does not wait for joins with a detached
// context, counts as a caller, keeps the call alive when the outside
// caller leaves, and shares the result (later reviews: the first two
// versions refused it, then did not count it).
func TestFlightNestedOwnCall(t *testing.T) {
	tests := []struct {
		name string
		keys []string // fn of keys[i] does keys[i+1]; the last does keys[0]
	}{
		{"own key", []string{"A"}},
		{"two keys", []string{"A", "B"}},
		{"three keys", []string{"A", "B", "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				var runs atomic.Int64
				fns := make(map[string]func(context.Context) (int, error))
				for i, k := range tt.keys {
					next := tt.keys[(i+1)%len(tt.keys)]
					fns[k] = func(ctx context.Context) (int, error) {
						if runs.Add(1) > int64(len(tt.keys)) {
							return 7, nil // a fresh call, after the cycle
						}
						v, err, _ := f.Do(ctx, next, fns[next])
						return v + 1, err
					}
				}
				if _, err, _ := f.Do(context.Background(), "A", fns["A"]); !errors.Is(err, task.ErrFlightCycle) {
					t.Fatalf("Do: got %v, want ErrFlightCycle", err)
				}
				synctest.Wait() // every call of the cycle has ended
				for _, k := range tt.keys {
					if n := task.FlightWaiters(&f, k); n != 0 {
						t.Errorf("key %s: %d waiters left, want 0", k, n)
					}
				}
				if v, err, _ := f.Do(t.Context(), "A", fns["A"]); v != 7 || err != nil {
					t.Errorf("a fresh Do for A: got (%d, %v), want (7, nil)", v, err)
				}
			})
		})
	}
	t.Run("detached goroutine joins", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var f task.Flight[string, int]
			type result struct {
				v      int
				err    error
				shared bool
			}
			got := make(chan result, 1)
			fn := func(ctx context.Context) (int, error) {
				go func() {
					v, err, shared := f.Do(context.WithoutCancel(ctx), "k", func(context.Context) (int, error) { return 0, errors.New("second run") })
					got <- result{v, err, shared}
				}()
				time.Sleep(time.Second)
				return 5, ctx.Err()
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Second/2)
			defer cancel()
			if _, err, _ := f.Do(ctx, "k", fn); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("outside caller: got %v, want its DeadlineExceeded", err)
			}
			if r := <-got; r.v != 5 || r.err != nil || r.shared {
				t.Errorf("the detached goroutine's Do: got %+v, want (5, nil, false): it kept the call alive alone", r)
			}
		})
	})
}

// TestFlightStaleCallKeepsNewer: a forgotten call that ends (or whose
// caller leaves) must not forget the key's newer call: callers after that
// still join the newer one. (No other test failed with the guards in run
// and leave removed: a review.)
func TestFlightStaleCallKeepsNewer(t *testing.T) {
	for _, byLeave := range []bool{false, true} {
		t.Run(map[bool]string{false: "old call returns", true: "old call's caller leaves"}[byLeave], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f task.Flight[string, int]
				var runs atomic.Int64
				fn := func(ctx context.Context) (int, error) {
					n := runs.Add(1)
					d := time.Second
					if n == 2 {
						d = 3 * time.Second
					}
					return int(n), task.Sleep(ctx, d)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				old := doAll(&f, []context.Context{ctx}, 1, "k", fn)
				f.Forget("k")
				newer := doAll(&f, nil, 1, "k", fn) // run 2, ends at 3 s
				if byLeave {
					cancel()
				}
				old()                              // run 1 ends at 1 s, or its caller left
				late := doAll(&f, nil, 1, "k", fn) // must join run 2
				newer()
				if r := late()[0]; r.v != 2 || runs.Load() != 2 {
					t.Errorf("late caller got %+v after %d runs; want run 2's value, 2 runs", r, runs.Load())
				}
			})
		})
	}
}

// TestFlightBadInput: a nil fn fails with ErrNilFunc, a ctx that has
// ended with its error, both without running anything. (A nil ctx
// panics: TestNilContextPanics.)
func TestFlightBadInput(t *testing.T) {
	var f task.Flight[string, int]
	ran := false
	fn := func(context.Context) (int, error) { ran = true; return 1, nil }
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		fn   func(context.Context) (int, error)
		want []error
	}{
		{"nil fn", context.Background(), nil, []error{task.ErrNilFunc, task.ErrInvalid}},
		{"ended ctx", ended, fn, []error{context.Canceled}},
	}
	for _, tt := range tests {
		v, err, shared := f.Do(tt.ctx, "k", tt.fn)
		for _, w := range tt.want {
			if !errors.Is(err, w) {
				t.Errorf("%s: Do = %d, %v, %v; want an error matching %v", tt.name, v, err, shared, w)
			}
		}
		if ran {
			t.Errorf("%s: fn ran", tt.name)
		}
	}
}

// TestFlightParks: a waiting caller on a one-slot runtime gives its slot
// back, so that another task of the runtime (here the one fn waits for)
// can run: a caller that kept it would wait forever.
func TestFlightParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		oneSlot(t, func(ctx context.Context, r *rt.Runtime) error {
			var f task.Flight[string, int]
			started, ready := make(chan struct{}), make(chan struct{})
			var once sync.Once
			fn := func(context.Context) (int, error) {
				once.Do(func() { close(started) })
				<-ready
				return 5, nil
			}
			waiters := []*task.Task[int]{}
			for range 2 {
				waiters = append(waiters, rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
					v, err, _ := f.Do(ctx, "k", fn)
					return v, err
				}))
			}
			sender := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
				p := task.Park(ctx) // until a call is in flight
				<-started
				p.Resume() // takes the slot again: a caller must have given it back
				close(ready)
				return 0, nil
			})
			vs, err := task.All(ctx, append(waiters, sender)...)
			if err != nil || vs[0] != 5 || vs[1] != 5 {
				t.Errorf("All = %v, %v; want [5 5 0], nil", vs, err)
			}
			return nil
		})
	})
}

// TestFlightUnobservedPanic: a panic in fn after every caller has left is
// reported when the call is collected, not lost; one a caller read is not.
func TestFlightUnobservedPanic(t *testing.T) {
	reported := make(chan any, 4)
	task.OnUnobservedPanic(func(e *task.PanicError) { reported <- e.Value })
	defer task.OnUnobservedPanic(nil)
	var f task.Flight[string, int]

	// Read: the caller gets the panic.
	_, err, _ := f.Do(context.Background(), "read", func(context.Context) (int, error) { panic("read") })
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "read" {
		t.Fatalf("Do = %v; want a *PanicError of \"read\"", err)
	}

	// Dropped: the only caller leaves before fn panics.
	started, release, left := make(chan struct{}), make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(left)
		f.Do(ctx, "dropped", func(context.Context) (int, error) {
			close(started)
			<-release
			panic("dropped")
		})
	}()
	<-started
	cancel()
	<-left
	close(release)
	got := collectReports(reported, 1)
	if want := map[any]bool{"dropped": true}; len(got) != 1 || !got["dropped"] {
		t.Errorf("reported %v; want %v", got, want)
	}
}
