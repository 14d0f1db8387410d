package lab

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var memoryExperiment = Experiment{
	Name:  "memory",
	Title: "memory per waiting unit: parked goroutine vs OS thread",
	About: "Starts N units that wait on a channel and divides what the process grew by N. " +
		"A goroutine (and a task.Go task, and a runtime task at an await point) parks: Go keeps only its small stack. " +
		"An OS thread is a goroutine that calls runtime.LockOSThread and then waits: Go cannot run " +
		"anything else on that thread, so each one costs a real kernel thread, as a Rust std::thread does. " +
		"Resident is VmRSS (memory actually touched), virtual is VmSize (address space reserved: the " +
		"chapter's \"2 MB\" is a thread's reserved stack), Go stacks is Go's own count of stack memory.",
	estimate: [3]time.Duration{Default: 4000 * time.Millisecond, Quick: 1500 * time.Millisecond, Full: 25000 * time.Millisecond},
	run:      runMemory,
}

// waitUnit starts n units that each wait until release is closed. It calls
// ready.Done once per unit as the unit starts waiting, and returns a
// function that waits until every unit has ended.
type waitUnit struct {
	name   string
	thread bool
	start  func(ctx context.Context, n int, release <-chan struct{}, ready *sync.WaitGroup) (wait func())
}

// parkedGoroutines: the Go answer to an async task. A goroutine blocked on
// a channel is parked: it holds no thread, only its stack.
func parkedGoroutines(_ context.Context, n int, release <-chan struct{}, ready *sync.WaitGroup) func() {
	var done sync.WaitGroup
	for range n {
		done.Go(func() {
			ready.Done()
			<-release
		})
	}
	return done.Wait
}

// parkedTasks: the same with spool's task.Go, which adds a Task (the
// future) to each goroutine.
func parkedTasks(ctx context.Context, n int, release <-chan struct{}, ready *sync.WaitGroup) func() {
	ts := make([]*task.Task[struct{}], n)
	for i := range ts {
		ts[i] = task.Go(ctx, func(context.Context) (struct{}, error) {
			ready.Done()
			<-release
			return struct{}{}, nil
		})
	}
	return func() { _, _ = task.All(context.Background(), ts...) }
}

// parkedRuntimeTasks: tasks of spool's runtime waiting at an await point
// (task.Park gives the worker slot back), the closest thing to a tokio task
// suspended at an .await.
func parkedRuntimeTasks(ctx context.Context, n int, release <-chan struct{}, ready *sync.WaitGroup) func() {
	// No blocking detector: when 100,000 tasks end at once, some hold a
	// slot long enough in their bookkeeping for it to warn.
	r, err := rt.New(rt.Name("lab-memory"), rt.DetectBlocking(0))
	if err != nil { // cannot happen with these options; count the units as started
		ready.Add(-n)
		return func() {}
	}
	ts := make([]*task.Task[struct{}], n)
	// Without the run's cancel: a task cancelled while it waits for a slot
	// would end without calling ready.Done, and the measure would wait for
	// it forever. The units end when release is closed.
	ctx = context.WithoutCancel(ctx)
	for i := range ts {
		ts[i] = rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
			p := task.Park(ctx)
			ready.Done()
			<-release
			p.Resume()
			return struct{}{}, nil
		})
	}
	return func() {
		_, _ = task.All(context.Background(), ts...)
		_ = r.Shutdown(context.Background())
	}
}

// lockedThreads: the threads model. A goroutine that locks its OS thread
// and blocks keeps the thread asleep with it; Go starts another thread to
// run everything else. When the goroutine returns still locked, Go ends the
// thread, so nothing is left behind.
func lockedThreads(_ context.Context, n int, release <-chan struct{}, ready *sync.WaitGroup) func() {
	var done sync.WaitGroup
	for range n {
		done.Go(func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			ready.Done()
			<-release
		})
	}
	return done.Wait
}

var memoryUnits = []waitUnit{
	{name: "goroutine", start: parkedGoroutines},
	{name: "task.Go", start: parkedTasks},
	{name: "rt task", start: parkedRuntimeTasks},
	{name: "OS thread", thread: true, start: lockedThreads},
}

// memSnapshot is what the process (and the kernel) hold at one moment.
type memSnapshot struct {
	proc        procStatus
	procOK      bool  // proc was read: the system has /proc/self/status
	goStacks    int64 // /memory/classes/heap/stacks:bytes
	kernelStack int64 // KernelStack from /proc/meminfo, machine-wide; -1 if unknown
}

func snapshot() memSnapshot {
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	st, err := readStatus()
	var stacks int64
	if s[0].Value.Kind() == metrics.KindUint64 {
		stacks = int64(s[0].Value.Uint64())
	}
	return memSnapshot{proc: st, procOK: err == nil, goStacks: stacks, kernelStack: kernelStacks()}
}

// perUnit is what one unit cost, in bytes: NaN for what the system does
// not tell (resident, virtual and the thread count without
// /proc/self/status, the kernel stack without /proc/meminfo).
type perUnit struct {
	rss, vm, goStacks, kernelStack float64
	threads                        int // OS threads the process had while the units waited; -1 if unknown
}

// measureWaiting starts n units, measures, and ends them all.
func measureWaiting(ctx context.Context, u waitUnit, n int) (perUnit, error) {
	// Give freed memory back to the OS first, so the growth we see is the
	// units' and not reuse of what the previous round left behind.
	runtime.GC()
	debug.FreeOSMemory()
	before := snapshot()

	release := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(n)
	wait := u.start(ctx, n, release, &ready)
	ready.Wait()
	after := snapshot()
	close(release)
	wait()

	if u.thread {
		// The threads end just after their goroutines: wait until the
		// count is back near where it was, so the next round starts clean.
		// (Go may keep a few idle threads it started meanwhile.)
		if err := waitThreads(before.proc.Threads+32, 10*time.Second); err != nil {
			return perUnit{}, err
		}
	}
	f := float64(n)
	p := perUnit{
		rss:         float64(after.proc.RSS-before.proc.RSS) / f,
		vm:          float64(after.proc.VM-before.proc.VM) / f,
		goStacks:    float64(after.goStacks-before.goStacks) / f,
		kernelStack: float64(after.kernelStack-before.kernelStack) / f,
		threads:     after.proc.Threads,
	}
	if !before.procOK || !after.procOK {
		p.rss, p.vm, p.threads = math.NaN(), math.NaN(), -1
	}
	if before.kernelStack < 0 || after.kernelStack < 0 {
		p.kernelStack = math.NaN()
	}
	return p, nil
}

// summarizeBytes is summarize for figures that may not have been measured
// (NaN): if any was not, the Stat is all NaN (null in JSON), with N 0.
func summarizeBytes(xs []float64) Stat {
	if slices.ContainsFunc(xs, math.IsNaN) {
		nan := math.NaN()
		return Stat{Median: nan, Min: nan, Max: nan, P90: nan, P99: nan, Spread: nan}
	}
	return summarize(xs)
}

// measureUnits is measureWaiting; tests replace it.
var measureUnits = measureWaiting

// waitThreads waits until the process has at most n OS threads.
func waitThreads(n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		st, err := readStatus()
		if err != nil || st.Threads <= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lab: %d OS threads still alive %v after their goroutines ended (want <= %d)", st.Threads, limit, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// threadRoom returns how many more OS threads this process may safely
// start: what Go's own limit (10,000 threads, debug.SetMaxThreads) leaves
// free less a margin of 500 for the runtime's own, and at most half of
// what the kernel and the cgroup leave free. Go crashes the process when
// it cannot start a thread, so the lab stays well inside every limit.
func threadRoom() int {
	st, _ := readStatus()
	room := 10000 - st.Threads - 500 // Go's default limit, with a margin for the runtime's own
	readInt := func(path string) int {
		b, err := os.ReadFile(path)
		if err != nil {
			return math.MaxInt
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return math.MaxInt
		}
		return n
	}
	used := math.MaxInt
	if b, err := os.ReadFile("/proc/loadavg"); err == nil { // "0.1 0.2 0.3 2/345 6789": 345 threads in all
		if f := strings.Fields(string(b)); len(f) >= 4 {
			if _, tot, ok := strings.Cut(f[3], "/"); ok {
				used, _ = strconv.Atoi(tot)
			}
		}
	}
	if used != math.MaxInt {
		for _, p := range []string{"/proc/sys/kernel/threads-max", "/proc/sys/kernel/pid_max"} {
			room = min(room, (readInt(p)-used)/2)
		}
		if cgMax := readInt("/sys/fs/cgroup/pids.max"); cgMax != math.MaxInt {
			room = min(room, (cgMax-readInt("/sys/fs/cgroup/pids.current"))/2)
		}
	}
	return max(room, 0)
}

func runMemory(ctx context.Context, e *env) (*Result, error) {
	res := &Result{}
	reps := pick(e.size, 2, 3, 5)
	sizes := pick(e.size, []int{1000, 10000}, []int{1000, 10000}, []int{1000, 10000, 100000})
	threadSizes := pick(e.size, []int{1000}, []int{1000, 2000}, []int{1000, 2000, 5000, 8000})
	if raceEnabled { // the race detector allows 8128 goroutines at once
		sizes = []int{100, 1000}
		threadSizes = []int{100}
	}
	if room := threadRoom(); threadSizes[len(threadSizes)-1] > room {
		var fit []int
		for _, n := range threadSizes {
			if n <= room {
				fit = append(fit, n)
			}
		}
		if len(fit) == 0 && room >= 50 {
			fit = []int{room}
		}
		res.note(fmt.Sprintf("Thread counts above %s were skipped: the kernel, cgroup and Go limits leave room for about that many more threads.", fmtCount(room)))
		threadSizes = fit
	}
	return measureMemory(ctx, e, res, reps, sizes, threadSizes)
}

func measureMemory(ctx context.Context, e *env, res *Result, reps int, sizes, threadSizes []int) (*Result, error) {
	type row struct {
		unit            string
		n               int
		rss, vm, gs, ks Stat
		threads         int
	}
	var rows []row
	total := 0
	for _, u := range memoryUnits {
		if u.thread {
			total += len(threadSizes)
		} else {
			total += len(sizes)
		}
	}
	st := e.steps(total)
	warmGoroutine := math.NaN() // resident per goroutine in the discarded round
	for _, u := range memoryUnits {
		ns := sizes
		if u.thread {
			ns = threadSizes
		}
		if len(ns) > 0 {
			// One discarded round at the largest count: Go keeps the
			// record (g) of every goroutine that ended for reuse, so only
			// the first round pays for them. Without it the first
			// repetition measured 2.70 KiB per goroutine and the next ones
			// 2.13 KiB, and task.Go, measured later, less than a bare
			// goroutine.
			if err := ctx.Err(); err != nil {
				return res, err
			}
			p, err := measureUnits(ctx, u, slices.Max(ns))
			if err != nil {
				return res, err
			}
			if u.name == "goroutine" {
				warmGoroutine = p.rss
			}
		}
		for _, n := range ns {
			var rss, vm, gs, ks []float64
			threads := 0
			for range reps {
				if err := ctx.Err(); err != nil {
					return res, err
				}
				p, err := measureUnits(ctx, u, n)
				if err != nil {
					return res, err
				}
				rss, vm, gs, ks = append(rss, p.rss), append(vm, p.vm), append(gs, p.goStacks), append(ks, p.kernelStack)
				threads = p.threads
			}
			r := row{unit: u.name, n: n, rss: summarizeBytes(rss), vm: summarizeBytes(vm), gs: summarizeBytes(gs), ks: summarizeBytes(ks), threads: threads}
			key := fmt.Sprintf("memory/%s/%d/", u.name, n)
			res.metric(key+"resident", "bytes", r.rss)
			res.metric(key+"virtual", "bytes", r.vm)
			res.metric(key+"go-stacks", "bytes", r.gs)
			res.metric(key+"kernel-stack", "bytes", r.ks)
			rows = append(rows, r)
			st.next()
		}
	}

	t := Table{
		Title:   "per waiting unit (median of the repetitions)",
		Columns: []string{"unit", "count", "resident", "virtual", "Go stacks", "kernel stack", "spread", "OS threads alive"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.unit, fmtCount(r.n), fmtBytes(r.rss.Median), fmtBytes(r.vm.Median),
			fmtBytes(r.gs.Median), fmtBytes(r.ks.Median), fmtSpread(r.rss), threadsText(r.threads)})
	}
	res.Tables = append(res.Tables, t)

	// The chart: resident and virtual per unit at the largest count measured.
	largest := func(unit string) (row, bool) {
		var best row
		ok := false
		for _, r := range rows {
			if r.unit == unit && r.n >= best.n {
				best, ok = r, true
			}
		}
		return best, ok
	}
	ch := Chart{Title: "memory per waiting unit (largest count)", Kind: "bar", XName: "unit", YName: "KiB per unit", LogY: true}
	resident := Series{Name: "resident (VmRSS)"}
	virtual := Series{Name: "virtual (VmSize)"}
	for _, u := range memoryUnits {
		if r, ok := largest(u.name); ok {
			ch.X = append(ch.X, fmt.Sprintf("%s (%s)", u.name, fmtCount(r.n)))
			resident.Values = append(resident.Values, math.Max(r.rss.Median, 0)/1024)
			virtual.Values = append(virtual.Values, math.Max(r.vm.Median, 0)/1024)
		}
	}
	ch.Series = []Series{resident, virtual}
	res.Charts = append(res.Charts, ch)

	m := ReadMachine()
	thr, okT := largest("OS thread")
	gor, okG := largest("goroutine")
	if okT {
		// With cgo a thread's stack is reserved by pthreads (virtual size);
		// without, Go allocates it from its own heap (Go stacks).
		reserved, how := thr.vm, "virtual"
		if !m.Cgo {
			reserved, how = thr.gs, "of Go-made stacks"
		}
		c := Claim{
			Quote:    "Thread: ~2MB stack per thread",
			Measured: fmt.Sprintf("%s %s, %s resident", fmtBytes(reserved.Median), how, fmtBytes(thr.rss.Median)),
			Median:   reserved.Median, Spread: claimSpread(reserved), Unit: "bytes",
		}
		switch {
		case math.IsNaN(reserved.Median):
			c.Measured = "not measured: " + noStatus
		case math.IsNaN(thr.rss.Median):
			c.Measured = fmt.Sprintf("%s %s, resident not measured", fmtBytes(reserved.Median), how)
		}
		c.judge(near(2<<20, reserved.Median, 2, fmtBytes))
		if c.Holds {
			c.Verdict = "holds for the reserved stack"
		}
		lo, hi := statRange(reserved, 1)
		c.checkRange(lo, hi, (2<<20)/2, (2<<20)*2, fmtBytes)
		res.Claims = append(res.Claims, c)
	}
	if okG {
		c := Claim{
			Quote:    "Async task: ~2KB per task",
			Measured: fmt.Sprintf("%s per parked goroutine", fmtBytes(gor.rss.Median)),
			Median:   gor.rss.Median, Spread: claimSpread(gor.rss), Unit: "bytes",
		}
		if math.IsNaN(gor.rss.Median) {
			c.Measured = "not measured: " + noStatus
		}
		c.judge(near(2<<10, gor.rss.Median, 2, fmtBytes))
		lo, hi := statRange(gor.rss, 1)
		c.checkRange(lo, hi, (2<<10)/2, (2<<10)*2, fmtBytes)
		res.Claims = append(res.Claims, c)
	}

	s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		res.note(fmt.Sprintf("A new goroutine starts with a %s stack here (Go grows it by copying when it needs more); "+
			"resident per goroutine adds the page rounding of the heap.", fmtBytes(float64(s[0].Value.Uint64()))))
	}
	reuse := "Go keeps the record (g) of every goroutine that ended, to reuse it, so the figures leave it out: each kind of " +
		"unit first runs one round at its largest count that is not counted, as a program that has run goroutines before " +
		"would reuse them."
	if gor, ok := largest("goroutine"); ok && !math.IsNaN(warmGoroutine) && !math.IsNaN(gor.rss.Median) {
		reuse += fmt.Sprintf(" Here the uncounted round, which made the records, measured %s resident per goroutine at %s; the counted ones %s.",
			fmtBytes(warmGoroutine), fmtCount(gor.n), fmtBytes(gor.rss.Median))
	}
	res.note(reuse)
	if len(rows) > 0 && math.IsNaN(rows[0].rss.Median) {
		res.note("Not measured (-): resident, virtual and the OS threads alive, since " + noStatus + ".")
	}
	if m.Cgo {
		limit := "ulimit -s"
		if m.StackLimit > 0 {
			limit += " = " + fmtBytes(float64(m.StackLimit))
		}
		res.note(fmt.Sprintf("cgo is on: Go starts threads with pthread_create, and each reserves a stack of %s "+
			"of address space (virtual) of which it touches only a few pages (resident). Rust's std::thread reserves 2 MiB, "+
			"the chapter's figure. Without cgo (CGO_ENABLED=0 go run ./cmd/spool lab run memory) Go makes each "+
			"thread's stack itself, small and counted in Go stacks.", limit))
	} else {
		res.note("cgo is off: Go starts threads itself, with a small system stack that it allocates (counted in Go stacks), " +
			"so a thread reserves far less than the 2 MiB of a Rust std::thread or the ulimit -s of a pthread. " +
			"With cgo (CGO_ENABLED=1 and a C compiler) threads are pthreads instead.")
	}
	res.note("Go stacks per thread include the 32 KiB stack Go gives every thread for signal handling, " +
		"besides the locked goroutine's own; only the pages a stack touches become resident.")
	res.note("Kernel stack is the growth of KernelStack in /proc/meminfo, machine-wide (so other processes add noise): " +
		"memory each thread costs in the kernel, outside the process's resident size (- where there is no /proc/meminfo). " +
		"Parked goroutines cost the kernel nothing.")
	return res, nil
}

// noStatus says why resident and virtual sizes are not measured.
const noStatus = "this system has no /proc/self/status"

// threadsText is a count of OS threads, or "-" if unknown (-1).
func threadsText(n int) string {
	if n < 0 {
		return "-"
	}
	return fmtCount(n)
}
