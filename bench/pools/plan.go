package pools

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/workload"
)

// What a task does.
const (
	Noop  = "noop"  // returns at once
	Spin  = "spin"  // burns Spec.Rounds rounds of workload.Spin (about 1 µs)
	Sleep = "sleep" // time.Sleep(Spec.Sleep)
)

// Workload names, the rows of the report.
const (
	WNoop       = "noop"        // 1,000,000 no-op tasks from one submitter
	WSpin       = "spin-1us"    // 1,000,000 ~1 µs CPU tasks from one submitter
	WSleep      = "sleep-10ms"  // 100,000 tasks of a 10 ms sleep
	WSubmitters = "submitters"  // 100 submitters x 10,000 no-op tasks
	WAwait      = "submit-wait" // 100 submitters x 10,000 no-ops, each awaited
)

// Spec is one workload at one limit.
type Spec struct {
	Name   string        // workload name, one of the W constants
	Work   string        // Noop, Spin or Sleep
	Tasks  int           // how many tasks in all
	Limit  int           // how many may run at once
	Subs   int           // how many goroutines submit
	Await  bool          // submit through the per-task handle and wait for it
	Rounds int           // Spin rounds per task (Work == Spin)
	Sleep  time.Duration // sleep per task (Work == Sleep)
}

func (s Spec) String() string {
	a := ""
	if s.Await {
		a = " await"
	}
	return fmt.Sprintf("%s[%s tasks=%d limit=%d subs=%d%s]", s.Name, s.Work, s.Tasks, s.Limit, s.Subs, a)
}

// spinZero counts Spin results that were zero (never, in practice): the
// check keeps the compiler from dropping the loop without a shared write.
var spinZero atomic.Int64

// Body returns the function every task of s runs.
func (s Spec) Body() func() {
	switch s.Work {
	case Spin:
		r := s.Rounds
		return func() {
			if workload.Spin(r) == 0 {
				spinZero.Add(1)
			}
		}
	case Sleep:
		d := s.Sleep
		return func() { time.Sleep(d) }
	default:
		return func() {}
	}
}

// Validate reports a spec that cannot run.
func (s Spec) Validate() error {
	switch {
	case s.Tasks < 0:
		return fmt.Errorf("pools: %v: negative task count", s)
	case s.Limit <= 0:
		return fmt.Errorf("pools: %v: limit must be positive", s)
	case s.Subs <= 0:
		return fmt.Errorf("pools: %v: submitters must be positive", s)
	case s.Work != Noop && s.Work != Spin && s.Work != Sleep:
		return fmt.Errorf("pools: %v: unknown work %q", s, s.Work)
	}
	return nil
}

// ErrNotApplicable is returned by Exec for a peer that cannot run a spec
// (a serial peer with many submitters, a peer without task handles asked
// to await).
var ErrNotApplicable = errors.New("pools: peer does not run this workload")

// Applies reports whether p can run s.
func (p Peer) Applies(s Spec) bool {
	if p.Serial {
		return s.Subs == 1 && !s.Await
	}
	return !s.Await || p.Await != nil
}

// Exec runs s on p with fn as every task's body (s.Body() if fn is nil).
func (p Peer) Exec(s Spec, fn func()) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if !p.Applies(s) {
		return fmt.Errorf("%w: %s on %v", ErrNotApplicable, p.Name, s)
	}
	if fn == nil {
		fn = s.Body()
	}
	if s.Await {
		return p.Await(s.Tasks, s.Limit, s.Subs, fn)
	}
	return p.Run(s.Tasks, s.Limit, s.Subs, fn)
}

// Case is a spec and the peers that run it.
type Case struct {
	Spec  Spec
	Peers []string
}

// Plan returns the comparison: every workload of issue 4's performance
// section at each of its limits, with every peer that applies. procs is
// GOMAXPROCS, one of the limits; rounds is the Spin rounds for ~1 µs.
// small shrinks every count (tasks, limits, sleeps) for a quick check that
// the whole plan runs, as the package's test does.
func Plan(procs, rounds int, small bool) []Case {
	var (
		million  = 1_000_000
		sleeps   = 100_000
		subs     = 100
		perSub   = 10_000
		sleep    = 10 * time.Millisecond
		limits   = []int{procs, 100, 10_000}
		sleepLim = []int{1_000, 10_000}
	)
	if small {
		million, sleeps, subs, perSub, sleep = 2_000, 200, 10, 200, time.Millisecond
		limits, sleepLim = []int{procs, 16, 64}, []int{16, 64}
	}
	var cases []Case
	add := func(s Spec) {
		var names []string
		for _, p := range peers {
			if !p.Applies(s) {
				continue
			}
			if p.Serial && (s.Work == Sleep || s.Limit != limits[0]) {
				continue // serial ignores the limit: run it once, never to sleep
			}
			names = append(names, p.Name)
		}
		cases = append(cases, Case{s, names})
	}
	for _, l := range limits {
		add(Spec{Name: WNoop, Work: Noop, Tasks: million, Limit: l, Subs: 1})
	}
	for _, l := range limits {
		add(Spec{Name: WSpin, Work: Spin, Tasks: million, Limit: l, Subs: 1, Rounds: rounds})
	}
	for _, l := range sleepLim {
		add(Spec{Name: WSleep, Work: Sleep, Tasks: sleeps, Limit: l, Subs: 1, Sleep: sleep})
	}
	add(Spec{Name: WSubmitters, Work: Noop, Tasks: subs * perSub, Limit: procs, Subs: subs})
	add(Spec{Name: WAwait, Work: Noop, Tasks: subs * perSub, Limit: procs, Subs: subs, Await: true})
	return cases
}

// Procs returns GOMAXPROCS.
func Procs() int { return runtime.GOMAXPROCS(0) }
