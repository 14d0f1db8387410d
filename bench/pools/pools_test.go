package pools_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spool-go/spool/bench/pools"
)

// TestEveryPeerRunsEveryTask runs the whole plan, shrunk, on every peer
// and counts the calls: a peer that returns before its tasks have run, or
// drops one, fails here.
func TestEveryPeerRunsEveryTask(t *testing.T) {
	for _, c := range pools.Plan(runtime.GOMAXPROCS(0), 10, true) {
		for _, name := range c.Peers {
			t.Run(name+"/"+c.Spec.Name+"/"+fmt.Sprint(c.Spec.Limit), func(t *testing.T) {
				p, ok := pools.PeerByName(name)
				if !ok {
					t.Fatalf("PeerByName(%q): not found", name)
				}
				var ran atomic.Int64
				body := c.Spec.Body()
				err := p.Exec(c.Spec, func() { body(); ran.Add(1) })
				if err != nil {
					t.Fatalf("Exec: %v", err)
				}
				if got, want := ran.Load(), int64(c.Spec.Tasks); got != want {
					t.Errorf("tasks run: got %d; want %d", got, want)
				}
			})
		}
	}
}

// TestEveryPeerIsPlanned keeps a peer from being silently left out.
func TestEveryPeerIsPlanned(t *testing.T) {
	planned := map[string]bool{}
	for _, c := range pools.Plan(2, 10, false) {
		for _, p := range c.Peers {
			planned[p] = true
		}
	}
	for _, p := range pools.Peers() {
		if !planned[p.Name] {
			t.Errorf("peer %s: in no case of the plan", p.Name)
		}
	}
}

func TestPlanMatchesTheIssue(t *testing.T) {
	type shape struct {
		tasks, limit, subs int
		await              bool
	}
	want := map[string][]shape{
		pools.WNoop:       {{1_000_000, 2, 1, false}, {1_000_000, 100, 1, false}, {1_000_000, 10_000, 1, false}},
		pools.WSpin:       {{1_000_000, 2, 1, false}, {1_000_000, 100, 1, false}, {1_000_000, 10_000, 1, false}},
		pools.WSleep:      {{100_000, 1_000, 1, false}, {100_000, 10_000, 1, false}},
		pools.WSubmitters: {{1_000_000, 2, 100, false}},
		pools.WAwait:      {{1_000_000, 2, 100, true}},
	}
	got := map[string][]shape{}
	for _, c := range pools.Plan(2, 700, false) {
		s := c.Spec
		got[s.Name] = append(got[s.Name], shape{s.Tasks, s.Limit, s.Subs, s.Await})
		if s.Work == pools.Sleep && s.Sleep != 10*time.Millisecond {
			t.Errorf("%v: sleep %v; want 10ms", s, s.Sleep)
		}
		if s.Work == pools.Spin && s.Rounds != 700 {
			t.Errorf("%v: rounds %d; want 700", s, s.Rounds)
		}
		hasSerial := slices.Contains(c.Peers, pools.Serial)
		wantSerial := (s.Work == pools.Noop || s.Work == pools.Spin) && s.Subs == 1 && s.Limit == 2
		if hasSerial != wantSerial {
			t.Errorf("%v: serial planned %v; want %v", s, hasSerial, wantSerial)
		}
		for _, name := range c.Peers {
			p, _ := pools.PeerByName(name)
			if s.Await && p.Await == nil {
				t.Errorf("%v: planned %s, which has no Await", s, name)
			}
		}
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("workload %s: got %v; want %v", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("workloads: got %d; want %d", len(got), len(want))
	}
}

func TestExecRefuses(t *testing.T) {
	serial, _ := pools.PeerByName(pools.Serial)
	ants, _ := pools.PeerByName(pools.Ants)
	ok := pools.Spec{Name: "x", Work: pools.Noop, Tasks: 10, Limit: 2, Subs: 1}
	with := func(f func(*pools.Spec)) pools.Spec { s := ok; f(&s); return s }
	tests := []struct {
		name    string
		peer    pools.Peer
		spec    pools.Spec
		notAppl bool
	}{
		{"serial with submitters", serial, with(func(s *pools.Spec) { s.Subs = 4 }), true},
		{"serial await", serial, with(func(s *pools.Spec) { s.Await = true }), true},
		{"ants await", ants, with(func(s *pools.Spec) { s.Await = true }), true},
		{"zero limit", ants, with(func(s *pools.Spec) { s.Limit = 0 }), false},
		{"zero submitters", ants, with(func(s *pools.Spec) { s.Subs = 0 }), false},
		{"negative tasks", ants, with(func(s *pools.Spec) { s.Tasks = -1 }), false},
		{"unknown work", ants, with(func(s *pools.Spec) { s.Work = "dance" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.peer.Exec(tt.spec, nil)
			if err == nil {
				t.Fatal("got nil error; want one")
			}
			if got := errors.Is(err, pools.ErrNotApplicable); got != tt.notAppl {
				t.Errorf("errors.Is(%v, ErrNotApplicable): got %v; want %v", err, got, tt.notAppl)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	p, _ := pools.PeerByName(pools.Floor)
	s := pools.Spec{Name: pools.WNoop, Work: pools.Noop, Tasks: 5000, Limit: 2, Subs: 1}
	got, err := pools.Measure(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tasks != 5000 || got.Elapsed <= 0 || got.TasksPerSec() <= 0 {
		t.Errorf("Measure: got %+v; want 5000 tasks in a positive time", got)
	}
	if runtime.GOOS == "linux" && got.PeakRSS <= 0 {
		t.Errorf("PeakRSS on linux: got %d; want > 0", got.PeakRSS)
	}
}

// TestMeasureWaves: a Sleep spec's sample holds when each wave of Limit
// tasks had started, one per wave, in order, none before the sleeps of the
// waves before it could have ended; other specs carry none.
func TestMeasureWaves(t *testing.T) {
	floor, _ := pools.PeerByName(pools.Floor)
	tests := []struct {
		name  string
		spec  pools.Spec
		waves int
	}{
		{"sleep", pools.Spec{Name: pools.WSleep, Work: pools.Sleep, Tasks: 40, Limit: 10, Subs: 1, Sleep: time.Millisecond}, 4},
		{"sleep, partial last wave", pools.Spec{Name: pools.WSleep, Work: pools.Sleep, Tasks: 25, Limit: 10, Subs: 1, Sleep: time.Millisecond}, 2},
		{"noop", pools.Spec{Name: pools.WNoop, Work: pools.Noop, Tasks: 40, Limit: 10, Subs: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pools.Measure(floor, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Waves) != tt.waves {
				t.Fatalf("len(Waves) = %d; want %d", len(got.Waves), tt.waves)
			}
			for k, w := range got.Waves {
				if min := time.Duration(k) * tt.spec.Sleep; w < min || w > got.Elapsed {
					t.Errorf("wave %d started at %v; want between %v and the run's %v", k+1, w, min, got.Elapsed)
				}
			}
		})
	}
}

// TestReportWaves: the sleep section of the report has the waves table,
// with the medians of each peer's first wave and wave gap.
func TestReportWaves(t *testing.T) {
	s := pools.Spec{Name: pools.WSleep, Work: pools.Sleep, Tasks: 300, Limit: 100, Subs: 1, Sleep: 10 * time.Millisecond}
	ms := time.Millisecond
	r := pools.Result{Peer: pools.Pool, Spec: s}
	for _, w := range [][]time.Duration{{2 * ms, 13 * ms, 24 * ms}, {4 * ms, 16 * ms, 28 * ms}, {3 * ms, 14 * ms, 25 * ms}} {
		r.Samples = append(r.Samples, pools.Sample{Tasks: 300, Elapsed: 40 * ms, Waves: w})
	}
	var b strings.Builder
	if err := pools.Report(&b, pools.Env{Runs: 3}, []pools.Result{r}); err != nil {
		t.Fatal(err)
	}
	// first waves 2, 3, 4 ms: median 3; gaps 11, 12, 11 ms: median 11.
	if want := "| 100 | pool | 3ms | 11ms | 1.10 |"; !strings.Contains(b.String(), want) {
		t.Errorf("report lacks the waves row %q:\n%s", want, b.String())
	}
}

// result makes a result of n samples that all took d for 1000 tasks and
// peaked at rss MiB.
func result(peer string, s pools.Spec, d time.Duration, rss int64) pools.Result {
	r := pools.Result{Peer: peer, Spec: s}
	for range 5 {
		r.Samples = append(r.Samples, pools.Sample{Tasks: s.Tasks, Elapsed: d, PeakRSS: rss << 20})
	}
	return r
}

func TestTargets(t *testing.T) {
	noop := pools.Spec{Name: pools.WNoop, Work: pools.Noop, Tasks: 1000, Limit: 100, Subs: 1}
	spin := pools.Spec{Name: pools.WSpin, Work: pools.Spin, Tasks: 1000, Limit: 2, Subs: 1, Rounds: 1}
	sleep := pools.Spec{Name: pools.WSleep, Work: pools.Sleep, Tasks: 100_000, Limit: 10_000, Subs: 1, Sleep: 10 * time.Millisecond}
	await := pools.Spec{Name: pools.WAwait, Work: pools.Noop, Tasks: 1000, Limit: 2, Subs: 10, Await: true}
	ms := time.Millisecond
	results := []pools.Result{
		result(pools.Pool, noop, 10*ms, 10), result(pools.Pond, noop, 40*ms, 12), // 4x pond: met
		result(pools.Floor, noop, 9*ms, 9),                                           // 1.11x floor: met
		result(pools.Group, noop, 20*ms, 11), result(pools.Errgroup, noop, 19*ms, 8), // slower: not met; RSS 10 > 8: not met
		result(pools.Serial, spin, 100*ms, 5), result(pools.Pool, spin, 60*ms, 5), // 60 / (100/2) = 1.2: not met
		result(pools.Floor, spin, 55*ms, 5),                                      // the floor's 1.1
		result(pools.Pool, sleep, 105*ms, 50),                                    // 1.05 of 100ms: met
		result(pools.Pool, await, 10*ms, 5), result(pools.Pond, await, 15*ms, 5), // 1.5x: not met; RSS equal: met
	}
	type verdict struct {
		measured, met bool
		ratio         float64
		floorMeasured bool // the channel floor's own ratio, where it applies
		floor         float64
	}
	want := map[string]verdict{
		"pool.Go throughput|noop, limit 100":               {true, true, 4, true, 40.0 / 9},
		"pool.Go within 1.2x|noop, limit 100":              {true, true, 10.0 / 9, false, 0},
		"1 µs tasks|spin-1us, limit 2":                     {true, false, 1.2, true, 1.1},
		"sleeps within|sleep-10ms, limit 10,000":           {true, true, 1.05, false, 0},
		"pool.Submit+Await|submit-wait, limit 2, 10 subm":  {true, false, 1.5, false, 0},
		"pool peak RSS|noop, limit 100":                    {true, false, 10.0 / 8, true, 9.0 / 8},
		"pool peak RSS|spin-1us, limit 2":                  {false, false, 0, false, 0},
		"pool peak RSS|submit-wait, limit 2, 10 submitter": {true, true, 1, false, 0},
		"task.Group faster|noop, limit 100":                {true, false, 19.0 / 20, false, 0},
	}
	ts := pools.Targets(results, 2)
	for prefix, w := range want {
		goal, where, _ := strings.Cut(prefix, "|")
		i := slices.IndexFunc(ts, func(t pools.Target) bool {
			return strings.HasPrefix(t.Goal, goal) && strings.HasPrefix(t.Where, where)
		})
		if i < 0 {
			t.Errorf("target %q: missing from %+v", prefix, ts)
			continue
		}
		got := ts[i]
		if got.Measured != w.measured || got.Met != w.met || (w.measured && !near(got.Ratio, w.ratio)) {
			t.Errorf("target %q: got measured %v, met %v, ratio %.3f; want %v, %v, %.3f",
				prefix, got.Measured, got.Met, got.Ratio, w.measured, w.met, w.ratio)
		}
		if got.FloorMeasured != w.floorMeasured || (w.floorMeasured && !near(got.Floor, w.floor)) {
			t.Errorf("target %q: got the floor's ratio %v, %.3f; want %v, %.3f",
				prefix, got.FloorMeasured, got.Floor, w.floorMeasured, w.floor)
		}
	}

	var b strings.Builder
	env := pools.Env{Date: time.Now(), GoVersion: runtime.Version(), Procs: 2, Runs: 5, Command: "test"}
	if err := pools.Report(&b, env, append(results, pools.Result{Peer: pools.Ants, Spec: noop, Err: "boom"})); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| 100 | pool | 100.0k (100.0k-100.0k) | 10ms | 1.11 |", "| 100 | ants | error: boom |", "| not met |", "| met |"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, b.String())
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
