package lab

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var ioExperiment = Experiment{
	Name:  "io",
	Title: "I/O-bound scaling: N tasks that each wait 10 ms",
	About: "N tasks that each wait 10 ms (task.Sleep, standing in for a network call), on the pool " +
		"with GOMAXPROCS workers (the threads model: a worker waits with its task, so N tasks take " +
		"N/workers x 10 ms), on the runtime with GOMAXPROCS slots (a task gives its slot back while it " +
		"waits, so all N wait together: ~10 ms), and on plain goroutines: the chapter's \"Best for\" row.",
	estimate: [3]time.Duration{Default: 2000 * time.Millisecond, Quick: 500 * time.Millisecond, Full: 20000 * time.Millisecond},
	run:      runIO,
}

// ioRunner runs n tasks that each wait d, and returns when all are done.
type ioRunner struct {
	name    string
	workers int // > 0: the expected time is ceil(n/workers) x d
	run     func(ctx context.Context, n int, d time.Duration) error
}

// ioGoroutines: one goroutine per wait. Go parks each one on its timer.
func ioGoroutines(ctx context.Context, n int, d time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = task.Sleep(ctx, d) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ioPool: the threads model. Each worker runs one task at a time and
// waits with it, so the pool finishes n waits in ceil(n/workers) rounds.
func ioPool(ctx context.Context, n int, d time.Duration) error {
	p, err := pool.New(poolWorkers(), pool.Name("lab-io"))
	if err != nil {
		return err
	}
	defer p.Close()
	ts := make([]*task.Task[struct{}], n)
	for i := range ts {
		ts[i] = pool.Submit(ctx, p, func(ctx context.Context) (struct{}, error) { return struct{}{}, task.Sleep(ctx, d) })
	}
	_, err = task.All(ctx, ts...)
	return err
}

// ioRuntime: the async model. task.Sleep is an await point: the task gives
// its slot back while it waits, so every task waits at the same time.
func ioRuntime(ctx context.Context, n int, d time.Duration) error {
	r, err := rt.New(rt.Workers(poolWorkers()), rt.Name("lab-io"), rt.DetectBlocking(0))
	if err != nil {
		return err
	}
	defer r.Shutdown(context.Background())
	ts := make([]*task.Task[struct{}], n)
	for i := range ts {
		ts[i] = rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, task.Sleep(ctx, d) })
	}
	_, err = task.All(ctx, ts...)
	return err
}

func ioRunners() []ioRunner {
	return []ioRunner{
		{name: "pool", workers: poolWorkers(), run: ioPool},
		{name: "runtime", run: ioRuntime},
		{name: "goroutines", run: ioGoroutines},
	}
}

func runIO(ctx context.Context, e *env) (*Result, error) {
	ns := pick(e.size, []int{10, 50}, []int{10, 100, 1000}, []int{10, 100, 1000, 10000})
	reps := pick(e.size, 2, 3, 5)
	limit := pick(e.size, 150*time.Millisecond, 600*time.Millisecond, 6*time.Second)
	return measureIO(ctx, e, ns, 10*time.Millisecond, reps, limit)
}

// measureIO skips a run whose expected time is over limit.
func measureIO(ctx context.Context, e *env, ns []int, d time.Duration, reps int, limit time.Duration) (*Result, error) {
	res := &Result{}
	runners := ioRunners()
	st := e.steps(len(runners) * len(ns))
	expect := func(rn ioRunner, n int) time.Duration {
		if rn.workers > 0 {
			return time.Duration((n+rn.workers-1)/rn.workers) * d
		}
		return d
	}
	got := make([][]Stat, len(runners))
	for r, rn := range runners {
		got[r] = make([]Stat, len(ns))
		for i, n := range ns {
			st.next()
			if expect(rn, n) > limit {
				got[r][i] = Stat{Median: math.NaN()}
				continue
			}
			s, err := sample(ctx, reps, func() (float64, error) {
				return timeIt(1, func() error { return rn.run(ctx, n, d) })
			})
			if err != nil {
				return res, fmt.Errorf("%s, %d tasks: %w", rn.name, n, err)
			}
			got[r][i] = res.metric(fmt.Sprintf("io/%s/%d", rn.name, n), "ns", s)
		}
	}

	cols := []string{"tasks"}
	for _, rn := range runners {
		cols = append(cols, rn.name)
	}
	t := Table{Title: fmt.Sprintf("wall time for N tasks that each wait %s (expected in brackets)", fmtNS(float64(d))), Columns: cols}
	ch := Chart{Title: fmt.Sprintf("N tasks that each wait %s", fmtNS(float64(d))), Kind: "line", XName: "tasks", YName: "wall time (ms)", LogY: true}
	for _, n := range ns {
		ch.X = append(ch.X, strconv.Itoa(n))
	}
	for i, n := range ns {
		row := []string{fmtCount(n)}
		for r, rn := range runners {
			cell := "not run (" + fmtNS(float64(expect(rn, n))) + ")"
			if !math.IsNaN(got[r][i].Median) {
				cell = fmt.Sprintf("%s (%s)", fmtNS(got[r][i].Median), fmtNS(float64(expect(rn, n))))
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	for r, rn := range runners {
		s := Series{Name: rn.name}
		for i := range ns {
			s.Values = append(s.Values, got[r][i].Median/1e6)
		}
		ch.Series = append(ch.Series, s)
	}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)
	res.note(fmt.Sprintf("\"not run\" marks runs that would take longer than %s; their expected time is in brackets.", fmtNS(float64(limit))))

	res.Claims = append(res.Claims, ioClaim(runners, got, ns))
	return res, nil
}

// ioClaim checks "async is best for I/O-bound work" at the largest N that
// both the pool and the runtime ran.
func ioClaim(runners []ioRunner, got [][]Stat, ns []int) Claim {
	find := func(name string) int {
		for r, rn := range runners {
			if rn.name == name {
				return r
			}
		}
		return -1
	}
	c := Claim{Quote: "Async: Best for I/O-bound work", Spread: math.NaN(), Unit: "x"}
	pool, asy := find("pool"), find("runtime")
	label := "runtime"
	if asy < 0 {
		asy, label = find("goroutines"), "goroutines"
	}
	if pool < 0 {
		c.Measured = fmt.Sprintf("%s: %d tasks in %s", label, ns[len(ns)-1], fmtNS(got[asy][len(ns)-1].Median))
		c.Verdict = "pool not available: cannot compare"
		return c
	}
	for i := len(ns) - 1; i >= 0; i-- {
		p, a := got[pool][i], got[asy][i]
		if math.IsNaN(p.Median) || math.IsNaN(a.Median) {
			continue
		}
		ratio := p.Median / a.Median
		c.Median, c.Spread = ratio, ratioSpread(p, a)
		c.Measured = fmt.Sprintf("%s waits: %s %s, pool %s", fmtCount(ns[i]), label, fmtNS(a.Median), fmtNS(p.Median))
		if !measured(p.Median, a.Median) {
			c.notMeasured()
			return c
		}
		if round3(ratio) >= 2 { // as shown: 1.9996x reads "2.00x"
			c.Verdict, c.Holds = fmt.Sprintf("holds: the pool is %s slower", fmtX(ratio)), true
		} else {
			c.Verdict = fmt.Sprintf("not here: the pool takes only %s as long", fmtX(ratio))
		}
		lo, hi := ratioRange(p, a)
		c.checkRange(lo, hi, 2, math.Inf(1), fmtX)
		return c
	}
	c.notMeasured()
	return c
}

// poolWorkers is the size of the pool (and of the runtime) the I/O
// experiment uses: one worker per GOMAXPROCS, as a CPU-sized thread pool
// has. The CPU experiment sizes its own, from 1 to 2x GOMAXPROCS.
func poolWorkers() int { return runtime.GOMAXPROCS(0) }
