package lab

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/guard"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var mutexExperiment = Experiment{
	Name:  "mutex",
	Title: "async mutex vs sync mutex: a lock held across an await point",
	About: "Four tasks on a 2-slot runtime take turns at one lock and hold it across a 2 ms wait, while a " +
		"probe task every millisecond records how long it waits for a slot. With guard.Mutex, Lock(ctx) " +
		"and task.Sleep are await points: a task waiting for the lock, or holding it while it sleeps, " +
		"gives its slot back (the chapter's tokio::sync::Mutex). With sync.Mutex and time.Sleep, the " +
		"holder and the waiters keep their slots. Last, the chapter's rule for sync.Mutex: hold it " +
		"briefly and never across an await point.",
	estimate: [3]time.Duration{Default: 1200 * time.Millisecond, Quick: 500 * time.Millisecond, Full: 3000 * time.Millisecond},
	run:      runMutex,
}

// locker is one way to hold a lock across a wait of hold; it returns when
// stop is set, with the number of critical sections it went through.
type locker func(ctx context.Context, hold time.Duration, stop *atomic.Bool) (int, error)

// asyncMutex: guard.Mutex's Lock(ctx) and task.Sleep both park the task.
func asyncMutex() locker {
	var m guard.Mutex[int]
	return func(ctx context.Context, hold time.Duration, stop *atomic.Bool) (int, error) {
		n := 0
		for !stop.Load() {
			g, err := m.Lock(ctx) // waits as an await point
			if err != nil {
				return n, err
			}
			err = task.Sleep(ctx, hold) // held across an await point: fine
			*g.Value()++
			g.Unlock()
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
}

// syncMutexBlocking: sync.Mutex held across time.Sleep. Lock blocks the
// task's goroutine, and so does the sleep: neither gives the slot back.
func syncMutexBlocking() locker {
	var (
		mu sync.Mutex
		v  int
	)
	return func(_ context.Context, hold time.Duration, stop *atomic.Bool) (int, error) {
		n := 0
		for !stop.Load() {
			mu.Lock()
			time.Sleep(hold)
			v++
			mu.Unlock()
			n++
		}
		return n, nil
	}
}

// syncMutexBrief: the chapter's sync_mutex_in_async. The lock covers only
// the update; the wait happens after it is released.
func syncMutexBrief() locker {
	var (
		mu sync.Mutex
		v  int
	)
	return func(ctx context.Context, hold time.Duration, stop *atomic.Bool) (int, error) {
		n := 0
		for !stop.Load() {
			mu.Lock()
			v++
			mu.Unlock() // released before any await
			if err := task.Sleep(ctx, hold); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
}

type mutexVariant struct {
	name string
	make func() locker
}

var mutexVariants = []mutexVariant{
	{"guard.Mutex: Lock(ctx), task.Sleep while held", asyncMutex},
	{"sync.Mutex: Lock, time.Sleep while held", syncMutexBlocking},
	{"sync.Mutex held briefly, task.Sleep after", syncMutexBrief},
}

// mutexRun is what one variant measured.
type mutexRun struct {
	sections float64 // critical sections per second, all lockers together
	waits    Stat    // probe waits for a slot, ns
	reports  int     // blocking detector reports
}

func runVariant(ctx context.Context, v mutexVariant, lockers int, hold, window, interval time.Duration) (mutexRun, error) {
	var reports atomic.Int64
	r, err := rt.New(rt.Workers(2), rt.Name("lab-mutex"),
		rt.Logger(slog.New(slog.DiscardHandler)),
		rt.OnBlocking(func(rt.BlockingReport) { reports.Add(1) }))
	if err != nil {
		return mutexRun{}, err
	}
	lock := v.make()
	var stop atomic.Bool
	ts := make([]*task.Task[int], lockers)
	start := time.Now()
	for i := range ts {
		ts[i] = rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return lock(ctx, hold, &stop) })
	}
	waits, perr := probe(ctx, r, window, interval, func() { stop.Store(true) })
	counts, lerr := task.All(context.Background(), ts...)
	elapsed := time.Since(start)
	if err := r.Shutdown(ctx); err != nil {
		return mutexRun{}, err
	}
	if perr != nil {
		return mutexRun{}, perr
	}
	if lerr != nil {
		return mutexRun{}, lerr
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	return mutexRun{sections: float64(total) / elapsed.Seconds(), waits: summarizeWaits(waits), reports: int(reports.Load())}, nil
}

func runMutex(ctx context.Context, e *env) (*Result, error) {
	window := pick(e.size, 150*time.Millisecond, 400*time.Millisecond, time.Second)
	return measureMutex(ctx, e, 4, 2*time.Millisecond, window, time.Millisecond)
}

func measureMutex(ctx context.Context, e *env, lockers int, hold, window, interval time.Duration) (*Result, error) {
	res := &Result{}
	st := e.steps(len(mutexVariants))
	runs := make([]mutexRun, len(mutexVariants))
	for i, v := range mutexVariants {
		mr, err := runVariant(ctx, v, lockers, hold, window, interval)
		if err != nil {
			return res, fmt.Errorf("%s: %w", v.name, err)
		}
		runs[i] = mr
		res.metric("mutex/"+v.name+"/sections", "sections/s", summarize([]float64{mr.sections}))
		res.metric("mutex/"+v.name+"/probe-wait", "ns", mr.waits)
		st.next()
	}

	t := Table{Title: fmt.Sprintf("%d tasks share a lock on a 2-slot runtime for %s, each holding it across %s; a probe every %s",
		lockers, fmtNS(float64(window)), fmtNS(float64(hold)), fmtNS(float64(interval))),
		Columns: []string{"lock", "sections/s", "probe wait median", "p99", "max", "detector reports"}}
	ch := Chart{Title: "how long a probe waited for a slot", Kind: "bar", XName: "lock", YName: "ms", LogY: true}
	med, p99 := Series{Name: "median"}, Series{Name: "p99"}
	for i, v := range mutexVariants {
		mr := runs[i]
		t.Rows = append(t.Rows, []string{v.name, sig(mr.sections), fmtNS(mr.waits.Median), fmtNS(mr.waits.P99), fmtNS(mr.waits.Max), fmtCount(mr.reports)})
		ch.X = append(ch.X, v.name)
		med.Values = append(med.Values, mr.waits.Median/1e6)
		p99.Values = append(p99.Values, mr.waits.P99/1e6)
	}
	ch.Series = []Series{med, p99}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)
	res.note("Not run: sync.Mutex held across task.Sleep. On a runtime it can deadlock: the holder parks and gives " +
		"its slot back, waiters take every slot and block in Lock, and the holder never gets a slot back to unlock. " +
		"That is why tokio's docs warn against holding a std Mutex guard across .await.")

	res.Claims = append(res.Claims, mutexClaims(runs[0].waits, runs[1].waits, runs[2].waits)...)
	return res, nil
}

// mutexClaims checks "Use tokio::sync::Mutex for async contexts" and "OK if
// lock is held briefly" from the probes' waits under the async mutex
// (async), sync.Mutex held across time.Sleep (blocking) and sync.Mutex
// held briefly (brief). The first holds when blocking's p99 is at least
// 10x async's; the second when brief's p99 stays under 1 ms or within 3x
// of async's.
func mutexClaims(async, blocking, brief Stat) []Claim {
	c := Claim{
		Quote:    "Use tokio::sync::Mutex for async contexts",
		Measured: fmt.Sprintf("others' p99 wait: %s vs %s sync", fmtNS(async.P99), fmtNS(blocking.P99)),
		// The deciding figure is the ratio of the two p99s (each one p99 of
		// many waits: no repetitions, no spread); both are in the metrics.
		Median: blocking.P99 / async.P99, Spread: math.NaN(), Unit: "x",
	}
	switch r := blocking.P99 / async.P99; {
	case !measured(async.P99, blocking.P99):
		c.notMeasured()
	case round3(r) >= 10: // as shown
		c.Verdict, c.Holds = fmt.Sprintf("holds: sync.Mutex: %s longer", fmtX(r)), true
	default:
		c.Verdict = fmt.Sprintf("not clear here: sync.Mutex: %s longer", fmtX(r))
	}
	b := Claim{
		Quote:    "OK if lock is held briefly…",
		Measured: fmt.Sprintf("others' p99 wait: %s", fmtNS(brief.P99)),
		Median:   brief.P99, Spread: math.NaN(), Unit: "ns",
	}
	switch {
	case !measured(async.P99) || !(brief.P99 >= 0) || math.IsInf(brief.P99, 0):
		// A brief p99 of 0 is no wait at all, which the claim allows.
		b.notMeasured()
	case round3(brief.P99/max(3*async.P99, float64(time.Millisecond))) <= 1:
		b.Verdict, b.Holds = "holds", true
	default:
		b.Verdict = fmt.Sprintf("not here: other tasks waited %s", fmtNS(brief.P99))
	}
	return []Claim{c, b}
}
