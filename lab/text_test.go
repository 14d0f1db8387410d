package lab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/lab"
)

func sampleReport() *lab.Report {
	return &lab.Report{
		Machine: lab.Machine{CPU: "Test CPU", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.26", OS: "linux", Arch: "amd64", Cgo: true},
		Size:    lab.Quick,
		Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Seconds: 1.5,
		Claims: []lab.Claim{{
			Experiment: "switch", Quote: "Async tasks: User-space task switch (~100ns)",
			Measured: "142 ns per switch", Median: 142, Spread: 0.1, Unit: "ns", Verdict: "holds", Holds: true,
		}},
		Results: []*lab.Result{{
			Name: "switch", Title: "context switch", About: "Two units pass a token.", Seconds: 1,
			Metrics: []lab.Metric{{Name: "switch/goroutines/round-trip", Unit: "ns", Stat: lab.Stat{N: 3, Median: 284}}},
			Tables: []lab.Table{{Title: "ping-pong", Columns: []string{"between", "round trip"},
				Rows: [][]string{{"goroutines", "284 ns"}, {"locked OS threads", "39.8 µs"}}}},
			Charts: []lab.Chart{{Title: "one switch", Kind: "bar", X: []string{"goroutines", "threads"},
				Series: []lab.Series{{Name: "median", Values: []float64{142, math.NaN()}}}}},
			Notes: []string{"A note."},
		}, {
			Name: "memory", Title: "memory", Error: "lab: something broke",
		}},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := lab.WriteText(&b, sampleReport()); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	out := b.String()
	for _, want := range []string{
		"spool lab (quick run)",
		"Test CPU, 2 cores, GOMAXPROCS=2",
		"THE CHAPTER CLAIMS",
		`"Async tasks: User-space task switch (~100ns)"`,
		"142 ns per switch",
		"10%",
		"== switch: context switch",
		"Two units pass a token.",
		"ping-pong",
		"locked OS threads",
		"39.8 µs",
		"- A note.",
		"FAILED: lab: something broke",
		"FAILED (see below)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteText output lacks %q; got:\n%s", want, out)
		}
	}
	// The claims table is aligned: the quote starts in the same column in
	// the header and the row.
	lines := strings.Split(out, "\n")
	var header, row string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "EXPERIMENT"):
			header = l
		case strings.HasPrefix(l, "switch "):
			row = l
		}
	}
	if h, r := strings.Index(header, "THE CHAPTER"), strings.Index(row, `"Async`); h < 0 || h != r {
		t.Errorf("claims table not aligned: header column at %d, row column at %d\n%s\n%s", h, r, header, row)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := lab.WriteJSON(&b, sampleReport()); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var got lab.Report
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b.String())
	}
	if len(got.Results) != 2 || got.Results[0].Name != "switch" || got.Claims[0].Verdict != "holds" {
		t.Errorf("round trip lost data: got %+v", got)
	}
	if v := got.Results[0].Charts[0].Series[0].Values; len(v) != 2 || !math.IsNaN(v[1]) {
		t.Errorf("chart values: got %v; want [142 NaN]", v)
	}
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["size"] != "quick" {
		t.Errorf(`"size": got %v; want "quick"`, raw["size"])
	}
}

func TestWriteList(t *testing.T) {
	var b bytes.Buffer
	if err := lab.WriteList(&b, lab.Default); err != nil {
		t.Fatal(err)
	}
	for _, name := range lab.Names() {
		if !strings.Contains(b.String(), name+" ") {
			t.Errorf("list lacks %q:\n%s", name, b.String())
		}
	}
}

func TestRunUnknown(t *testing.T) {
	rep, err := lab.Run(t.Context(), lab.Only("switch", "nope"))
	if rep != nil || err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Run(Only(nope)): got %v, %v; want nil and an error naming it", rep, err)
	}
}

func TestRunOnlyOnce(t *testing.T) {
	rep, err := lab.Run(t.Context(), lab.Scale(lab.Quick), lab.Only("join", "join"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Name != "join" {
		t.Errorf("Run(Only(join, join)): got %d results; want join once", len(rep.Results))
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := contextWithCancel(t)
	cancel()
	rep, err := lab.Run(ctx, lab.Scale(lab.Quick), lab.Only("join"))
	if !errors.Is(err, context.Canceled) || rep == nil || len(rep.Results) != 0 || !rep.Interrupted || strings.Join(rep.NotRun, ",") != "join" {
		t.Errorf("Run with a done ctx: got %+v, %v; want an empty report, interrupted, join not run, and context.Canceled", rep, err)
	}
}

// An interrupted run says so in every output: the experiment cut short is
// "interrupted", not FAILED, and the ones never started are listed.
func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	// Ctrl-C as the first experiment starts (its progress line).
	progress := writerFunc(func(p []byte) (int, error) {
		cancel(errors.New("interrupt signal received"))
		return len(p), nil
	})
	rep, err := lab.Run(ctx, lab.Scale(lab.Quick), lab.Only("join", "switch", "memory"), lab.Progress(lab.Lines(progress)))
	const wantErr = "lab: interrupted after 0 of 3 experiments: interrupt signal received (context canceled)"
	if err == nil || err.Error() != wantErr || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want %q matching context.Canceled", err, wantErr)
	}
	if !rep.Interrupted || len(rep.Results) != 1 || !rep.Results[0].Interrupted || rep.Results[0].Error != "" ||
		strings.Join(rep.NotRun, ",") != "switch,memory" {
		t.Fatalf("report: interrupted %v, %d results, not run %v; want true, join interrupted without error, switch and memory not run",
			rep.Interrupted, len(rep.Results), rep.NotRun)
	}
	var text bytes.Buffer
	if err := lab.WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`(?m)^INTERRUPTED: the run was stopped before it finished: join was cut short; 2 experiments did not run \(switch, memory\)\.$`,
		`(?m)^join +- +- +- +interrupted$`,
		`(?m)^switch +- +- +- +not run \(interrupted\)$`,
		`(?m)^INTERRUPTED: the run was stopped during this experiment`,
	} {
		if !regexp.MustCompile(want).MatchString(text.String()) {
			t.Errorf("text report lacks %s:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "FAILED") {
		t.Errorf("text report says FAILED:\n%s", text.String())
	}
	var js bytes.Buffer
	if err := lab.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Interrupted bool     `json:"interrupted"`
		NotRun      []string `json:"not_run"`
		Experiments []struct {
			Interrupted bool   `json:"interrupted"`
			Error       string `json:"error"`
		} `json:"experiments"`
	}
	if err := json.Unmarshal(js.Bytes(), &raw); err != nil || !raw.Interrupted || len(raw.NotRun) != 2 || !raw.Experiments[0].Interrupted || raw.Experiments[0].Error != "" {
		t.Errorf("JSON %s (%v): want interrupted, not_run and the experiment interrupted without an error", js.String(), err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestExperimentsListed(t *testing.T) {
	want := []string{"memory", "spawn", "switch", "join", "cpu", "io", "shared", "channels", "blocking", "mutex"}
	got := lab.Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Names() = %v; want %v", got, want)
	}
	for _, x := range lab.Experiments() {
		if x.Title == "" || x.About == "" || x.Estimate(lab.Default) <= 0 || x.Estimate(lab.Quick) > x.Estimate(lab.Default) {
			t.Errorf("experiment %q: title %q, about %d chars, estimates %v/%v: want all set, quick <= default",
				x.Name, x.Title, len(x.About), x.Estimate(lab.Quick), x.Estimate(lab.Default))
		}
	}
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}
