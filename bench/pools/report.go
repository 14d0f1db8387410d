package pools

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spool-go/spool/internal/stats"
)

// Result is every sample of one peer on one spec.
type Result struct {
	Peer    string
	Spec    Spec
	Samples []Sample
	Err     string // the first failure, if a run failed
}

// Summary is the median, min and max of a result's samples.
type Summary struct {
	Time                stats.Summary // elapsed seconds
	TPS                 stats.Summary // tasks per second
	BytesPer, AllocsPer float64       // medians, per task
	PeakRSS             float64       // median, bytes
	GCs                 float64       // median collections per run
	// FirstWave and WaveGap are medians over the runs (seconds) of when
	// the first wave of a Sleep spec had started (Sample.Waves[0]) and of
	// the mean time between the starts of later waves; HasWaves says
	// whether the samples carry waves.
	FirstWave, WaveGap   float64
	HasWaves             bool
	Runs                 int
	HasSamples, HasError bool
}

// Summarize summarises r's samples.
func (r Result) Summarize() Summary {
	var t, tps, b, a, rss, gc, first, gap []float64
	for _, s := range r.Samples {
		if n := len(s.Waves); n > 0 {
			first = append(first, s.Waves[0].Seconds())
			if n > 1 {
				gap = append(gap, (s.Waves[n-1]-s.Waves[0]).Seconds()/float64(n-1))
			}
		}
		t = append(t, s.Elapsed.Seconds())
		tps = append(tps, s.TasksPerSec())
		n := float64(max(s.Tasks, 1))
		b = append(b, float64(s.AllocBytes)/n)
		a = append(a, float64(s.Allocs)/n)
		rss = append(rss, float64(s.PeakRSS))
		gc = append(gc, float64(s.GCs))
	}
	return Summary{
		Time: stats.Summarize(t), TPS: stats.Summarize(tps),
		BytesPer: stats.Summarize(b).Median, AllocsPer: stats.Summarize(a).Median,
		PeakRSS: stats.Summarize(rss).Median, GCs: stats.Summarize(gc).Median,
		FirstWave: stats.Summarize(first).Median, WaveGap: stats.Summarize(gap).Median,
		HasWaves: len(gap) > 0,
		Runs:     len(r.Samples), HasSamples: len(r.Samples) > 0, HasError: r.Err != "",
	}
}

// Env describes the machine and the run, for the report's header.
type Env struct {
	Date      time.Time
	GoVersion string
	CPU       string
	NumCPU    int
	Procs     int // GOMAXPROCS of every run
	Rounds    int // Spin rounds per ~1 µs task
	Runs      int // runs per peer and spec
	Command   string
	LoadStart string // uptime before
	LoadEnd   string // uptime after
	Took      time.Duration
}

// Target is one of the performance goals for spool, evaluated on a run.
type Target struct {
	Goal     string  // what is wanted, in words
	Where    string  // which workload and limit
	Ratio    float64 // the measured ratio the goal is about
	Want     string  // the bound on Ratio, e.g. ">= 3"
	Met      bool
	Measured bool // false if a needed result is missing
	// Floor is the same ratio for the channel floor, the hand-written
	// executor, in place of the pool: how far code with none of the
	// pool's features got on the same machine in the same run. It says
	// whether a missed target is the pool's cost or the machine's.
	// FloorMeasured is false where it does not apply or a result is
	// missing.
	Floor         float64
	FloorMeasured bool
}

// peerSet are the third-party executors and raw goroutines: the "peers"
// the RSS target compares with (the floors and spool are not peers).
var peerSet = []string{Goroutines, Errgroup, Ants, Pond, Conc}

type index map[string]Summary

func key(peer string, s Spec) string { return peer + "|" + s.Name + "|" + fmt.Sprint(s.Limit) }

func indexOf(results []Result) index {
	ix := index{}
	for _, r := range results {
		if sm := r.Summarize(); sm.HasSamples && !sm.HasError {
			ix[key(r.Peer, r.Spec)] = sm
		}
	}
	return ix
}

// Targets evaluates issue 4's targets for spool's pool and issue 2's
// target for task.Group on results. procs is the runs' GOMAXPROCS.
func Targets(results []Result, procs int) []Target {
	ix := indexOf(results)
	specs := uniqueSpecs(results)
	var ts []Target
	get := func(peer string, s Spec) (Summary, bool) { sm, ok := ix[key(peer, s)]; return sm, ok }
	ratio := func(goal, want string, s Spec, a, b string, f func(x, y Summary) float64, ok func(float64) bool) {
		t := Target{Goal: goal, Where: where(s), Want: want}
		x, okx := get(a, s)
		y, oky := get(b, s)
		if okx && oky {
			t.Measured, t.Ratio = true, f(x, y)
			t.Met = ok(t.Ratio)
		}
		if fl, okf := get(Floor, s); okf && oky && a == Pool && b != Floor {
			t.FloorMeasured, t.Floor = true, f(fl, y)
		}
		ts = append(ts, t)
	}
	tpsRatio := func(x, y Summary) float64 { return x.TPS.Median / y.TPS.Median }
	timeRatio := func(x, y Summary) float64 { return x.Time.Median / y.Time.Median }
	for _, s := range specs {
		if s.Work == Noop && !s.Await {
			ratio("pool.Go throughput >= 3x pond's (pool/pond tasks/s)", ">= 3", s, Pool, Pond, tpsRatio,
				func(r float64) bool { return r >= 3 })
			ratio("pool.Go within 1.2x of the channel floor (pool/floor time)", "<= 1.2", s, Pool, Floor, timeRatio,
				func(r float64) bool { return r <= 1.2 })
		}
	}
	for _, s := range specs {
		if s.Work != Spin {
			continue
		}
		t := Target{Goal: "1 µs tasks within 1.1x of serial time / cores (pool time / (serial/GOMAXPROCS))",
			Where: where(s), Want: "<= 1.1"}
		ser := s
		ser.Limit = serialLimit(results, s.Name)
		x, okx := get(Pool, s)
		y, oky := get(Serial, ser)
		if okx && oky && procs > 0 {
			t.Measured = true
			t.Ratio = x.Time.Median / (y.Time.Median / float64(procs))
			t.Met = t.Ratio <= 1.1
		}
		if fl, okf := get(Floor, s); okf && oky && procs > 0 {
			t.FloorMeasured, t.Floor = true, fl.Time.Median/(y.Time.Median/float64(procs))
		}
		ts = append(ts, t)
	}
	for _, s := range specs {
		if s.Work != Sleep || s.Limit < 10_000 {
			continue
		}
		floor := time.Duration(math.Ceil(float64(s.Tasks)/float64(s.Limit))) * s.Sleep
		t := Target{Goal: fmt.Sprintf("sleeps within 1.1x of the %v floor (pool time / floor)", floor),
			Where: where(s), Want: "<= 1.1"}
		if x, ok := get(Pool, s); ok {
			t.Measured = true
			t.Ratio = x.Time.Median / floor.Seconds()
			t.Met = t.Ratio <= 1.1
		}
		if fl, ok := get(Floor, s); ok {
			t.FloorMeasured, t.Floor = true, fl.Time.Median/floor.Seconds()
		}
		ts = append(ts, t)
	}
	for _, s := range specs {
		if s.Await {
			ratio("pool.Submit+Await >= 2x pond's Submit().Wait() (pool/pond tasks/s)", ">= 2", s, Pool, Pond,
				tpsRatio, func(r float64) bool { return r >= 2 })
		}
	}
	for _, s := range specs {
		t := Target{Goal: "pool peak RSS <= the lowest peer's (pool / min of goroutines, errgroup, ants, pond, conc)",
			Where: where(s), Want: "<= 1"}
		x, okx := get(Pool, s)
		low := math.Inf(1)
		for _, p := range peerSet {
			if y, ok := get(p, s); ok {
				low = min(low, y.PeakRSS)
			}
		}
		if okx && !math.IsInf(low, 1) && low > 0 {
			t.Measured = true
			t.Ratio = x.PeakRSS / low
			t.Met = t.Ratio <= 1
		}
		if fl, ok := get(Floor, s); ok && !math.IsInf(low, 1) && low > 0 {
			t.FloorMeasured, t.Floor = true, fl.PeakRSS/low
		}
		ts = append(ts, t)
	}
	for _, s := range specs {
		if s.Name == WNoop && (s.Limit == 100 || s.Limit == 10_000) {
			ratio("task.Group faster than errgroup with SetLimit (group/errgroup tasks/s; issue 2)", "> 1", s,
				Group, Errgroup, tpsRatio, func(r float64) bool { return r > 1 })
		}
	}
	return ts
}

// serialLimit is the limit at which the serial peer ran workload name.
func serialLimit(results []Result, name string) int {
	for _, r := range results {
		if r.Peer == Serial && r.Spec.Name == name {
			return r.Spec.Limit
		}
	}
	return 0
}

func where(s Spec) string {
	if s.Subs > 1 {
		return fmt.Sprintf("%s, limit %s, %d submitters", s.Name, count(s.Limit), s.Subs)
	}
	return fmt.Sprintf("%s, limit %s", s.Name, count(s.Limit))
}

// uniqueSpecs lists the specs of results in first-seen order, one per
// workload and limit.
func uniqueSpecs(results []Result) []Spec {
	var out []Spec
	seen := map[string]bool{}
	for _, r := range results {
		if r.Peer == Serial {
			continue
		}
		k := key("", r.Spec)
		if !seen[k] {
			seen[k] = true
			out = append(out, r.Spec)
		}
	}
	return out
}

// Report writes the markdown report: the header, one table per workload,
// then the targets.
func Report(w io.Writer, env Env, results []Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# spool vs its peers: executors\n\n")
	fmt.Fprintf(&b, "Generated by `%s` on %s.\n\n", env.Command, env.Date.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Go: %s; CPU: %s; NumCPU %d; GOMAXPROCS %d\n", env.GoVersion, env.CPU, env.NumCPU, env.Procs)
	fmt.Fprintf(&b, "- %d runs per cell, each in a fresh process, interleaved (run 1 of every cell, then run 2, ...); whole run took %v\n",
		env.Runs, env.Took.Round(time.Second))
	fmt.Fprintf(&b, "- spin task: %d rounds of workload.Spin (calibrated to ~1 µs once, the same for every run)\n", env.Rounds)
	fmt.Fprintf(&b, "- load before: `%s`\n- load after: `%s`\n\n", env.LoadStart, env.LoadEnd)
	b.WriteString("Times cover making the executor, submitting every task, waiting for all of them and shutting down. " +
		"tasks/s is the median with (min-max); B and allocs per task are medians of runtime.MemStats " +
		"TotalAlloc and Mallocs growth divided by the task count; peak RSS is the median VmHWM of the process. " +
		"\"x floor\" is the time relative to the channel floor (N workers over a buffered channel) at the same limit; " +
		"goroutines and serial ignore the limit.\n\n")

	b.WriteString("## Targets\n\n\"floor's ratio\" is the same ratio for the channel floor in the pool's place: " +
		"what hand-written code with none of the pool's features reached in the same run. " +
		"Where it misses the target too, the bound is the machine's, not the pool's.\n\n")
	b.WriteString("| target | where | ratio | floor's ratio | want | verdict |\n|---|---|---:|---:|---|---|\n")
	for _, t := range Targets(results, env.Procs) {
		verdict, ratio, fl := "not measured", "-", "-"
		if t.Measured {
			ratio = fmt.Sprintf("%.2f", t.Ratio)
			verdict = "not met"
			if t.Met {
				verdict = "met"
			}
		}
		if t.FloorMeasured {
			fl = fmt.Sprintf("%.2f", t.Floor)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", t.Goal, t.Where, ratio, fl, t.Want, verdict)
	}
	b.WriteString("\n")

	peersDoc := map[string]string{}
	for _, p := range peers {
		peersDoc[p.Name] = p.API
	}
	ix := indexOf(results)
	var names []string
	for _, r := range results {
		if !slices.Contains(names, r.Spec.Name) {
			names = append(names, r.Spec.Name)
		}
	}
	for _, name := range names {
		var rs []Result
		for _, r := range results {
			if r.Spec.Name == name {
				rs = append(rs, r)
			}
		}
		s0 := rs[0].Spec
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", name, describe(s0))
		b.WriteString("| limit | peer | tasks/s (min-max) | time | x floor | B/task | allocs/task | GCs | peak RSS |\n")
		b.WriteString("|---:|---|---|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range rs {
			lim := count(r.Spec.Limit)
			if r.Peer == Serial || r.Peer == Goroutines {
				lim = "-"
			}
			sm := r.Summarize()
			if !sm.HasSamples || sm.HasError {
				fmt.Fprintf(&b, "| %s | %s | error: %s | | | | | | |\n", lim, r.Peer, oneLine(r.Err))
				continue
			}
			xf := "-"
			if f, ok := ix[key(Floor, r.Spec)]; ok && r.Peer != Serial {
				xf = fmt.Sprintf("%.2f", sm.Time.Median/f.Time.Median)
			}
			fmt.Fprintf(&b, "| %s | %s | %s (%s-%s) | %s | %s | %.0f | %.2f | %.0f | %s |\n",
				lim, r.Peer, rate(sm.TPS.Median), rate(sm.TPS.Min), rate(sm.TPS.Max),
				dur(sm.Time.Median), xf, sm.BytesPer, sm.AllocsPer, sm.GCs, mib(sm.PeakRSS))
		}
		b.WriteString("\n")
		waves(&b, rs)
	}
	b.WriteString("## Peers\n\n| peer | calls |\n|---|---|\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "| %s | %s |\n", p.Name, strings.ReplaceAll(p.API, "|", "\\|"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// waves writes the wave table of a Sleep workload's results, if they
// carry waves: when the first wave of limit tasks had started, and how far
// apart the later waves started, against the sleep itself.
func waves(b *strings.Builder, rs []Result) {
	var rows []string
	for _, r := range rs {
		sm := r.Summarize()
		if !sm.HasWaves || sm.HasError || r.Peer == Goroutines {
			continue
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %.2f |\n", count(r.Spec.Limit), r.Peer,
			dur(sm.FirstWave), dur(sm.WaveGap), sm.WaveGap/r.Spec.Sleep.Seconds()))
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "Waves: every slot sleeps, so tasks start in waves of the limit. \"first wave\" is when "+
		"the limit-th task had started; \"wave gap\" the mean time between the starts of later waves "+
		"(the limit-th, 2·limit-th, ... task), against the %v sleep: what the executor and the timers add to each task. "+
		"Medians over the runs.\n\n", rs[0].Spec.Sleep)
	b.WriteString("| limit | peer | first wave | wave gap | gap / sleep |\n|---:|---|---:|---:|---:|\n")
	for _, row := range rows {
		b.WriteString(row)
	}
	b.WriteString("\n")
}

func describe(s Spec) string {
	var what string
	switch s.Work {
	case Noop:
		what = "no-op tasks"
	case Spin:
		what = fmt.Sprintf("CPU tasks of ~1 µs (%d Spin rounds)", s.Rounds)
	case Sleep:
		what = fmt.Sprintf("tasks that sleep %v", s.Sleep)
	}
	d := fmt.Sprintf("%s %s", count(s.Tasks), what)
	if s.Subs > 1 {
		d = fmt.Sprintf("%d submitting goroutines x %s %s", s.Subs, count(s.Tasks/s.Subs), what)
	}
	if s.Await {
		d += "; each submitter waits for each task's handle before submitting the next " +
			"(pool.Submit(...).Await, pond Submit().Wait(), g.Go(...).Await; goroutines: go + 1-buffered channel; " +
			"floor: a job carrying a channel the worker closes)"
	}
	return d + "."
}

func count(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func rate(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func dur(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

func mib(b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", b/(1<<20))
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
