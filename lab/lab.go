package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// Size says how long and how large a run is.
type Size int

// The sizes of a run. Default finishes in under a minute on 2 cores, Quick
// in under 15 seconds (for CI), Full takes several minutes and goes up to
// 100,000 waiting units.
const (
	Default Size = iota
	Quick
	Full
)

// String returns "default", "quick" or "full", or for a Size that is none
// of them its number, as in "Size(7)".
func (s Size) String() string {
	switch s {
	case Default:
		return "default"
	case Quick:
		return "quick"
	case Full:
		return "full"
	}
	return fmt.Sprintf("Size(%d)", int(s))
}

// MarshalText makes a Size appear by name in JSON. A Size that is not
// Quick, Default or Full is an error matching [ErrInvalid], as in "lab:
// Size.MarshalText: unknown size (got 7)".
func (s Size) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, invalidError(fmt.Sprintf("lab: Size.MarshalText: unknown size (got %d)", int(s)))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a Size by name: "quick", "default" or "full".
func (s *Size) UnmarshalText(b []byte) error {
	for _, v := range []Size{Quick, Default, Full} {
		if string(b) == v.String() {
			*s = v
			return nil
		}
	}
	return invalidError(fmt.Sprintf("lab: unknown size %q (want quick, default or full)", b))
}

// pick returns the value for size s.
func pick[T any](s Size, quick, def, full T) T {
	switch s {
	case Quick:
		return quick
	case Full:
		return full
	}
	return def
}

// Experiment is one measurement of the lab: a name to run it by, a title,
// and what it measures.
type Experiment struct {
	Name  string // short name for `spool lab run NAME`
	Title string // one line
	About string // what is measured and how, in a few sentences

	estimate [3]time.Duration // expected run time by Size, for progress
	run      func(ctx context.Context, e *env) (*Result, error)
}

// Estimate returns about how long the experiment takes at size s on a
// 2-core machine. It panics if s is not Quick, Default or Full, as in
// "lab: Experiment.Estimate: unknown size (got 7)".
func (x Experiment) Estimate(s Size) time.Duration {
	if !s.valid() {
		panic(fmt.Sprintf("lab: Experiment.Estimate: unknown size (got %d)", int(s)))
	}
	return x.estimate[s]
}

// valid reports whether s is Quick, Default or Full.
func (s Size) valid() bool { return s >= Default && s <= Full }

// experiments lists every experiment in the order they run and report. Each
// lives in its own file, named after it.
var experiments = []Experiment{
	memoryExperiment,
	spawnExperiment,
	switchExperiment,
	joinExperiment,
	cpuExperiment,
	ioExperiment,
	sharedExperiment,
	channelsExperiment,
	blockingExperiment,
	mutexExperiment,
}

// Experiments returns every experiment, in the order a full run runs them.
func Experiments() []Experiment { return slices.Clone(experiments) }

// ErrInvalid is matched (errors.Is) by the errors of package lab that
// report bad input: [Run]'s for a bad or nil option (an unknown experiment,
// [ErrUnknown], included), [WriteList]'s for an unknown size, and
// [Size.MarshalText]'s and [Size.UnmarshalText]'s. Options never panic: a
// bad value is recorded and reported by Run, naming the option, as in
// "lab: Scale(7): unknown size (want Quick, Default or Full)". A nil
// context makes Run panic.
var ErrInvalid = errors.New("lab: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// ErrUnknown is returned for an experiment name the lab does not know. It
// matches [ErrInvalid].
var ErrUnknown error = invalidError("lab: unknown experiment")

// Option configures [Run].
type Option func(*config)

type config struct {
	size  Size
	names []string
	meter Meter
	bad   error // the first bad option's, for Run to return
}

// invalid records the error of a bad option, unless one came before.
func (c *config) invalid(msg string) {
	if c.bad == nil {
		c.bad = invalidError(msg)
	}
}

// Scale sets the size of the run: Quick, Default or Full.
func Scale(s Size) Option { return func(c *config) { c.size = s } }

// Only restricts the run to the named experiments, in the order given
// (each once); without Only, Run runs them all. It needs at least one name:
// with none, Run returns an error matching [ErrInvalid] ("lab: Only(): no
// experiment named ..."), and an unknown name is [ErrUnknown].
func Only(names ...string) Option {
	return func(c *config) {
		if len(names) == 0 {
			c.invalid(fmt.Sprintf("lab: Only(): no experiment named (want one or more of %s)", strings.Join(Names(), ", ")))
			return
		}
		c.names = names
	}
}

// Progress reports the run's progress to m: [Lines] writes a line as each
// experiment starts; the spool command draws a bar on a terminal. Without
// Progress, Run shows none. m must not be nil: Progress(nil) makes Run
// return an error matching [ErrInvalid].
func Progress(m Meter) Option {
	return func(c *config) {
		if m == nil {
			c.invalid("lab: Progress(nil): the Meter must not be nil")
			return
		}
		c.meter = m
	}
}

// A Meter shows a run's progress, measured in the experiments' estimated
// times. Run calls Start once, Begin as each experiment starts, Advance as
// it goes (possibly from the experiment's goroutines, so a Meter must be
// safe for concurrent use), and Finish once at the end.
type Meter interface {
	Start(total time.Duration)
	// Begin: the i-th experiment (from 1) of n starts, estimated to take
	// estimate, with left estimated for it and those after it.
	Begin(i, n int, name string, estimate, left time.Duration)
	Advance(d time.Duration) // d more of the estimate done
	Finish()
}

// Lines returns a Meter that writes one plain line to w as each
// experiment starts, with its estimate and the time left in all: for a
// log or a pipe.
func Lines(w io.Writer) Meter { return lines{w} }

type lines struct{ w io.Writer }

func (lines) Start(time.Duration)   {}
func (lines) Advance(time.Duration) {}
func (lines) Finish()               {}
func (l lines) Begin(i, n int, name string, estimate, left time.Duration) {
	fmt.Fprintf(l.w, "lab %d/%d: %s (about %s; %s left in all)\n", i, n, name, roundDur(estimate), roundDur(left))
}

// noMeter is the Meter of a run without Progress.
type noMeter struct{}

func (noMeter) Start(time.Duration)                                  {}
func (noMeter) Begin(int, int, string, time.Duration, time.Duration) {}
func (noMeter) Advance(time.Duration)                                {}
func (noMeter) Finish()                                              {}

// Run runs the experiments and returns their report. An experiment that
// fails is reported with its error and the others still run; Run then
// returns the report and an error naming the ones that failed. If ctx is
// done, Run stops after the experiment in progress gives up and returns
// what it has, marked Interrupted (that experiment too, rather than
// failed, and the ones never started listed in NotRun), with an error
// wrapping ctx's error and its cause.
//
// Run starts goroutines and OS threads to measure them, and stops and
// waits for every one before it returns. On the project's 2-core machine,
// busy with other work (load average 8 to 16), a Default run took 36 s,
// a Quick run 8 to 9 s and a Full run 6 minutes.
//
// A bad or nil option makes Run return an error matching [ErrInvalid],
// having run nothing; a nil ctx makes it panic ("lab: Run: nil context").
func Run(ctx context.Context, opts ...Option) (*Report, error) {
	if ctx == nil {
		panic("lab: Run: nil context")
	}
	var c config
	for i, o := range opts {
		if o == nil {
			return nil, invalidError(fmt.Sprintf("lab: Run: option must not be nil (got nil at index %d)", i))
		}
		o(&c)
	}
	if !c.size.valid() {
		return nil, invalidError(fmt.Sprintf("lab: Scale(%d): unknown size (want Quick, Default or Full)", int(c.size)))
	}
	if c.bad != nil {
		return nil, c.bad
	}
	todo, err := selectExperiments(c.names)
	if err != nil {
		return nil, err
	}

	rep := &Report{Machine: ReadMachine(), Size: c.size, Started: time.Now(), Claims: []Claim{}, Results: []*Result{}}
	var total time.Duration
	for _, x := range todo {
		total += x.estimate[c.size]
	}
	meter := c.meter
	if meter == nil {
		meter = noMeter{}
	}
	meter.Start(total)
	left := total
	var failed []string
	for i, x := range todo {
		if err := ctx.Err(); err != nil {
			break
		}
		est := x.estimate[c.size]
		meter.Begin(i+1, len(todo), x.Name, est, left)
		e := &env{size: c.size, meter: meter, budget: est.Milliseconds(), busy: rep.Machine.Busy(),
			cores: min(rep.Machine.Cores, rep.Machine.GOMAXPROCS)}
		start := time.Now()
		res, err := runOne(ctx, x, e)
		if res == nil {
			res = &Result{}
		}
		res.Name, res.Title, res.About = x.Name, x.Title, x.About
		res.normalize()
		res.Seconds = time.Since(start).Seconds()
		switch {
		case err != nil && ctx.Err() != nil:
			// Cut short, not failed; its claims would be judged on
			// incomplete figures, so they are left out.
			res.Interrupted = true
			res.Claims = []Claim{}
		case err != nil:
			res.Error = err.Error()
			failed = append(failed, x.Name)
		}
		for i := range res.Claims {
			res.Claims[i].Experiment = x.Name
		}
		rep.Results = append(rep.Results, res)
		rep.Claims = append(rep.Claims, res.Claims...)
		e.finish()
		left -= est
	}
	meter.Finish()
	rep.Seconds = time.Since(rep.Started).Seconds()
	if err := ctx.Err(); err != nil {
		rep.Interrupted = true
		for _, x := range todo[len(rep.Results):] {
			rep.NotRun = append(rep.NotRun, x.Name)
		}
		done := len(rep.Results)
		if done > 0 && rep.Results[done-1].Interrupted {
			done--
		}
		msg := fmt.Sprintf("lab: interrupted after %d of %d experiments", done, len(todo))
		if len(failed) > 0 {
			msg += fmt.Sprintf(" (%d failed: %s)", len(failed), strings.Join(failed, ", "))
		}
		if cause := context.Cause(ctx); cause != nil && cause != err {
			return rep, fmt.Errorf("%s: %w (%w)", msg, cause, err)
		}
		return rep, fmt.Errorf("%s: %w", msg, err)
	}
	if len(failed) > 0 {
		return rep, fmt.Errorf("lab: %d experiment(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
	return rep, nil
}

// runOne runs one experiment, turning a panic on its goroutine into an
// error with the stack, so one broken experiment does not end the run.
func runOne(ctx context.Context, x Experiment, e *env) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lab: %s panicked: %v\n%s", x.Name, r, debug.Stack())
		}
	}()
	return x.run(ctx, e)
}

// selectExperiments returns the named experiments in the order given,
// each once, or every experiment when there are no names (no Only).
func selectExperiments(names []string) ([]Experiment, error) {
	if len(names) == 0 {
		return Experiments(), nil
	}
	var out []Experiment
	for _, n := range names {
		i := slices.IndexFunc(experiments, func(x Experiment) bool { return x.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknown, n, strings.Join(Names(), ", "))
		}
		if !slices.ContainsFunc(out, func(x Experiment) bool { return x.Name == n }) {
			out = append(out, experiments[i])
		}
	}
	return out, nil
}

// Names returns the names of every experiment, in run order.
func Names() []string {
	out := make([]string, len(experiments))
	for i, x := range experiments {
		out[i] = x.Name
	}
	return out
}

// env is what an experiment receives besides its context: the size of the
// run and a way to report how far along it is.
type env struct {
	size   Size
	meter  Meter
	budget int64 // this experiment's share of the run, in ms of estimate
	shown  int64
	// busy is the report's reading of the load when the run began: the
	// one-minute average read later counts the lab's own work too.
	busy bool
	// cores is how many goroutines can run at once on the report's
	// machine: its cores or GOMAXPROCS, the fewer.
	cores int
}

// progress records that the fraction done (0..1) of the experiment is done.
func (e *env) progress(done float64) {
	want := int64(done * float64(e.budget))
	if want > e.budget {
		want = e.budget
	}
	if want > e.shown {
		e.meter.Advance(time.Duration(want-e.shown) * time.Millisecond)
		e.shown = want
	}
}

func (e *env) finish() { e.progress(1) }

// steps helps an experiment report progress over a known number of steps.
type steps struct {
	e    *env
	n    int
	done int
}

func (e *env) steps(n int) *steps { return &steps{e: e, n: max(n, 1)} }

// next marks one more step done.
func (s *steps) next() {
	s.done++
	s.e.progress(float64(s.done) / float64(s.n))
}

func roundDur(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
