package rt_test

import (
	"bytes"
	"context"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/internal/workload"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var quiet = slog.New(slog.DiscardHandler)

// newRuntime makes a runtime that logs nowhere and is shut down (and
// checked) when the test ends.
func newRuntime(t *testing.T, opts ...rt.Option) *rt.Runtime {
	t.Helper()
	r, err := rt.New(append([]rt.Option{rt.Logger(quiet)}, opts...)...)
	if err != nil {
		t.Fatalf("rt.New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v; want nil", err)
		}
		checkQuiet(t, r.Metrics())
	})
	return r
}

// checkQuiet checks the invariants of a runtime with nothing left.
func checkQuiet(t *testing.T, m rt.Metrics) {
	t.Helper()
	if ended := m.Completed + m.Failed + m.Panicked + m.Cancelled; m.Spawned != ended {
		t.Errorf("Spawned = %d, Completed + Failed + Panicked + Cancelled = %d + %d + %d + %d = %d; want equal",
			m.Spawned, m.Completed, m.Failed, m.Panicked, m.Cancelled, ended)
	}
	for _, c := range []struct {
		name string
		got  int
	}{
		{"Tasks", m.Tasks}, {"BusySlots", m.BusySlots}, {"WaitingTasks", m.WaitingTasks},
		{"BlockingTasks", m.BlockingTasks}, {"BlockingBusy", m.BlockingBusy},
		{"BlockingIdle", m.BlockingIdle}, {"BlockingQueued", m.BlockingQueued},
	} {
		if c.got != 0 {
			t.Errorf("%s = %d after Shutdown; want 0", c.name, c.got)
		}
	}
}

func TestNewOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  rt.Option
		want string // in the error; "" for none
	}{
		{"workers 0", rt.Workers(0), "rt: Workers(0): must be from 1 to 65536"},
		{"workers -3", rt.Workers(-3), "rt: Workers(-3): must be from 1 to 65536"},
		{"workers above MaxWorkers", rt.Workers(rt.MaxWorkers + 1), "rt: Workers(65537): must be from 1 to 65536"},
		{"workers MaxInt", rt.Workers(math.MaxInt), fmt.Sprintf("rt: Workers(%d): must be from 1 to 65536", math.MaxInt)},
		{"max blocking 0", rt.MaxBlocking(0), "rt: MaxBlocking(0): must be positive"},
		{"max blocking -1", rt.MaxBlocking(-1), "rt: MaxBlocking(-1): must be positive"},
		{"keep-alive 0", rt.KeepAlive(0), "rt: KeepAlive(0s): must be positive"},
		{"keep-alive -1s", rt.KeepAlive(-time.Second), "rt: KeepAlive(-1s): must be positive"},
		{"empty name", rt.Name(""), `rt: Name(""): must not be empty`},
		{"nil logger", rt.Logger(nil), "rt: Logger(nil): must not be nil"},
		{"negative threshold", rt.DetectBlocking(-time.Second), "rt: DetectBlocking(-1s): must not be negative"},
		{"nil callback", rt.OnBlocking(nil), "rt: OnBlocking(nil): must not be nil"},
		{"negative grace", rt.ShutdownGrace(-1), "rt: ShutdownGrace(-1ns): must not be negative"},
		{"nil option", nil, "rt: New: option must not be nil (got nil at index 0)"},
		{"detector off", rt.DetectBlocking(0), ""},
		{"current thread", rt.CurrentThread(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := rt.New(c.opt)
			if c.want == "" {
				if err != nil {
					t.Fatalf("New = %v; want nil", err)
				}
				if err := r.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown = %v; want nil", err)
				}
				return
			}
			if err == nil || err.Error() != c.want || !errors.Is(err, rt.ErrInvalid) {
				t.Fatalf("New = %v; want %q, matching ErrInvalid", err, c.want)
			}
			if r != nil {
				t.Errorf("New returned a runtime with an error")
			}
		})
	}
	_, err := rt.New(rt.Workers(0), rt.Name(""))
	if err == nil || !strings.Contains(err.Error(), "Workers(0)") || !strings.Contains(err.Error(), `Name("")`) || !errors.Is(err, rt.ErrInvalid) {
		t.Errorf("New with two bad options = %v; want both reported, matching ErrInvalid", err)
	}
}

func TestDefaults(t *testing.T) {
	m := newRuntime(t).Metrics()
	if m.Workers != runtime.GOMAXPROCS(0) || m.MaxBlocking != rt.DefaultMaxBlocking || m.Name != "rt" {
		t.Errorf("defaults: Workers %d, MaxBlocking %d, Name %q; want %d, %d, \"rt\"",
			m.Workers, m.MaxBlocking, m.Name, runtime.GOMAXPROCS(0), rt.DefaultMaxBlocking)
	}
	if got := newRuntime(t, rt.CurrentThread()).Metrics().Workers; got != 1 {
		t.Errorf("CurrentThread: Workers = %d; want 1", got)
	}
}

// TestSlotsBoundParallelismNotConcurrency is the chapter's claim made
// real: with 2 slots, 1,000 tasks that each await 10 ms all overlap, so
// the whole run takes 10 ms of (fake) time, not 1,000 x 10 ms / 2 = 5 s:
// tasks Spawned and awaited with All, and the tasks of a group on the
// runtime (task.On), collected with Wait.
func TestSlotsBoundParallelismNotConcurrency(t *testing.T) {
	sleeper := func(i int) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return i, task.Sleep(ctx, 10*time.Millisecond) }
	}
	cases := []struct {
		name string
		run  func(r *rt.Runtime, ctx context.Context, n int) ([]int, error)
	}{
		{"Spawn+All", func(r *rt.Runtime, ctx context.Context, n int) ([]int, error) {
			tasks := make([]*task.Task[int], n)
			for i := range tasks {
				tasks[i] = rt.Spawn(r, ctx, sleeper(i))
			}
			return task.All(ctx, tasks...)
		}},
		{"Group(On)+Wait", func(r *rt.Runtime, ctx context.Context, n int) ([]int, error) {
			g := task.NewGroup[int](ctx, task.On(r))
			defer g.Close()
			for i := range n {
				g.Go(ctx, sleeper(i))
			}
			return g.Wait(ctx)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRuntime(t, rt.Workers(2))
				ctx := context.Background()
				start := time.Now()
				vals, err := c.run(r, ctx, 1000)
				if err != nil {
					t.Fatalf("got error %v; want nil", err)
				}
				if elapsed := time.Since(start); elapsed < 10*time.Millisecond || elapsed >= 20*time.Millisecond {
					t.Errorf("1000 tasks awaiting 10ms on 2 slots took %v of fake time; want 10ms (they overlap)", elapsed)
				}
				for i, v := range vals {
					if v != i {
						t.Fatalf("vals[%d] = %d; want %d", i, v, i)
					}
				}
				m := r.Metrics()
				if m.Spawned != 1000 || m.SlotWait.Count() != 2000 {
					t.Errorf("Spawned = %d, SlotWait.Count() = %d; want 1000, 2000 (a start and a resume per task)", m.Spawned, m.SlotWait.Count())
				}
			})
		})
	}
}

// TestMetricsCountsTakesOfLiveTasks: the slot-wait histogram counts every
// slot taken, by tasks still parked as well as by ended ones.
func TestMetricsCountsTakesOfLiveTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.Workers(2))
		ctx, cancel := context.WithCancel(context.Background())
		tasks := make([]*task.Task[int], 10)
		for i := range tasks {
			tasks[i] = rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
				return 0, task.Sleep(ctx, time.Hour)
			})
		}
		synctest.Wait() // all parked in task.Sleep, each after one take
		if got := r.Metrics().SlotWait.Count(); got != 10 {
			t.Errorf("with 10 tasks parked: SlotWait.Count() = %d; want 10", got)
		}
		cancel()
		for _, tk := range tasks {
			_, _ = tk.Await(context.Background())
		}
		if got := r.Metrics().SlotWait.Count(); got != 20 {
			t.Errorf("after they resumed and ended: SlotWait.Count() = %d; want 20", got)
		}
	})
}

// peakCounter returns a task function that spins and yields 20 times,
// with an await point after each, and the peak of how many of its calls
// were spinning at once.
func peakCounter() (func(context.Context) (uint64, error), *atomic.Int64) {
	var cur, peak atomic.Int64
	return func(ctx context.Context) (uint64, error) {
		var x uint64
		for range 20 {
			n := cur.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			x += workload.Spin(200)
			runtime.Gosched() // let a goroutine without a slot in, if one could run
			cur.Add(-1)
			if err := task.Sleep(ctx, time.Microsecond); err != nil { // an await point
				return 0, err
			}
		}
		return x, nil
	}, &peak
}

// TestSlotsBoundCPU counts the tasks running at once: never more than the
// slots, although many more tasks are alive and yield the processor often.
func TestSlotsBoundCPU(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			r := newRuntime(t, rt.Workers(workers))
			ctx := context.Background()
			spin, peak := peakCounter()
			tasks := make([]*task.Task[uint64], 64)
			for i := range tasks {
				tasks[i] = rt.Spawn(r, ctx, spin)
			}
			if _, err := task.All(ctx, tasks...); err != nil {
				t.Fatal(err)
			}
			if got := peak.Load(); got > int64(workers) {
				t.Errorf("%d tasks ran at once on %d slots; want at most %d", got, workers, workers)
			}
		})
	}
}

func TestSpawnResults(t *testing.T) {
	r := newRuntime(t, rt.Workers(2))
	ctx := context.Background()
	boom := errors.New("boom")
	cases := []struct {
		name      string
		fn        func(context.Context) (int, error)
		want      int
		wantErr   error
		wantPanic bool
	}{
		{"value", func(context.Context) (int, error) { return 42, nil }, 42, nil, false},
		{"error", func(context.Context) (int, error) { return 0, boom }, 0, boom, false},
		{"panic", func(context.Context) (int, error) { panic(boom) }, 0, boom, true},
		{"goexit", func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }, 0, task.ErrGoexit, false},
		{"nil fn", nil, 0, task.ErrNilFunc, false},
	}
	spawners := []struct {
		name  string
		spawn func(*rt.Runtime, context.Context, func(context.Context) (int, error), ...rt.TaskOption) *task.Task[int]
	}{
		{"Spawn", rt.Spawn[int]},
		{"SpawnBlocking", rt.SpawnBlocking[int]},
		{"Group.Go (task.On)", groupGo},
	}
	for _, s := range spawners {
		for _, c := range cases {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				v, err := s.spawn(r, ctx, c.fn).Await(ctx)
				if v != c.want || !errors.Is(err, c.wantErr) {
					t.Errorf("Await = %d, %v; want %d, %v", v, err, c.want, c.wantErr)
				}
				var pe *task.PanicError
				if got := errors.As(err, &pe); got != c.wantPanic {
					t.Errorf("errors.As(err, *PanicError) = %v; want %v", got, c.wantPanic)
				}
				if c.wantPanic && len(pe.Stack) == 0 {
					t.Errorf("PanicError without a stack")
				}
			})
		}
	}
	// Shut down here to read final counts: 3 spawners x (value, error,
	// panic, goexit) ran; the nil fns were never accepted. A Goexit counts
	// as a panic, as in package pool.
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	m := r.Metrics()
	if m.Spawned != 12 || m.Completed != 3 || m.Failed != 3 || m.Panicked != 6 || m.Cancelled != 0 {
		t.Errorf("Spawned, Completed, Failed, Panicked, Cancelled = %d, %d, %d, %d, %d; want 12, 3, 3, 6, 0",
			m.Spawned, m.Completed, m.Failed, m.Panicked, m.Cancelled)
	}
}

func TestRefused(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	if _, err := rt.Spawn(nil, ctx, fn).Await(ctx); !errors.Is(err, rt.ErrNilRuntime) {
		t.Errorf("Spawn(nil runtime) = %v; want ErrNilRuntime", err)
	}
	if _, err := rt.SpawnBlocking(nil, ctx, fn).Await(ctx); !errors.Is(err, rt.ErrNilRuntime) {
		t.Errorf("SpawnBlocking(nil runtime) = %v; want ErrNilRuntime", err)
	}
	if _, err := rt.Spawn(new(rt.Runtime), ctx, fn).Await(ctx); !errors.Is(err, rt.ErrNilRuntime) {
		t.Errorf("Spawn(zero runtime) = %v; want ErrNilRuntime", err)
	}
	r := newRuntime(t)
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Spawn(r, ctx, fn).Await(ctx); !errors.Is(err, rt.ErrClosed) {
		t.Errorf("Spawn after Shutdown = %v; want ErrClosed", err)
	}
	if _, err := rt.SpawnBlocking(r, ctx, fn).Await(ctx); !errors.Is(err, rt.ErrClosed) {
		t.Errorf("SpawnBlocking after Shutdown = %v; want ErrClosed", err)
	}
	if _, err := rt.BlockOn(r, ctx, fn); !errors.Is(err, rt.ErrClosed) {
		t.Errorf("BlockOn after Shutdown = %v; want ErrClosed", err)
	}
	if m := r.Metrics(); m.Spawned != 0 || !m.Closed {
		t.Errorf("Spawned = %d, Closed = %v; want 0, true", m.Spawned, m.Closed)
	}
}

// TestCurrentThreadNested shows that a task awaiting its children on a
// one-slot runtime does not deadlock: the await gives the slot to them.
func TestCurrentThreadNested(t *testing.T) {
	r := newRuntime(t, rt.CurrentThread())
	ctx := context.Background()
	var cur, peak atomic.Int64
	enter := func() {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
	}
	sum, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		enter()
		defer cur.Add(-1)
		kids := make([]*task.Task[int], 10)
		for i := range kids {
			kids[i] = rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
				enter()
				cur.Add(-1)
				// A nested BlockOn: it too gives the slot back while it waits.
				v, err := rt.BlockOn(r, ctx, func(context.Context) (int, error) {
					enter()
					defer cur.Add(-1)
					return i, nil
				})
				enter()
				defer cur.Add(-1)
				return v, err
			})
		}
		cur.Add(-1)
		vals, err := task.All(ctx, kids...)
		enter()
		total := 0
		for _, v := range vals {
			total += v
		}
		return total, err
	})
	if sum != 45 || err != nil {
		t.Errorf("BlockOn = %d, %v; want 45, nil", sum, err)
	}
	if got := peak.Load(); got != 1 {
		t.Errorf("peak running = %d on a current-thread runtime; want 1", got)
	}
}

// TestCancelWhileWaiting: a task waiting for a slot whose context ends
// resolves with the context's error and never runs.
func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.CurrentThread(), rt.DetectBlocking(0))
		ctx := context.Background()
		release := make(chan struct{})
		holder := rt.Spawn(r, ctx, func(context.Context) (int, error) {
			<-release // no await point: holds the only slot
			return 1, nil
		})
		synctest.Wait()
		wctx, cancel := context.WithCancel(ctx)
		ran := false
		waiter := rt.Spawn(r, wctx, func(context.Context) (int, error) { ran = true; return 2, nil }, rt.TaskName("waiter"))
		synctest.Wait()
		if m := r.Metrics(); m.WaitingTasks != 1 || m.BusySlots != 1 || m.Tasks != 2 {
			t.Errorf("WaitingTasks, BusySlots, Tasks = %d, %d, %d; want 1, 1, 2", m.WaitingTasks, m.BusySlots, m.Tasks)
		}
		if got := stateOf(r, "waiter"); got != "waiting" {
			t.Errorf("waiter's state = %q; want waiting", got)
		}
		cancel()
		if _, err := waiter.Await(ctx); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "worker slot") {
			t.Errorf("waiter.Await = %v; want an error about the slot wrapping context.Canceled", err)
		}
		if ran {
			t.Errorf("a task cancelled while waiting for a slot ran")
		}
		if m := r.Metrics(); m.WaitingTasks != 0 {
			t.Errorf("WaitingTasks = %d after cancel; want 0", m.WaitingTasks)
		}
		close(release)
		if v, err := holder.Await(ctx); v != 1 || err != nil {
			t.Errorf("holder = %d, %v; want 1, nil", v, err)
		}
	})
}

// TestBlockOnWaitsForFn: BlockOn returns only once fn has, even when its
// context ends first; fn sees the context done.
func TestBlockOnWaitsForFn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		returned := false
		_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			time.Sleep(time.Second) // winding down after the cancel
			returned = true
			return 0, ctx.Err()
		})
		if !returned || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("BlockOn = %v, fn returned %v; want DeadlineExceeded after fn returned", err, returned)
		}
	})
}

// TestShutdownConcurrent: Shutdown may be called from several goroutines;
// each returns once everything has ended.
func TestShutdownConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t)
		ctx := context.Background()
		tk := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return 7, task.Sleep(ctx, time.Second) })
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = r.Shutdown(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Shutdown %d = %v; want nil", i, err)
			}
		}
		if v, err, ok := tk.Result(); v != 7 || err != nil || !ok {
			t.Errorf("task = %d, %v, %v; want 7, nil, true (drained before Shutdown returned)", v, err, ok)
		}
	})
}

func stateOf(r *rt.Runtime, name string) string {
	for _, ti := range r.Tasks() {
		if ti.Name == name {
			return ti.State
		}
	}
	return "(not found)"
}

func TestTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.Workers(1), rt.MaxBlocking(1), rt.DetectBlocking(0))
		ctx := context.Background()
		release := make(chan struct{})
		block := func(context.Context) (int, error) { <-release; return 0, nil }
		spawned := []*task.Task[int]{
			rt.Spawn(r, ctx, block, rt.TaskName("holder")),
		}
		time.Sleep(time.Second)
		spawned = append(spawned,
			rt.Spawn(r, ctx, block, rt.TaskName("waiter")),
			rt.SpawnBlocking(r, ctx, block, rt.TaskName("disk")),
			rt.SpawnBlocking(r, ctx, block, rt.TaskName("disk2")))
		synctest.Wait()
		got := map[string]rt.TaskInfo{}
		for _, ti := range r.Tasks() {
			got[ti.Name] = ti
		}
		want := []rt.TaskInfo{
			{Name: "holder", State: "running", Age: time.Second},
			{Name: "waiter", State: "waiting"},
			{Name: "disk", Blocking: true, State: "running"},
			{Name: "disk2", Blocking: true, State: "queued"},
		}
		for _, w := range want {
			if g := got[w.Name]; g != w {
				t.Errorf("Tasks()[%q] = %+v; want %+v", w.Name, g, w)
			}
		}
		if ts := r.Tasks(); len(ts) != 4 || ts[0].Name != "holder" {
			t.Errorf("Tasks() = %v; want 4, oldest (holder) first", ts)
		}
		close(release)
		if _, err := task.All(ctx, spawned...); err != nil {
			t.Fatal(err)
		}
	})
}

// TestParkOnAnotherGoroutine checks that the slot accounting survives the
// documented misuse of parking with a task's context on another goroutine.
func TestParkOnAnotherGoroutine(t *testing.T) {
	r := newRuntime(t, rt.Workers(2))
	ctx := context.Background()
	_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 100 {
					_ = task.Sleep(ctx, time.Microsecond)
				}
			})
		}
		for range 100 {
			_ = task.Sleep(ctx, time.Microsecond)
		}
		wg.Wait()
		return 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// newRuntime's cleanup checks that no slot is left held.
}

func TestPublish(t *testing.T) {
	r := newRuntime(t, rt.Name("published"), rt.Workers(3))
	name := fmt.Sprintf("rt-test-%d", time.Now().UnixNano())
	if err := r.Publish(name); err != nil {
		t.Fatalf("Publish = %v", err)
	}
	if got := expvar.Get(name).String(); !strings.Contains(got, `"Name":"published"`) || !strings.Contains(got, `"Workers":3`) {
		t.Errorf("expvar %s = %s; want the runtime's metrics", name, got)
	}
	tests := []struct {
		name string
		want error
	}{
		{name, rt.ErrPublished},       // taken by the first Publish
		{"memstats", rt.ErrPublished}, // taken by package expvar
		{"", rt.ErrInvalid},           // was published as ""
	}
	for _, tt := range tests {
		if err := r.Publish(tt.name); !errors.Is(err, tt.want) {
			t.Errorf("Publish(%q) = %v; want an error matching %v", tt.name, err, tt.want)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h rt.Histogram
	if h.Count() != 0 || h.Quantile(0.5) != 0 {
		t.Errorf("empty histogram: Count %d, Quantile %v; want 0, 0", h.Count(), h.Quantile(0.5))
	}
	h.Buckets = []rt.Bucket{{Below: 1, Count: 90}, {Below: 1024, Count: 9}, {Below: 1 << 20, Count: 1}}
	cases := []struct {
		q    float64
		want time.Duration
	}{
		// The ⌈q·100⌉th sample: the 90th is still in the first bucket.
		// Quantile returned the next sample up, so p90 read 1.024µs and,
		// for 99 fast samples and a slow one, p99 read the slow one.
		{0, 1}, {0.5, 1}, {0.9, 1}, {0.901, 1024}, {0.98, 1024}, {0.99, 1024}, {0.991, 1 << 20}, {1, 1 << 20},
	}
	for _, c := range cases {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v; want %v", c.q, got, c.want)
		}
	}
	if h.Count() != 100 {
		t.Errorf("Count() = %d; want 100", h.Count())
	}
	for _, q := range []float64{-0.1, 1.5, math.NaN()} {
		want := fmt.Sprintf("rt: Histogram.Quantile: q must be in [0, 1] (got %v)", q)
		func() {
			defer func() {
				if got := recover(); got != want {
					t.Errorf("Quantile(%v) panicked with %v; want %q", q, got, want)
				}
			}()
			h.Quantile(q)
		}()
	}
}

var runtimeGoexit = runtime.Goexit

// TestTracing runs named and unnamed tasks of both kinds, and a group's
// task (task.On), while runtime/trace is on: each becomes a trace task
// with a region, the group's task a region.
func TestTracing(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("trace.Start: %v", err)
	}
	r := newRuntime(t, rt.Workers(2))
	ctx := context.Background()
	ts := []*task.Task[int]{
		rt.Spawn(r, ctx, func(context.Context) (int, error) { return 1, nil }, rt.TaskName("traced")),
		rt.Spawn(r, ctx, func(context.Context) (int, error) { return 2, nil }),
		rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { return 3, nil }, rt.TaskName("traced-blocking")),
		rt.Spawn(r, ctx, (func(context.Context) (int, error))(nil)),
	}
	g := task.NewGroup[int](ctx, task.On(r)) // each task a region of ctx's trace task
	defer g.Close()
	ts = append(ts, g.Go(ctx, func(context.Context) (int, error) { return 5, nil }))
	_, err := task.All(ctx, append(ts[:3:3], ts[4])...)
	trace.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("spool.task")) || !bytes.Contains(buf.Bytes(), []byte("traced-blocking")) {
		t.Errorf("trace lacks the spool.task type or the task names")
	}
}
