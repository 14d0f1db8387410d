package rt

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/spool-go/spool/task"
)

// Defaults, as tokio's where tokio has one.
const (
	// DefaultMaxBlocking is the default bound on the blocking pool's
	// goroutines (tokio's max_blocking_threads).
	DefaultMaxBlocking = 512
	// DefaultKeepAlive is how long an idle blocking goroutine waits for work
	// before it exits (tokio's thread_keep_alive).
	DefaultKeepAlive = 10 * time.Second
	// DefaultDetectBlocking is the default threshold of the blocking
	// detector: a task holding a worker slot this long without reaching an
	// await point is reported. Tokio's guidance is that a task should reach
	// an .await every 10 to 100 µs; 100 ms keeps false alarms away from
	// honest CPU bursts while still catching a time.Sleep or a blocking
	// call within a fraction of a second.
	DefaultDetectBlocking = 100 * time.Millisecond
	// DefaultShutdownGrace is how long Shutdown waits, after its context is
	// done and it has cancelled every task, for the tasks to return.
	DefaultShutdownGrace = 100 * time.Millisecond
)

// ErrInvalid is matched (errors.Is) by the error [New] returns for a bad
// option, whose text names the option and the value, as in "rt:
// Workers(0): must be from 1 to 65536". Options never panic: a bad value
// is recorded and reported by New. A nil fn given to Spawn, SpawnBlocking
// or BlockOn gives an error that matches both this and task.ErrNilFunc
// (the sentinel for a nil function across spool), as in "rt: Spawn: fn
// must not be nil (got nil)". Other bad input panics: a nil context
// anywhere, as in "rt: Spawn: nil context".
var ErrInvalid = errors.New("rt: invalid option or argument")

// nilFuncError reports a nil fn: it matches ErrInvalid and task.ErrNilFunc.
type nilFuncError string

func (e nilFuncError) Error() string { return "rt: " + string(e) + ": fn must not be nil (got nil)" }
func (nilFuncError) Unwrap() []error { return []error{ErrInvalid, task.ErrNilFunc} }

// The errors for a nil fn, one per entry point.
var (
	errNilSpawn         error = nilFuncError("Spawn")
	errNilSpawnBlocking error = nilFuncError("SpawnBlocking")
	errNilBlockOn       error = nilFuncError("BlockOn")
)

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// Option configures [New].
type Option func(*config)

type config struct {
	name        string
	workers     int
	maxBlocking int
	keepAlive   time.Duration
	threshold   time.Duration
	grace       time.Duration
	logger      *slog.Logger
	onBlocking  func(BlockingReport)
	errs        []error
}

func (c *config) bad(format string, args ...any) {
	c.errs = append(c.errs, invalidError("rt: "+fmt.Sprintf(format, args...)))
}

func defaults() config {
	return config{
		name:        "rt",
		workers:     runtime.GOMAXPROCS(0),
		maxBlocking: DefaultMaxBlocking,
		keepAlive:   DefaultKeepAlive,
		threshold:   DefaultDetectBlocking,
		grace:       DefaultShutdownGrace,
		logger:      slog.Default(),
	}
}

// Workers sets the number of worker slots: how many of the runtime's tasks
// may run at once (tokio's worker_threads). It must be from 1 to
// [MaxWorkers]; the default is runtime.GOMAXPROCS(0).
func Workers(n int) Option {
	return func(c *config) {
		if n <= 0 || n > MaxWorkers {
			c.bad("Workers(%d): must be from 1 to %d", n, MaxWorkers)
			return
		}
		c.workers = n
	}
}

// MaxWorkers is the most worker slots a runtime takes. Slots bound CPU
// parallelism, so more than a few times the cores buys nothing, and the
// detector keeps two 64-byte cells a slot (8 MiB at this bound).
const MaxWorkers = 1 << 16

// CurrentThread makes a runtime with one worker slot, the counterpart of
// tokio's new_current_thread: one task runs at a time, the others wait at
// their await points. Unlike tokio's, the tasks are not pinned to the
// calling goroutine or OS thread; only their parallelism is one.
func CurrentThread() Option { return Workers(1) }

// MaxBlocking bounds the goroutines of the blocking pool that serves
// [SpawnBlocking] (tokio's max_blocking_threads, default 512). Work beyond
// it waits in a FIFO queue. It must be positive.
func MaxBlocking(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.bad("MaxBlocking(%d): must be positive", n)
			return
		}
		c.maxBlocking = n
	}
}

// KeepAlive sets how long an idle goroutine of the blocking pool waits for
// work before it exits (tokio's thread_keep_alive, default 10 s). It must
// be positive.
func KeepAlive(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.bad("KeepAlive(%v): must be positive", d)
			return
		}
		c.keepAlive = d
	}
}

// Name names the runtime in logs, reports, metrics and the "spool.runtime"
// pprof label. The default is "rt". It must not be empty.
func Name(s string) Option {
	return func(c *config) {
		if s == "" {
			c.bad(`Name(""): must not be empty`)
			return
		}
		c.name = s
	}
}

// Logger sets where the runtime logs the blocking detector's reports (at
// level Warn). The default is slog.Default(); pass
// slog.New(slog.DiscardHandler) to silence it. It must not be nil.
func Logger(l *slog.Logger) Option {
	return func(c *config) {
		if l == nil {
			c.bad("Logger(nil): must not be nil")
			return
		}
		c.logger = l
	}
}

// DetectBlocking sets the blocking detector's threshold: a task that holds
// a worker slot for d without reaching an await point is reported, once
// per occurrence. The detector looks every d/4 while tasks hold slots, so
// a report comes between d and 1.25d after the hold began (it looks at
// most every 100 µs, so below a threshold of 400 µs a report may come up to
// d + 200 µs after, and a report with a stack comes later by the time it
// takes to read it, see below); once no task has held one for d, it stops
// looking until a task takes a slot.
//
// A report's stack is read from the process's goroutine profile, which
// costs about 25 µs of CPU for each goroutine of the process, not only
// the blocking task's: 250 ms with 10,000. With more goroutines than
// that, the report goes without a stack (at once, the log saying why);
// it still names the task and its function.
//
// 0 turns the detector off (New starts no goroutine for it), and with it
// the about 13 ns an await point spends showing its task to the detector
// (BenchmarkPark: 56 ns with it, 43 ns without); the default is
// [DefaultDetectBlocking]. d must not be negative.
func DetectBlocking(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.bad("DetectBlocking(%v): must not be negative", d)
			return
		}
		c.threshold = d
	}
}

// OnBlocking sets a function the blocking detector calls with each report,
// besides logging it. It runs on the detector's goroutine, one report at a
// time, and must not block (nor call Shutdown, which waits for the
// detector: one that blocks keeps Shutdown waiting until its ctx ends and
// the grace period after it runs out, and then makes it return an error).
// f must not be nil.
func OnBlocking(f func(BlockingReport)) Option {
	return func(c *config) {
		if f == nil {
			c.bad("OnBlocking(nil): must not be nil")
			return
		}
		c.onBlocking = f
	}
}

// ShutdownGrace sets how long [Runtime.Shutdown] waits, once its context is
// done and it has cancelled every task, for the tasks to return before it
// gives up on them. The default is [DefaultShutdownGrace]; 0 gives up at
// once. d must not be negative.
func ShutdownGrace(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.bad("ShutdownGrace(%v): must not be negative", d)
			return
		}
		c.grace = d
	}
}

// TaskOption configures one task of [Spawn], [SpawnBlocking] or [BlockOn].
type TaskOption struct{ name string }

// TaskName names a task in detector reports, the shutdown report, [Runtime.Tasks]
// and the "spool.task" pprof label. An unnamed task is shown by the name of
// its function; TaskName("") leaves the task unnamed (unlike [Name](""),
// which New refuses: a runtime's name is its expvar key and pprof label,
// where a task without a name has its function's). Naming a task costs allocations: 6 more for [Spawn] and
// [BlockOn] (8 against 2 for Spawn and Await), 5 more for [SpawnBlocking]
// (6 against 1): its own pprof label set and the record of its name
// (testing.AllocsPerRun; TestAllocs).
func TaskName(name string) TaskOption { return TaskOption{name: name} }
