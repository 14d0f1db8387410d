package lab

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMutInterruptedExperimentClaimsLeftOut: the claims of an experiment
// that the run's ctx cut short are judged on incomplete figures: Run
// leaves them out, of the experiment's Result and of the Report, and
// marks the experiment Interrupted, not failed. (A fake experiment that
// returns a claim with ctx's error, so as not to depend on where a real
// one stops.)
func TestMutInterruptedExperimentClaimsLeftOut(t *testing.T) {
	saved := experiments
	defer func() { experiments = saved }()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	experiments = []Experiment{{
		Name:     "fake",
		Title:    "a fake experiment",
		estimate: [3]time.Duration{time.Millisecond, time.Millisecond, time.Millisecond},
		run: func(ctx context.Context, e *env) (*Result, error) {
			cancel()
			return &Result{Claims: []Claim{{Quote: "q", Verdict: "holds", Holds: true}}}, ctx.Err()
		},
	}}
	rep, err := Run(ctx, Scale(Quick))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want an error matching context.Canceled", err)
	}
	if len(rep.Results) != 1 {
		t.Fatalf("got %d results; want 1", len(rep.Results))
	}
	res := rep.Results[0]
	if !res.Interrupted || res.Error != "" {
		t.Errorf("got Interrupted %v, Error %q; want interrupted, not failed", res.Interrupted, res.Error)
	}
	if len(res.Claims) != 0 || len(rep.Claims) != 0 {
		t.Errorf("got %d claims in the result, %d in the report; want none", len(res.Claims), len(rep.Claims))
	}
}

// TestMutFailedExperimentIsReported: an experiment that fails (not
// interrupted) makes Run return an error naming it, after the others
// ran; its Result carries the error, and the others' claims are kept.
func TestMutFailedExperimentIsReported(t *testing.T) {
	saved := experiments
	defer func() { experiments = saved }()
	ms := [3]time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	experiments = []Experiment{
		{Name: "bad", Title: "fails", estimate: ms, run: func(context.Context, *env) (*Result, error) {
			return &Result{}, errors.New("broken")
		}},
		{Name: "good", Title: "works", estimate: ms, run: func(context.Context, *env) (*Result, error) {
			return &Result{Claims: []Claim{{Quote: "q", Verdict: "holds", Holds: true}}}, nil
		}},
	}
	rep, err := Run(t.Context(), Scale(Quick))
	const want = "lab: 1 experiment(s) failed: bad"
	if err == nil || err.Error() != want {
		t.Errorf("Run = %v; want %q", err, want)
	}
	if rep == nil || len(rep.Results) != 2 {
		t.Fatalf("got report %+v; want 2 results", rep)
	}
	if got := rep.Results[0].Error; got != "broken" {
		t.Errorf("bad: got Error %q; want %q", got, "broken")
	}
	if rep.Results[1].Error != "" || len(rep.Claims) != 1 {
		t.Errorf("good: got Error %q and %d claims in the report; want none and 1", rep.Results[1].Error, len(rep.Claims))
	}
}
