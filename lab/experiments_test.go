package lab

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// checkResult asserts what every experiment's result must satisfy: figures
// that are finite (and positive, unless signed is set), tables whose rows
// fit their columns, charts whose series fit their categories, and claims
// with a verdict. It never looks at what a timing is.
func checkResult(t *testing.T, res *Result, signed bool) {
	t.Helper()
	if res == nil {
		t.Fatal("nil result")
	}
	if len(res.Metrics) == 0 {
		t.Error("no metrics")
	}
	for _, m := range res.Metrics {
		if m.N < 1 || m.Unit == "" {
			t.Errorf("metric %s: N %d, unit %q: want N >= 1 and a unit", m.Name, m.N, m.Unit)
		}
		for _, v := range []float64{m.Median, m.Min, m.Max, m.P90, m.P99} {
			if math.IsNaN(v) || math.IsInf(v, 0) || (!signed && v <= 0) {
				t.Errorf("metric %s: got %+v; want finite positive figures", m.Name, m.Stat)
				break
			}
		}
	}
	if len(res.Tables) == 0 {
		t.Error("no tables")
	}
	for _, tb := range res.Tables {
		for i, row := range tb.Rows {
			if len(row) != len(tb.Columns) {
				t.Errorf("table %q row %d: %d cells for %d columns", tb.Title, i, len(row), len(tb.Columns))
			}
		}
	}
	for _, c := range res.Charts {
		if len(c.X) == 0 || len(c.Series) == 0 {
			t.Errorf("chart %q: %d categories, %d series: want some", c.Title, len(c.X), len(c.Series))
		}
		for _, s := range c.Series {
			if len(s.Values) != len(c.X) {
				t.Errorf("chart %q series %q: %d values for %d categories", c.Title, s.Name, len(s.Values), len(c.X))
			}
		}
	}
	if len(res.Claims) == 0 {
		t.Error("no claims")
	}
	for _, c := range res.Claims {
		if c.Quote == "" || c.Measured == "" || c.Verdict == "" {
			t.Errorf("claim %+v: want quote, measured and verdict", c)
		}
	}
}

func tiny() *env {
	m := ReadMachine()
	return &env{size: Quick, meter: noMeter{}, cores: min(m.Cores, m.GOMAXPROCS)}
}

func TestMemoryTiny(t *testing.T) {
	res, err := measureMemory(t.Context(), tiny(), &Result{}, 1, []int{20}, []int{5})
	if err != nil {
		t.Fatal(err)
	}
	// Memory deltas of a few units can be zero or negative (the heap
	// moves), so only their finiteness is checked.
	checkResult(t, res, true)
	if got := len(res.Claims); got != 2 {
		t.Errorf("memory claims: got %d; want 2 (thread, task)", got)
	}
}

func TestSpawnTiny(t *testing.T) {
	res, err := measureSpawn(t.Context(), tiny(), 50, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

func TestSpawnThreadsUsesNewThreads(t *testing.T) {
	if gettid() == 0 {
		t.Skip("thread ids are only known on Linux")
	}
	// spawnThreads fails if the locked goroutines shared a thread.
	if err := spawnThreads(t.Context(), 20); err != nil {
		t.Fatal(err)
	}
}

func TestSwitchTiny(t *testing.T) {
	res, err := measureSwitch(t.Context(), tiny(), 50, 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

// TestJoinModel runs the join experiment on synctest's fake clock, where
// waits take exactly their duration: sequential must take 3 operations,
// joined 1, and both claims must hold.
func TestJoinModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res, err := measureJoin(t.Context(), tiny(), 100*time.Millisecond, 2)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, false)
		for i, want := range []float64{300e6, 100e6, 100e6} {
			if got := res.Metrics[i].Median; got != want {
				t.Errorf("%s: got %v ns of fake time; want %v", res.Metrics[i].Name, got, want)
			}
		}
		for _, c := range res.Claims {
			if !c.Holds {
				t.Errorf("claim %q: got verdict %q; want it to hold on a fake clock", c.Quote, c.Verdict)
			}
		}
	})
}

func TestCPUTiny(t *testing.T) {
	res, err := measureCPU(t.Context(), tiny(), cpuWork{items: 8, rounds: 100}, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

// TestIOModel runs the I/O experiment on the fake clock: every runner that
// lets its tasks wait together takes one wait, a pool of w workers takes
// ceil(n/w) waits.
func TestIOModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 10 * time.Millisecond
		ns := []int{4, 16}
		res, err := measureIO(t.Context(), tiny(), ns, d, 1, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, false)
		i := 0
		for _, rn := range ioRunners() {
			for _, n := range ns {
				want := float64(d)
				if rn.workers > 0 {
					want = float64((n+rn.workers-1)/rn.workers) * float64(d)
				}
				if got := res.Metrics[i].Median; got != want {
					t.Errorf("%s: got %v ns of fake time; want %v", res.Metrics[i].Name, got, want)
				}
				i++
			}
		}
	})
}

func TestIOSkipsLongRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res, err := measureIO(t.Context(), tiny(), []int{1000}, time.Second, 1, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Metrics {
			if m.Median != float64(time.Second) {
				t.Errorf("%s: got %v; want one wait", m.Name, m.Median)
			}
		}
	})
}

func TestSharedTiny(t *testing.T) {
	res, err := measureShared(t.Context(), tiny(), time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

func TestChannelsTiny(t *testing.T) {
	res, err := measureChannels(t.Context(), tiny(), 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

func TestBlockingTiny(t *testing.T) {
	res, err := measureBlocking(t.Context(), tiny(), 30*time.Millisecond, 10*time.Millisecond, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

func TestMutexTiny(t *testing.T) {
	res, err := measureMutex(t.Context(), tiny(), 3, time.Millisecond, 20*time.Millisecond, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
}

func TestLockersCount(t *testing.T) {
	// A locker told to stop before it begins does nothing, and says so.
	for _, v := range mutexVariants {
		var stop atomic.Bool
		lock := v.make()
		stop.Store(true)
		n, err := lock(t.Context(), time.Millisecond, &stop)
		if err != nil || n != 0 {
			t.Errorf("%s stopped before it began: got %d sections, %v; want 0, nil", v.name, n, err)
		}
	}
}

func TestTopFrame(t *testing.T) {
	stack := `goroutine 7 [sleep]:
time.Sleep(0x5f5e100)
	/usr/local/go/src/runtime/time.go:363 +0x165
github.com/spool-go/spool/lab.badExample.func1({0x0?, 0x0?})
	/work/main/lab/blocking.go:33 +0x1d
github.com/spool-go/spool/rt.Spawn[...].func1()
	/work/main/rt/rt.go:150 +0x2a
`
	if got, want := topFrame(stack), "lab.badExample.func1 (blocking.go:33)"; got != want {
		t.Errorf("topFrame: got %q; want %q", got, want)
	}
	if got := topFrame("goroutine 1 [running]:\nmain.main()\n"); got != "" {
		t.Errorf("topFrame without a lab frame: got %q; want \"\"", got)
	}
}

func TestSendAllDeliversEverything(t *testing.T) {
	for _, buf := range []int{0, 1, 64} {
		for _, producers := range []int{1, 3, 7} {
			if _, err := sendAll(1001, buf, producers); err != nil {
				t.Errorf("sendAll(1001, %d, %d): %v", buf, producers, err)
			}
		}
	}
}

func TestThreadRoom(t *testing.T) {
	if got := threadRoom(); got < 0 || got > 10000 {
		t.Errorf("threadRoom() = %d; want 0..10000", got)
	}
}

func TestReadStatus(t *testing.T) {
	st, err := readStatus()
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if st.RSS <= 0 || st.VM < st.RSS || st.Threads < 1 {
		t.Errorf("readStatus() = %+v; want RSS > 0, VM >= RSS, Threads >= 1", st)
	}
}

func TestCancelStopsExperiment(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := measureSpawn(ctx, tiny(), 10, 2, 3); err == nil {
		t.Error("measureSpawn with a done ctx: got nil error; want one")
	}
}
