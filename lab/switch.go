package lab

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

var switchExperiment = Experiment{
	Name:  "switch",
	Title: "context switch: ping-pong between two goroutines vs two OS threads",
	About: "Two units pass a token back and forth over unbuffered channels; a round trip is two hand-overs. " +
		"Between goroutines, Go's scheduler hands the token over in user space on the same thread. " +
		"Between two goroutines locked to their own OS threads, each hand-over wakes the other thread " +
		"through the kernel (a futex) and puts this one to sleep, and Go also wakes idle threads of its own " +
		"to look for work: a hand-over costs several kernel context switches. On Linux the lab counts them " +
		"(getrusage: the process's voluntary and involuntary switches) and judges the chapter's claim per " +
		"kernel switch; elsewhere it shows the time per hand-over. Between two tasks of a one-slot runtime, " +
		"each hand-over is an await point that also passes the slot.",
	estimate: [3]time.Duration{Default: 2500 * time.Millisecond, Quick: 500 * time.Millisecond, Full: 15000 * time.Millisecond},
	run:      runSwitch,
}

// checkEvery is how many round trips a ping-pong makes between two looks
// at its ctx: often enough to stop within a few ms of a cancel, rarely
// enough to cost nothing measurable.
const checkEvery = 1024

// pingPong passes a token between two goroutines n times (n round trips),
// or until ctx ends, and returns how long it took. With lock set, each
// goroutine locks its own OS thread first.
func pingPong(ctx context.Context, n int, lock bool) (time.Duration, error) {
	ping, pong := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	ready := make(chan struct{}, 2)
	wg.Go(func() { // the echo side
		if lock {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		ready <- struct{}{}
		for range ping {
			pong <- struct{}{}
		}
	})
	var (
		took time.Duration
		err  error
	)
	wg.Go(func() { // the timing side
		if lock {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		<-ready
		start := time.Now()
		for i := range n {
			if i%checkEvery == 0 {
				if err = ctx.Err(); err != nil {
					break
				}
			}
			ping <- struct{}{}
			<-pong
		}
		took = time.Since(start)
		close(ping)
	})
	wg.Wait()
	return took, err
}

// runtimePingPong passes a token between two tasks of a runtime with one
// worker slot, n round trips. Each channel operation is an await point
// (task.Park before, Resume after): a task gives the slot back while it
// waits for the other, which must take the slot to go on. This is the
// chapter's "user-space task switch" as spool's runtime does it.
func runtimePingPong(ctx context.Context, n int) (time.Duration, error) {
	r, err := rt.New(rt.CurrentThread(), rt.Name("lab-switch"), rt.DetectBlocking(0))
	if err != nil {
		return 0, err
	}
	defer r.Shutdown(context.Background())
	ping, pong := make(chan struct{}), make(chan struct{})
	send := func(ctx context.Context, ch chan<- struct{}) {
		p := task.Park(ctx)
		ch <- struct{}{}
		p.Resume()
	}
	recv := func(ctx context.Context, ch <-chan struct{}) bool {
		p := task.Park(ctx)
		_, ok := <-ch
		p.Resume()
		return ok
	}
	// The two tasks run without the run's cancel: one cancelled while it
	// waits for the slot would end without its channel operation, and the
	// other would wait for it forever (and Shutdown for both). The timing
	// task looks at the run's ctx itself and stops the two when it ends.
	tctx := context.WithoutCancel(ctx)
	runCtx := ctx
	echo := rt.Spawn(r, tctx, func(ctx context.Context) (struct{}, error) {
		for recv(ctx, ping) {
			send(ctx, pong)
		}
		return struct{}{}, nil
	})
	timer := rt.Spawn(r, tctx, func(ctx context.Context) (time.Duration, error) {
		var err error
		start := time.Now()
		for i := range n {
			if i%checkEvery == 0 {
				if err = runCtx.Err(); err != nil {
					break
				}
			}
			send(ctx, ping)
			recv(ctx, pong)
		}
		took := time.Since(start)
		close(ping)
		return took, err
	})
	took, err := timer.Await(ctx)
	if _, err := echo.Await(ctx); err != nil {
		return 0, err
	}
	return took, err
}

// switcher measures n round trips and returns the time they took in all,
// or ctx's error if it ended first.
type switcher struct {
	name   string
	thread bool
	run    func(ctx context.Context, n int) (time.Duration, error)
}

func switchers() []switcher {
	out := []switcher{
		{name: "goroutines", run: func(ctx context.Context, n int) (time.Duration, error) { return pingPong(ctx, n, false) }},
	}
	out = append(out, switcher{name: "runtime tasks (1 slot)", run: runtimePingPong})
	return append(out, switcher{name: "locked OS threads", thread: true,
		run: func(ctx context.Context, n int) (time.Duration, error) { return pingPong(ctx, n, true) }})
}

func runSwitch(ctx context.Context, e *env) (*Result, error) {
	n := pick(e.size, 20000, 200000, 1000000)
	nThreads := pick(e.size, 3000, 10000, 50000)
	reps := pick(e.size, 3, 5, 10)
	if raceEnabled {
		n, nThreads = min(n, 2000), min(nThreads, 500)
	}
	return measureSwitch(ctx, e, n, nThreads, reps)
}

// countSwitches is ctxSwitches; tests replace it to see the experiment on
// an OS that does not count kernel context switches.
var countSwitches = ctxSwitches

// switchRow is what the switch experiment measured between one kind of
// unit.
type switchRow struct {
	rt Stat // round trip, ns
	// ks is the kernel context switches the process made per round trip,
	// and perKS the time per kernel switch (ns), over the same
	// repetitions; both N 0 where the OS does not count them, and perKS
	// N 0 too if a repetition made none.
	ks, perKS Stat
}

func measureSwitch(ctx context.Context, e *env, n, nThreads, reps int) (*Result, error) {
	res := &Result{}
	sws := switchers()
	st := e.steps(len(sws))
	rows := make([]switchRow, len(sws))
	for i, sw := range sws {
		count := n
		if sw.thread {
			count = nThreads
		}
		if _, err := sw.run(ctx, min(count, 1000)); err != nil { // warm up
			return res, err
		}
		var ks, perKS []float64
		counted := true
		s, err := sample(ctx, reps, func() (float64, error) {
			k0, ok0 := countSwitches()
			d, err := sw.run(ctx, count)
			k1, ok1 := countSwitches()
			if counted = counted && ok0 && ok1; counted {
				k := float64(k1 - k0)
				ks = append(ks, k/float64(count))
				if k > 0 {
					perKS = append(perKS, float64(d)/k)
				}
			}
			return float64(d) / float64(count), err
		})
		if err != nil {
			return res, fmt.Errorf("%s: %w", sw.name, err)
		}
		rows[i].rt = res.metric("switch/"+sw.name+"/round-trip", "ns", s)
		if counted {
			rows[i].ks = summarize(ks)
			if len(perKS) == len(ks) {
				rows[i].perKS = summarize(perKS)
			}
		}
		if sw.thread && rows[i].perKS.N > 0 {
			res.metric("switch/"+sw.name+"/kernel-switches", "switches/round-trip", rows[i].ks)
			res.metric("switch/"+sw.name+"/per-kernel-switch", "ns", rows[i].perKS)
		}
		st.next()
	}

	t := Table{Title: fmt.Sprintf("ping-pong (%s round trips, %s between threads; %d rounds)", fmtCount(n), fmtCount(nThreads), reps),
		Columns: []string{"between", "round trip", "per hand-over", "kernel switches a round trip", "per kernel switch", "spread", "vs goroutines"}}
	ch := Chart{Title: "one hand-over (half a round trip)", Kind: "bar", XName: "between", YName: "ns per hand-over", LogY: true}
	ser := Series{Name: "median"}
	for i, sw := range sws {
		r := rows[i]
		ks, per := "-", "-"
		if r.ks.N > 0 {
			ks = sig(r.ks.Median)
		}
		if r.perKS.N > 0 && r.ks.Median >= 1 { // below one a round trip, the time is not the switches'
			per = fmtNS(r.perKS.Median)
		}
		t.Rows = append(t.Rows, []string{sw.name, fmtNS(r.rt.Median), fmtNS(r.rt.Median / 2), ks, per, fmtSpread(r.rt), fmtX(r.rt.Median / rows[0].rt.Median)})
		ch.X = append(ch.X, sw.name)
		ser.Values = append(ser.Values, r.rt.Median/2)
	}
	ch.Series = []Series{ser}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	thr, gor := rows[len(rows)-1], rows[0].rt
	res.Claims = append(res.Claims, threadSwitchClaim(thr.rt, thr.ks, thr.perKS))
	c := Claim{
		Quote:    "Async tasks: User-space task switch (~100ns)",
		Measured: fmt.Sprintf("%s per switch, goroutines", fmtNS(gor.Median/2)),
		Median:   gor.Median / 2, Spread: claimSpread(gor), Unit: "ns",
	}
	c.judge(near(100, gor.Median/2, 2, fmtNS))
	lo, hi := statRange(gor, 0.5)
	c.checkRange(lo, hi, 100.0/2, 100*2, fmtNS)
	res.Claims = append(res.Claims, c)
	res.note("A hand-over here includes the channel operation that causes it; Go hands the token to the woken goroutine " +
		"directly (it runs next on the same thread), which is why goroutine ping-pong stays in user space: one " +
		"hand-over is one goroutine switch.")
	if thr.perKS.N > 0 {
		res.note("Kernel switches are counted for the whole process (getrusage: voluntary and involuntary) over each round. " +
			"Between locked threads a round trip takes more than the two its threads' sleeps need: as a goroutine becomes " +
			"ready, Go wakes an idle thread of its own to look for work, which finds none and sleeps again. " +
			"Per kernel switch is the round trip over the switches it took.")
	}
	return res, nil
}

// threadSwitchClaim checks "Kernel-level context switch (~1-10μs)" from the
// locked threads' round trip (rt, ns), the kernel context switches each
// round trip took (ks) and the time per kernel switch (perKS, ns). Where
// the switches were counted (perKS.N > 0, on Linux) it judges the time per
// kernel switch; elsewhere only the time per hand-over (rt/2) is known, a
// hand-over takes one or more kernel switches, and the claim is judged on
// it only where that tells: a hand-over above the range says nothing of
// one switch.
func threadSwitchClaim(rt, ks, perKS Stat) Claim {
	c := Claim{Quote: "Threads: Kernel-level context switch (~1-10μs)", Unit: "ns"}
	if perKS.N > 0 && ks.Median >= 1 { // below one a round trip, the time is not the switches' (as in the table)
		c.Measured = fmt.Sprintf("%s per kernel switch, locked threads (%s a round trip)", fmtNS(perKS.Median), sig(ks.Median))
		c.Median, c.Spread = perKS.Median, claimSpread(perKS)
		c.judge(within(1000, 10000, perKS.Median, fmtNS))
		lo, hi := statRange(perKS, 1)
		c.checkRange(lo, hi, 1000/1.5, 10000*1.5, fmtNS) // within's band, "roughly" included
		return c
	}
	h := rt.Median / 2
	why := "kernel switches not counted on this OS"
	if ks.N > 0 {
		why = fmt.Sprintf("%s kernel switches a round trip", sig(ks.Median))
	}
	c.Measured = fmt.Sprintf("%s per hand-over, locked threads (%s)", fmtNS(h), why)
	c.Median, c.Spread = h, claimSpread(rt)
	c.judge(within(1000, 10000, h, fmtNS))
	if !c.Holds && !c.Inconclusive && h > 10000 {
		c.Verdict = fmt.Sprintf("cannot tell: %s per hand-over, which takes one or more kernel switches that this OS does not count", fmtNS(h))
		c.Inconclusive = true
		return c
	}
	lo, hi := statRange(rt, 0.5)
	c.checkRange(lo, hi, 1000/1.5, 10000*1.5, fmtNS)
	return c
}
