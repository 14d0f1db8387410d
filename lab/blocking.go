package lab

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var blockingExperiment = Experiment{
	Name:  "blocking",
	Title: "the blocking pitfall: time.Sleep on a 2-slot runtime vs SpawnBlocking",
	About: "A runtime with 2 worker slots runs a short probe task every millisecond and records how long " +
		"each waited for a slot. Meanwhile one or two tasks wait too: with time.Sleep, which holds the " +
		"slot (the chapter's bad_example, std::thread::sleep in async code), through rt.SpawnBlocking " +
		"(spawn_blocking: the wait runs outside the slots), or with task.Sleep, an await point that " +
		"gives the slot back (good_example). The runtime's blocking detector reports the offenders.",
	estimate: [3]time.Duration{Default: 2000 * time.Millisecond, Quick: 800 * time.Millisecond, Full: 5000 * time.Millisecond},
	run:      runBlocking,
}

// blocker starts one task on r that waits for hold in some way.
type blocker func(ctx context.Context, r *rt.Runtime, hold time.Duration) *task.Task[struct{}]

// badExample blocks its worker slot: time.Sleep is not an await point.
func badExample(ctx context.Context, r *rt.Runtime, hold time.Duration) *task.Task[struct{}] {
	return rt.Spawn(r, ctx, func(context.Context) (struct{}, error) {
		time.Sleep(hold)
		return struct{}{}, nil
	}, rt.TaskName("bad_example"))
}

// blockingWork moves the blocking call to the blocking pool.
func blockingWork(ctx context.Context, r *rt.Runtime, hold time.Duration) *task.Task[struct{}] {
	return rt.SpawnBlocking(r, ctx, func(context.Context) (struct{}, error) {
		time.Sleep(hold)
		return struct{}{}, nil
	}, rt.TaskName("blocking_work"))
}

// goodExample waits at an await point, which gives the slot back.
func goodExample(ctx context.Context, r *rt.Runtime, hold time.Duration) *task.Task[struct{}] {
	return rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, task.Sleep(ctx, hold)
	}, rt.TaskName("good_example"))
}

type blockScenario struct {
	name     string
	blockers int
	start    blocker
}

// blockScenarios are the blocking experiment's scenarios, in the order its
// table shows them; the claim reads the ones at idleRun, blockedRun and
// awaitedRun.
var blockScenarios = []blockScenario{
	{"no other task", 0, nil},
	{"1 task: time.Sleep (bad_example)", 1, badExample},
	{"2 tasks: time.Sleep (bad_example)", 2, badExample},
	{"2 tasks: rt.SpawnBlocking + time.Sleep", 2, blockingWork},
	{"2 tasks: task.Sleep (good_example)", 2, goodExample},
}

// Where blockingClaim's figures are in blockScenarios.
const (
	idleRun    = 0 // no other task
	blockedRun = 2 // two time.Sleeps hold both slots: bad_example
	awaitedRun = 4 // two task.Sleeps, the await point: good_example
)

// blockRun is what one scenario measured.
type blockRun struct {
	waits   Stat
	reports []rt.BlockingReport
}

// runScenario runs one scenario on a fresh 2-slot runtime.
func runScenario(ctx context.Context, sc blockScenario, hold, threshold, interval time.Duration) (blockRun, error) {
	var mu sync.Mutex
	var reports []rt.BlockingReport
	r, err := rt.New(rt.Workers(2), rt.Name("lab"), rt.DetectBlocking(threshold),
		rt.Logger(slog.New(slog.DiscardHandler)), // the lab shows the reports itself
		rt.OnBlocking(func(b rt.BlockingReport) { mu.Lock(); reports = append(reports, b); mu.Unlock() }))
	if err != nil {
		return blockRun{}, err
	}

	blockers := make([]*task.Task[struct{}], sc.blockers)
	for i := range blockers {
		blockers[i] = sc.start(ctx, r, hold)
	}
	waits, perr := probe(ctx, r, hold, interval, nil) // the blockers end by themselves
	_, berr := task.All(context.Background(), blockers...)
	if err := r.Shutdown(ctx); err != nil {
		return blockRun{}, err
	}
	if perr != nil {
		return blockRun{}, perr
	}
	if berr != nil {
		return blockRun{}, berr
	}
	mu.Lock()
	defer mu.Unlock()
	return blockRun{waits: summarizeWaits(waits), reports: reports}, nil
}

func runBlocking(ctx context.Context, e *env) (*Result, error) {
	hold := pick(e.size, 150*time.Millisecond, 400*time.Millisecond, time.Second)
	threshold := pick(e.size, 40*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond)
	return measureBlocking(ctx, e, hold, threshold, time.Millisecond)
}

func measureBlocking(ctx context.Context, e *env, hold, threshold, interval time.Duration) (*Result, error) {
	res := &Result{}
	st := e.steps(len(blockScenarios))
	runs := make([]blockRun, len(blockScenarios))
	for i, sc := range blockScenarios {
		br, err := runScenario(ctx, sc, hold, threshold, interval)
		if err != nil {
			return res, fmt.Errorf("%s: %w", sc.name, err)
		}
		runs[i] = br
		res.metric("blocking/"+sc.name+"/probe-wait", "ns", br.waits)
		st.next()
	}

	t := Table{Title: fmt.Sprintf("how long a short task waited for a slot, while other tasks wait %s (a probe every %s)", fmtNS(float64(hold)), fmtNS(float64(interval))),
		Columns: []string{"meanwhile", "median", "p99", "max", "probes", "detector reports"}}
	ch := Chart{Title: "how long a probe waited for a slot", Kind: "bar", XName: "meanwhile", YName: "ms", LogY: true}
	p99 := Series{Name: "p99"}
	med := Series{Name: "median"}
	for i, sc := range blockScenarios {
		w := runs[i].waits
		t.Rows = append(t.Rows, []string{sc.name, fmtNS(w.Median), fmtNS(w.P99), fmtNS(w.Max), fmtCount(w.N), fmtCount(len(runs[i].reports))})
		ch.X = append(ch.X, sc.name)
		med.Values = append(med.Values, w.Median/1e6)
		p99.Values = append(p99.Values, w.P99/1e6)
	}
	ch.Series = []Series{med, p99}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	for _, br := range runs {
		if len(br.reports) > 0 {
			res.note("The detector's report (rt.OnBlocking; it also goes to slog): " + br.reports[0].String())
			if f := topFrame(br.reports[0].Stack); f != "" {
				res.note("It points at " + f)
			}
			break
		}
	}
	res.note("Plain goroutines have no such pitfall: a goroutine in time.Sleep is parked by Go's scheduler and holds " +
		"no thread. The pitfall comes with any fixed budget of workers (a runtime's slots, a pool's workers) that a " +
		"blocking call keeps busy.")

	res.Claims = append(res.Claims, blockingClaim(runs[idleRun].waits, runs[blockedRun].waits, runs[awaitedRun].waits))
	return res, nil
}

// blockingClaim checks "Never block the async runtime" from the waits of
// the probes with no other task (idle), while two tasks block both slots
// with time.Sleep (blocked: the chapter's bad_example), and while they
// wait the same time with task.Sleep (awaited: good_example, an await
// point, the chapter's cure). It holds when blocking makes the p99 wait
// at least 10x the idle one and the await point brings it back under a
// tenth of the blocked one. (rt.SpawnBlocking, the chapter's other cure,
// is in the table, not in the claim.)
func blockingClaim(idle, blocked, awaited Stat) Claim {
	ratio := blocked.P99 / idle.P99
	c := Claim{
		Quote:    "Never block the async runtime",
		Measured: fmt.Sprintf("others' p99 wait: %s vs %s idle, %s with task.Sleep", fmtNS(blocked.P99), fmtNS(idle.P99), fmtNS(awaited.P99)),
		// The deciding figure is the ratio of the two p99s (each one p99 of
		// many waits: no repetitions, no spread); all three are in the
		// metrics.
		Median: ratio, Spread: math.NaN(), Unit: "x",
	}
	switch {
	case !measured(idle.P99, blocked.P99, awaited.P99):
		c.notMeasured()
	case round3(ratio) >= 10 && round3(blocked.P99/awaited.P99) > 10: // the ratios as shown
		c.Verdict, c.Holds = fmt.Sprintf("holds: %s longer waits", fmtX(ratio)), true
	case round3(ratio) >= 10:
		c.Verdict = fmt.Sprintf("not clear here: blocking made the p99 %s, but task.Sleep's, %s, is not under a tenth of it", fmtX(ratio), fmtNS(awaited.P99))
	default:
		c.Verdict = fmt.Sprintf("not clear here: blocking made the p99 %s", fmtX(ratio))
	}
	return c
}

// topFrame returns the first function in stack that belongs to the lab
// (where the blocking call is), as "function (file:line)".
func topFrame(stack string) string {
	lines := strings.Split(stack, "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		if strings.Contains(fn, "/lab.") && !strings.HasPrefix(fn, "goroutine") {
			loc := strings.TrimSpace(lines[i+1])
			if j := strings.LastIndex(loc, " +0x"); j > 0 {
				loc = loc[:j]
			}
			if j := strings.LastIndex(loc, "/"); j > 0 {
				loc = loc[j+1:]
			}
			if k := strings.Index(fn, "("); k > 0 {
				fn = fn[:k]
			}
			if j := strings.LastIndex(fn, "/"); j > 0 {
				fn = fn[j+1:]
			}
			return fmt.Sprintf("%s (%s)", fn, loc)
		}
	}
	return ""
}
