package rt

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// labelIDs numbers the pooled label sets of every runtime, so a spool.id
// label names one goroutine in the whole process.
var labelIDs atomic.Uint64

// BlockingReport is what the blocking detector reports about a task that
// held a worker slot longer than the threshold without reaching an await
// point: the Go form of the chapter's bad_example, a std::thread::sleep in
// async code. It is reported once per occurrence (per continuous hold).
//
// A task can also keep its slot while it waits at an await point: one that
// is given a context that is not the task's, nor derived from it
// (context.Background(), a context.WithTimeout of it), has no slot to give
// back. When the sampled stack shows the task parked inside one of spool's
// await points for the same hold, AwaitPoint names it, and the report says
// so and asks for the task's ctx instead.
type BlockingReport struct {
	Runtime string        // the runtime's name
	Task    string        // the task's name, or its function's name
	Held    time.Duration // how long it had held the slot at least (the true hold began up to a quarter of the threshold earlier)
	Stack   string        // its goroutine's stack then ("" if it could not be sampled, the task had ended, or the process had over 10,000 goroutines: see DetectBlocking)
	// AwaitPoint is the spool await point the task was waiting in,
	// holding its slot, such as "task.(*Task).Await" or "rt.BlockOn": its
	// ctx was not the task's. It is "" if the task was not waiting in one.
	AwaitPoint string
}

// String describes the report in one line (without the stack), naming the
// task and the cure.
func (b BlockingReport) String() string {
	if b.AwaitPoint != "" {
		return fmt.Sprintf("rt: task %q held a worker slot of runtime %q for %v while waiting in %s%s",
			b.Task, b.Runtime, b.Held.Round(time.Millisecond), b.AwaitPoint, wrongCtx)
	}
	return fmt.Sprintf("rt: task %q held a worker slot of runtime %q for %v without reaching an await point%s",
		b.Task, b.Runtime, b.Held.Round(time.Millisecond), cure)
}

const (
	cure = " (a time.Sleep, a blocking call or a long loop?); run blocking or CPU-heavy work with rt.SpawnBlocking, " +
		"and wait with task.Sleep or Task.Await, which give the slot back"
	wrongCtx = ", an await point, with a context that carries no slot: an await point gives the slot back " +
		"only when its ctx is the task's context or derived from it (context.Background() or a context.WithTimeout of it is not, " +
		"nor the context of a task.Group function that Go ran on the caller's goroutine because the group was full); " +
		"pass the task's ctx, or a context derived from it"
)

// logMessage is String without the duration, which goes in an attribute.
func (b BlockingReport) logMessage() string {
	if b.AwaitPoint != "" {
		return fmt.Sprintf("rt: task %q kept a worker slot of runtime %q while waiting in %s%s",
			b.Task, b.Runtime, b.AwaitPoint, wrongCtx)
	}
	return fmt.Sprintf("rt: task %q blocked a worker slot of runtime %q without reaching an await point%s",
		b.Task, b.Runtime, cure)
}

// seenCell is what the detector knows of the hold in one holder cell:
// whose and which hold it saw there last, how long it has seen it, and
// whether it has reported it. Only the detector's goroutine touches it.
type seenCell struct {
	e        *entry
	hold     uint32 // e.holds when first seen
	reported bool
	heldFor  int64
}

type overdue struct {
	e    *entry
	hold uint32 // the hold found overdue
	id   string
	name string
	pc   uintptr
	held time.Duration
}

// parkAfter is how many looks in a row must find no task holding a slot
// for the detector to stop looking until one takes a slot again.
const parkAfter = 4

// detect is the detector's goroutine. Shutdown stops it.
//
// It looks every quarter threshold while tasks hold slots, and parks once
// parkAfter looks in a row (a threshold) found none: a runtime with no
// task running costs no wake-ups. An idle process with a runtime used
// 43-50 ms of CPU time and about 1,000 context switches in 5 s when the
// detector looked regardless, and uses 1.1 ms and 44 (0.4 ms and 18
// without a runtime). The task that next takes a slot wakes it
// (startHold): the task shows itself in a cell and then reads detParked,
// while the detector sets detParked and then looks at the cells again, so
// one of the two sees the other.
func (r *Runtime) detect() {
	defer close(r.detDone)
	defer r.detGone.Store(true)
	period := max(r.cfg.threshold/4, 100*time.Microsecond)
	tk := time.NewTicker(period)
	defer tk.Stop()
	last := r.now()
	idle := 0
	for {
		select {
		case <-r.detStop:
			return
		case <-tk.C:
		}
		now := r.now()
		r.coarse.Store(now)
		// A scan counts at most two periods of holding, so that a stall
		// of the whole process (the OS not running it, a long stop of the
		// world) is not blamed on the tasks.
		busy := r.scan(now, min(now-last, 2*int64(period)))
		last = now
		if busy {
			idle = 0
			continue
		}
		if idle++; idle < parkAfter {
			continue
		}
		idle = 0
		tk.Stop()
		r.detParked.Store(true)
		if r.holding() && r.detParked.CompareAndSwap(true, false) {
			tk.Reset(period) // a task took a slot meanwhile, and saw us running
			continue
		}
		select {
		case <-r.detStop:
			return
		case <-r.detWake:
		}
		last = r.now()
		r.coarse.Store(last)
		tk.Reset(period)
	}
}

// wakeDetector wakes the parked detector, once: the coarse clock is set
// before detParked is cleared, so that clock never reads a stale copy.
func (r *Runtime) wakeDetector() {
	r.coarse.Store(r.now())
	if r.detParked.CompareAndSwap(true, false) {
		r.detWake <- struct{}{}
	}
}

// holding reports whether some task shows itself in a cell as holding a
// slot.
func (r *Runtime) holding() bool {
	for i := range r.held.cells {
		if e, _ := r.held.cells[i].holder(); e != nil {
			return true
		}
	}
	return false
}

// scan reports the tasks that have held a slot longer than the threshold
// and were not reported for this hold yet, and returns whether any task
// held a slot; elapsed is the time since the last scan. It needs no clock
// reading on the tasks' side: a hold is timed from the first scan that
// sees it (holds tells holds apart), so a report comes between 1 and 1.25
// thresholds after the hold began, and Held is short of the truth by at
// most a period.
func (r *Runtime) scan(now, elapsed int64) (busy bool) {
	r.scans.Add(1)
	thr := int64(r.cfg.threshold)
	var found []overdue
	r.mu.Lock() // keeps every entry seen here registered, and its labels its own
	for i := range r.held.cells {
		e, h := r.held.cells[i].holder()
		sc := &r.seen[i]
		if e == nil {
			*sc = seenCell{} // no holder, or one giving its slot back
			continue
		}
		busy = true
		if e != sc.e || h != sc.hold {
			// A hold we have not seen: it began within the last period.
			*sc = seenCell{e: e, hold: h}
			continue
		}
		sc.heldFor += elapsed
		if sc.reported || sc.heldFor < thr {
			continue
		}
		sc.reported = true
		found = append(found, overdue{e: e, hold: h, id: e.lab.id, name: e.name(), pc: e.pc, held: time.Duration(sc.heldFor)})
	}
	r.mu.Unlock()
	if len(found) > 0 {
		r.report(found)
	}
	return busy
}

// report makes the reports of the holds scan found overdue.
func (r *Runtime) report(found []overdue) {
	select {
	case <-r.detStop:
		return
	default:
	}
	ids := make([]string, len(found))
	for i, o := range found {
		ids[i] = o.id
	}
	// The goroutine profile holds every goroutine of the process: reading
	// it costs about 25 µs of CPU a goroutine (2.3-3.1 s with 100,000
	// tasks parked, and the report came that late, without its stack, the
	// task having ended meanwhile). Past maxSampled goroutines a report
	// goes without a stack, at once.
	var (
		stacks  map[string]sample
		skipped int
	)
	if n := runtime.NumGoroutine(); n <= maxSampled {
		stacks = sampleStacks(ids)
	} else {
		skipped = n
	}
	// Reporting runs the logger and OnBlocking, which may block. Shutdown
	// waits for a detector that is not reporting (sampling included)
	// whatever its grace, so a report that begins once Shutdown has
	// stopped the detector is dropped.
	r.inReport.Store(true)
	defer r.inReport.Store(false)
	select {
	case <-r.detStop:
		return
	default:
	}
	r.mu.Lock()
	r.reports += uint64(len(found)) // the reports made, not those dropped
	r.mu.Unlock()
	for _, o := range found {
		name := o.name
		if name == "" {
			name = (&entry{pc: o.pc}).displayName()
		}
		smp := stacks[o.id]
		b := BlockingReport{Runtime: r.cfg.name, Task: name, Held: o.held, Stack: smp.stack}
		w := o.e.slot.Load()
		switch {
		case o.e.ended():
			// The task ended, perhaps before the profile was read: its
			// label set may be another task's by then, and the stack too.
			b.Stack = ""
		case parksOf(w) == 0 && holdsOf(w) == o.hold:
			// The hold found overdue was still on after the profile was
			// read, so it was on while the task waited where the stack
			// says: a wait there kept the slot.
			b.AwaitPoint = smp.await
		}
		attrs := []any{slog.String("runtime", b.Runtime), slog.String("task", b.Task),
			slog.Duration("held", b.Held), slog.String("stack", b.Stack)}
		if skipped > 0 {
			attrs = append(attrs, slog.String("stack_skipped", fmt.Sprintf("%d goroutines in the process, over %d: reading them all would take about %v of CPU", skipped, maxSampled, time.Duration(skipped)*25*time.Microsecond)))
		}
		if b.AwaitPoint != "" {
			attrs = append(attrs, slog.String("await_point", b.AwaitPoint))
		}
		r.cfg.logger.Warn(b.logMessage(), attrs...)
		if r.cfg.onBlocking != nil {
			r.cfg.onBlocking(b)
		}
	}
}

// maxSampled is the most goroutines the process may have for a report
// to read their profile for the blocking task's stack (about 250 ms of
// CPU at most).
const maxSampled = 10_000

// runFrame is the function at the bottom of every async task's goroutine.
var runFrame = runtime.FuncForPC(funcPC((*entry).run)).Name()

// sample is what the goroutine profile says of a task's goroutine: its
// stack, and the spool await point it is parked in, if it is.
type sample struct {
	stack string
	await string
}

// sampleStacks returns the stacks of the task goroutines labelled with
// the given spool.id values, read from the goroutine profile, which
// carries each goroutine's pprof labels. A goroutine started by a task
// inherits its labels; the task's own goroutine is the one whose stack
// starts in run. A whole stack without that frame is another goroutine's
// (one the task started, or one of an ended task whose pooled label set
// the id came with): it is never taken for the task's. A stack the
// profile cut short (over its depth limit) may be the task's own, run
// frame cut off: it is taken if no goroutine has the frame.
func sampleStacks(ids []string) map[string]sample {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	want := make(map[string]string, len(ids))
	for _, id := range ids {
		want[`"spool.id":"`+id+`"`] = id
	}
	out := make(map[string]sample, len(ids))
	var (
		id     string
		frames strings.Builder
		funcs  []string // the frames' functions, innermost first
		ours   bool
		top    string // the first PC of the record's raw stack
		whole  bool   // the raw stack ends in runtime.goexit: not cut short
	)
	flush := func() {
		if id != "" && (ours || !whole && out[id].stack == "") {
			smp := sample{stack: frames.String()}
			if ours && parked(top) { // the task's own goroutine, not one it started
				smp.await = awaitPoint(funcs)
			}
			out[id] = smp
		}
		id, ours, top, whole = "", false, "", false
		frames.Reset()
		funcs = funcs[:0]
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case !strings.HasPrefix(line, "#"):
			// "1 @ 0x47ad2e 0x44a1b5 ...": the raw stack, runtime frames
			// included (the frames below leave them out).
			if _, pcs, ok := strings.Cut(line, " @ "); ok {
				top, _, _ = strings.Cut(pcs, " ")
				whole = isGoexit(pcs[strings.LastIndexByte(pcs, ' ')+1:])
			}
		case strings.HasPrefix(line, "# labels: "):
			for k, v := range want {
				if strings.Contains(line, k) {
					id = v
				}
			}
		case strings.HasPrefix(line, "#") && id != "":
			// "#\t0x4a1b2c\tpkg.fn+0x2c\t/path/file.go:12"
			f := strings.Fields(line[1:])
			if len(f) < 3 {
				continue
			}
			fn := f[1]
			if i := strings.LastIndex(fn, "+0x"); i > 0 {
				fn = fn[:i]
			}
			ours = ours || fn == runFrame
			funcs = append(funcs, fn)
			fmt.Fprintf(&frames, "%s\n\t%s\n", fn, f[2])
		}
	}
	flush()
	return out
}

// isGoexit reports whether pc (hex) is in runtime.goexit, the frame at the
// bottom of every goroutine's whole stack.
func isGoexit(pc string) bool { return funcAt(pc) == "runtime.goexit" }

// parked reports whether the raw stack whose first PC is pc (hex) is a
// parked goroutine's: every goroutine that blocks (on a channel, a select,
// a lock, a timer) does so in runtime.gopark.
func parked(pc string) bool { return funcAt(pc) == "runtime.gopark" }

// funcAt returns the name of the function that holds pc (hex, as the
// goroutine profile writes it), or "".
func funcAt(pc string) string {
	v, err := strconv.ParseUint(pc, 0, 64)
	if err != nil || v == 0 {
		return ""
	}
	f, _ := runtime.CallersFrames([]uintptr{uintptr(v)}).Next()
	return f.Function
}

// modulePrefix begins the functions of spool's packages.
const modulePrefix = "github.com/spool-go/spool/"

// awaitPoints are spool's await points, as spoolFunc names them: the
// calls that a task waits in, and whose wait gives the task's slot back
// when they are given its context. Only those that wait for something
// are listed: guard.(*Mutex).With, say, waits on a lock without a
// context, and holds the slot by design. TestAwaitPointNames pins the
// names of package task's and rt's.
var awaitPoints = map[string]bool{
	"task.(*Task).Await":     true,
	"task.Sleep":             true,
	"task.Select":            true,
	"task.All":               true,
	"task.Join2":             true,
	"task.Join3":             true,
	"task.Race":              true,
	"task.Any":               true,
	"task.(*Group).Go":       true,
	"task.(*Group).Next":     true,
	"task.(*Group).Wait":     true,
	"rt.BlockOn":             true,
	"rt.(*Runtime).Shutdown": true,

	"guard.(*Mutex).Lock":        true,
	"guard.(*RWMutex).Lock":      true,
	"guard.(*RWMutex).RLock":     true,
	"guard.(*Semaphore).Acquire": true,
	"pool.Submit":                true,
	"pool.(*Pool).GoContext":     true,
	"chans.(*Pipeline).Wait":     true,
	"chans.Seq":                  true,
	"chans.(*Watcher).Changed":   true,
	"chans.(*Broadcast).Send":    true,
	"chans.(*Subscription).Recv": true,
	"parallel.Map":               true,
	"parallel.ForEach":           true,
	"parallel.MapReduce":         true,
	"parallel.Reduce":            true,
	"parallel.MapOrdered":        true,
}

// awaitPoint returns the outermost of spool's await points among the
// spool frames that the goroutine whose functions are funcs (innermost
// first) is waiting in: the await point the task called. It looks only at
// the frames of spool's library packages at the top of the stack, below
// any of package sync's, so that a user function that blocks on its own
// (in a task.Group function that runs inline, say) is not taken for an
// await point that called it.
func awaitPoint(funcs []string) string {
	i := 0
	for i < len(funcs) && (strings.HasPrefix(funcs[i], "sync.") || strings.HasPrefix(funcs[i], "internal/sync.")) {
		i++
	}
	found := ""
	for _, fn := range funcs[i:] {
		name, ok := spoolFunc(fn)
		if !ok {
			break
		}
		if awaitPoints[name] {
			found = name
		}
	}
	return found
}

// spoolFunc returns the name of fn, a function name from a stack, without
// the module's path, type arguments ("[...]") and closure suffixes
// (".func1", "-range1"), and whether fn is in one of spool's library
// packages (not a _test package).
func spoolFunc(fn string) (string, bool) {
	name, ok := strings.CutPrefix(fn, modulePrefix)
	if !ok {
		return "", false
	}
	slash := strings.LastIndexByte(name, '/') + 1
	dot := strings.IndexByte(name[slash:], '.')
	if dot < 0 || strings.HasSuffix(name[:slash+dot], "_test") {
		return "", false
	}
	name = strings.ReplaceAll(name, "[...]", "")
	return trimClosures(name), true
}

// trimClosures trims the suffixes that name the closures of a function
// ("F.func1", "F.func1.2", "F.gowrap1") and the bodies of its range loops
// over functions ("F-range1").
func trimClosures(name string) string {
	for {
		j := strings.LastIndexAny(name, ".-")
		if j < 0 {
			return name
		}
		suf := name[j+1:]
		num := strings.TrimLeft(suf, "abcdefghijklmnopqrstuvwxyz")
		if num == "" || strings.Trim(num, "0123456789") != "" {
			return name
		}
		switch word := suf[:len(suf)-len(num)]; {
		case name[j] == '.' && (word == "" || word == "func" || word == "gowrap"):
		case name[j] == '-' && word == "range":
		default:
			return name
		}
		name = name[:j]
	}
}
