package lab

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spool-go/spool/task"
)

var joinExperiment = Experiment{
	Name:  "join",
	Title: "sequential vs concurrent: three 100 ms operations",
	About: "The chapter's concurrent_operations: three operations that each wait 100 ms (task.Sleep), " +
		"awaited one after the other, then started together and joined with task.Join3 (tokio::join!), " +
		"and, for comparison, with plain goroutines and a sync.WaitGroup.",
	estimate: [3]time.Duration{Default: 2500 * time.Millisecond, Quick: 400 * time.Millisecond, Full: 5000 * time.Millisecond},
	run:      runJoin,
}

// operation is the chapter's `async fn operation(name, ms)`: it waits d.
func operation(ctx context.Context, d time.Duration) (struct{}, error) {
	return struct{}{}, task.Sleep(ctx, d)
}

// sequential awaits three operations one by one.
func sequential(ctx context.Context, d time.Duration) error {
	for range 3 {
		if _, err := operation(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// joined starts three operations and waits for all of them: tokio::join!.
func joined(ctx context.Context, d time.Duration) error {
	op := func(ctx context.Context) (struct{}, error) { return operation(ctx, d) }
	_, _, _, err := task.Join3(ctx, task.Go(ctx, op), task.Go(ctx, op), task.Go(ctx, op))
	return err
}

// waitGroup does the same with the go statement.
func waitGroup(ctx context.Context, d time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { _, errs[i] = operation(ctx, d) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func runJoin(ctx context.Context, e *env) (*Result, error) {
	d := pick(e.size, 20*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond)
	reps := pick(e.size, 3, 5, 10)
	return measureJoin(ctx, e, d, reps)
}

func measureJoin(ctx context.Context, e *env, d time.Duration, reps int) (*Result, error) {
	res := &Result{}
	ways := []struct {
		name   string
		expect time.Duration
		run    func(context.Context, time.Duration) error
	}{
		{"one by one (await each)", 3 * d, sequential},
		{"task.Join3 (tokio::join!)", d, joined},
		{"go + sync.WaitGroup", d, waitGroup},
	}
	st := e.steps(len(ways))
	got := make([]Stat, len(ways))
	for i, w := range ways {
		s, err := sample(ctx, reps, func() (float64, error) {
			return timeIt(1, func() error { return w.run(ctx, d) })
		})
		if err != nil {
			return res, fmt.Errorf("%s: %w", w.name, err)
		}
		got[i] = res.metric("join/"+w.name, "ns", s)
		st.next()
	}

	t := Table{Title: fmt.Sprintf("three operations of %s each (%d rounds)", fmtNS(float64(d)), reps),
		Columns: []string{"how", "expected", "took", "spread", "over expected"}}
	ch := Chart{Title: fmt.Sprintf("three %s operations", fmtNS(float64(d))), Kind: "bar", XName: "how", YName: "ms"}
	ser := Series{Name: "took"}
	exp := Series{Name: "expected"}
	for i, w := range ways {
		t.Rows = append(t.Rows, []string{w.name, fmtNS(float64(w.expect)), fmtNS(got[i].Median), fmtSpread(got[i]), fmtNS(got[i].Median - float64(w.expect))})
		ch.X = append(ch.X, w.name)
		ser.Values = append(ser.Values, got[i].Median/1e6)
		exp.Values = append(exp.Values, float64(w.expect)/1e6)
	}
	ch.Series = []Series{exp, ser}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	scaled := ""
	if d != 100*time.Millisecond {
		ds := fmtNS(float64(d))
		scaled = fmt.Sprintf(" (ops scaled to %s)", ds)
		res.note(fmt.Sprintf("This run scales the operations down from 100 ms to %s to save time; the verdicts compare with 3 x %s and %s.", ds, ds, ds))
	}
	for i, q := range []string{"Sequential - takes 300ms total", "Concurrent - takes 100ms total"} {
		c := Claim{Quote: q, Measured: fmtNS(got[i].Median) + scaled, Median: got[i].Median, Spread: claimSpread(got[i]), Unit: "ns"}
		want := float64(ways[i].expect)
		c.judge(near(want, got[i].Median, 1.15, fmtNS))
		lo, hi := statRange(got[i], 1)
		c.checkRange(lo, hi, want/1.15, want*1.15, fmtNS)
		res.Claims = append(res.Claims, c)
	}
	return res, nil
}
