package rt

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/pprof"
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
type BlockingReport struct {
	Runtime string        // the runtime's name
	Task    string        // the task's name, or its function's name
	Held    time.Duration // how long it had held the slot at least (the true hold began up to a quarter of the threshold earlier)
	Stack   string        // its goroutine's stack then ("" if it could not be sampled, or the task had ended)
}

// String describes the report in one line (without the stack), naming the
// task and the cure.
func (b BlockingReport) String() string {
	return fmt.Sprintf("rt: task %q held a worker slot of runtime %q for %v without reaching an await point%s",
		b.Task, b.Runtime, b.Held.Round(time.Millisecond), cure)
}

const cure = " (a time.Sleep, a blocking call or a long loop?); run blocking or CPU-heavy work with rt.SpawnBlocking, " +
	"and wait with task.Sleep or Task.Await, which give the slot back"

// logMessage is String without the duration, which goes in an attribute.
func (b BlockingReport) logMessage() string {
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
		found = append(found, overdue{e: e, id: e.lab.id, name: e.name(), pc: e.pc, held: time.Duration(sc.heldFor)})
	}
	r.mu.Unlock()
	if len(found) > 0 {
		r.report(found)
	}
	return busy
}

// report makes the reports of the holds scan found overdue.
func (r *Runtime) report(found []overdue) {
	// Reporting runs the logger and OnBlocking, which may block. Shutdown
	// waits for a detector that is not reporting whatever its grace, so a
	// report that begins once Shutdown has stopped the detector is dropped.
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
	ids := make([]string, len(found))
	for i, o := range found {
		ids[i] = o.id
	}
	stacks := sampleStacks(ids)
	for _, o := range found {
		name := o.name
		if name == "" {
			name = (&entry{pc: o.pc}).displayName()
		}
		stack := stacks[o.id]
		if o.e.ended() {
			// The task ended, perhaps before the profile was read: its
			// label set may be another task's by then, and the stack too.
			stack = ""
		}
		b := BlockingReport{Runtime: r.cfg.name, Task: name, Held: o.held, Stack: stack}
		r.cfg.logger.Warn(b.logMessage(),
			slog.String("runtime", b.Runtime), slog.String("task", b.Task),
			slog.Duration("held", b.Held), slog.String("stack", b.Stack))
		if r.cfg.onBlocking != nil {
			r.cfg.onBlocking(b)
		}
	}
}

// runFrame is the function at the bottom of every async task's goroutine.
var runFrame = runtime.FuncForPC(funcPC((*entry).run)).Name()

// sampleStacks returns the stacks of the task goroutines labelled with
// the given spool.id values, read from the goroutine profile, which
// carries each goroutine's pprof labels. A goroutine started by a task
// inherits its labels; the task's own goroutine is the one whose stack
// starts in run.
func sampleStacks(ids []string) map[string]string {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	want := make(map[string]string, len(ids))
	for _, id := range ids {
		want[`"spool.id":"`+id+`"`] = id
	}
	out := make(map[string]string, len(ids))
	var (
		id     string
		frames strings.Builder
		ours   bool
	)
	flush := func() {
		if id != "" && (ours || out[id] == "") {
			out[id] = frames.String()
		}
		id, ours = "", false
		frames.Reset()
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
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
			fmt.Fprintf(&frames, "%s\n\t%s\n", fn, f[2])
		}
	}
	flush()
	return out
}
