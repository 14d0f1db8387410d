package lab

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var spawnExperiment = Experiment{
	Name:  "spawn",
	Title: "spawn cost: goroutine, task, runtime, pool, OS thread",
	About: "Starts N units that do nothing and waits for all of them; the figure is the time per unit, " +
		"start to finish. The runtime and the pool (GOMAXPROCS slots or workers) exist before the " +
		"timing starts, as they would in a program. The OS thread is a goroutine that locks its thread and returns still locked: " +
		"Go then ends that thread, so every such unit costs the creation and the exit of a kernel " +
		"thread (the lab counts the distinct thread ids to check).",
	estimate: [3]time.Duration{Default: 2500 * time.Millisecond, Quick: 600 * time.Millisecond, Full: 10000 * time.Millisecond},
	run:      runSpawn,
}

// spawner starts n units that do nothing and waits for them.
type spawner struct {
	name        string
	thread      bool
	cancellable bool // run under a context that can be cancelled
	run         func(ctx context.Context, n int) error
}

func spawnGoroutines(_ context.Context, n int) error {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {})
	}
	wg.Wait()
	return nil
}

func spawnTasks(ctx context.Context, n int) error {
	ts := make([]*task.Task[int], n)
	for i := range ts {
		ts[i] = task.Go(ctx, func(context.Context) (int, error) { return i, nil })
	}
	for _, t := range ts {
		if _, err := t.Await(ctx); err != nil {
			return err
		}
	}
	return nil
}

// spawnThreads starts n goroutines that each lock their OS thread and
// return without unlocking, so Go ends every thread they ran on. It checks
// that n distinct threads were used.
func spawnThreads(_ context.Context, n int) error {
	tids := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			tids[i] = gettid()
		})
	}
	wg.Wait()
	seen := make(map[int]bool, n)
	for _, t := range tids {
		seen[t] = true
	}
	if len(seen) < n && gettid() != 0 {
		return fmt.Errorf("lab: %d locked goroutines ran on only %d threads", n, len(seen))
	}
	return nil
}

// spawners lists the ways to start a unit of work. The runtime and the
// pool are made before the timing (a pool's point is that its workers
// already exist); the returned func closes them.
func spawners() ([]spawner, func(), error) {
	r, err := rt.New(rt.Name("lab-spawn"), rt.DetectBlocking(0))
	if err != nil {
		return nil, nil, err
	}
	p, err := pool.New(runtime.GOMAXPROCS(0), pool.Name("lab-spawn"))
	if err != nil {
		_ = r.Shutdown(context.Background())
		return nil, nil, err
	}
	awaitAll := func(ctx context.Context, ts []*task.Task[int]) error {
		for _, t := range ts {
			if _, err := t.Await(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	out := []spawner{
		{name: "goroutine (go + WaitGroup)", run: spawnGoroutines},
		{name: "task.Go + Await", run: spawnTasks},
		{name: "task.Go + Await, cancellable ctx", cancellable: true, run: spawnTasks},
		{name: "rt.Spawn + Await", run: func(ctx context.Context, n int) error {
			ts := make([]*task.Task[int], n)
			for i := range ts {
				ts[i] = rt.Spawn(r, ctx, func(context.Context) (int, error) { return i, nil })
			}
			return awaitAll(ctx, ts)
		}},
		{name: "pool.Submit + Await", run: func(ctx context.Context, n int) error {
			ts := make([]*task.Task[int], n)
			for i := range ts {
				ts[i] = pool.Submit(ctx, p, func(context.Context) (int, error) { return i, nil })
			}
			return awaitAll(ctx, ts)
		}},
		{name: "pool.Go (no task)", run: func(_ context.Context, n int) error {
			var wg sync.WaitGroup
			wg.Add(n)
			for range n {
				if err := p.Go(wg.Done); err != nil {
					return err
				}
			}
			wg.Wait()
			return nil
		}},
		{name: "OS thread (locked goroutine)", thread: true, run: spawnThreads},
	}
	return out, func() { p.Close(); _ = r.Shutdown(context.Background()) }, nil
}

func runSpawn(ctx context.Context, e *env) (*Result, error) {
	n := pick(e.size, 2000, 20000, 100000)
	nThreads := pick(e.size, 200, 1000, 5000)
	reps := pick(e.size, 3, 5, 10)
	if raceEnabled {
		n, nThreads = min(n, 2000), min(nThreads, 100)
	}
	return measureSpawn(ctx, e, n, nThreads, reps)
}

func measureSpawn(ctx context.Context, e *env, n, nThreads, reps int) (*Result, error) {
	res := &Result{}
	sps, closeAll, err := spawners()
	if err != nil {
		return res, err
	}
	defer closeAll()
	st := e.steps(len(sps))
	stats := make([]Stat, len(sps))
	for i, sp := range sps {
		count := n
		if sp.thread {
			count = nThreads
		}
		// The units run under a context that is never cancelled, as most
		// spawns in a program do, except for the one row that shows what a
		// cancellable parent adds: each task then registers with it.
		uctx := context.WithoutCancel(ctx)
		if sp.cancellable {
			c, cancel := context.WithCancel(ctx)
			defer cancel()
			uctx = c
		}
		// Warm up with a whole round (threads: 100): the first round of
		// goroutines grows the heap and the runtime's tables for them,
		// which made the goroutine row, measured first, swing from 190 ns
		// to 1.2 µs between quick runs.
		warm := count
		if sp.thread {
			warm = min(count, 100)
		}
		_ = sp.run(uctx, warm)
		s, err := sample(ctx, reps, func() (float64, error) {
			return timeIt(count, func() error { return sp.run(uctx, count) })
		})
		if err != nil {
			return res, fmt.Errorf("%s: %w", sp.name, err)
		}
		stats[i] = res.metric("spawn/"+sp.name, "ns", s)
		st.next()
	}
	if sps[len(sps)-1].thread {
		// Let the last threads finish exiting before the next experiment.
		_ = waitThreads(runtime.GOMAXPROCS(0)+64, 2*time.Second)
	}

	base := stats[0].Median
	t := Table{Title: fmt.Sprintf("start and finish one unit (%s units a round, %s for threads; %d rounds)", fmtCount(n), fmtCount(nThreads), reps),
		Columns: []string{"unit", "per unit", "spread", "vs goroutine"}}
	ch := Chart{Title: "time to start and finish one unit", Kind: "bar", XName: "unit", YName: "ns per unit", LogY: true}
	ser := Series{Name: "median"}
	for i, sp := range sps {
		t.Rows = append(t.Rows, []string{sp.name, fmtNS(stats[i].Median), fmtSpread(stats[i]), fmtX(stats[i].Median / base)})
		ch.X = append(ch.X, sp.name)
		ser.Values = append(ser.Values, stats[i].Median)
	}
	ch.Series = []Series{ser}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	res.Claims = append(res.Claims, spawnClaim(stats[len(stats)-1], stats[0]))
	res.note("A task started under a context that can be cancelled registers with it (context.AfterFunc) so that " +
		"cancellation reaches it; under context.Background() it skips that. A bare goroutine knows no context at all.")
	res.note("Go reuses idle threads, so a goroutine that locks its thread and unlocks it again costs no new thread; " +
		"only a goroutine that exits locked forces the thread's end and a new one, as each std::thread::spawn does.")
	return res, nil
}

// spawnClaim checks "thousands of async tasks vs hundreds of threads" on
// the cost of an OS thread (thr) over a goroutine's (gor).
func spawnClaim(thr, gor Stat) Claim {
	ratio := thr.Median / gor.Median
	c := Claim{
		Quote:    "thousands of async tasks vs hundreds of threads",
		Measured: fmt.Sprintf("thread %s, goroutine %s", fmtNS(thr.Median), fmtNS(gor.Median)),
		Median:   ratio, Spread: ratioSpread(thr, gor), Unit: "x",
	}
	switch {
	case !measured(thr.Median, gor.Median):
		c.notMeasured()
	case round3(ratio) >= 10: // as shown: 9.996x reads "10.0x"
		c.Verdict, c.Holds = fmt.Sprintf("holds: a thread costs %s more", fmtX(ratio)), true
	default:
		c.Verdict = fmt.Sprintf("weaker here: a thread costs only %s more", fmtX(ratio))
	}
	lo, hi := ratioRange(thr, gor)
	c.checkRange(lo, hi, 10, math.Inf(1), fmtX)
	return c
}
