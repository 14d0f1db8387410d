package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spool-go/spool/lab"
)

func labReport() *lab.Report {
	return &lab.Report{
		Machine: lab.ReadMachine(),
		Size:    lab.Quick,
		Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Claims:  []lab.Claim{{Experiment: "switch", Quote: "Async tasks: User-space task switch (~100ns)", Measured: "142 ns", Verdict: "holds", Holds: true}},
		Results: []*lab.Result{{
			Name: "switch", Title: "context switch", About: "Two units <pass> a token.",
			Tables: []lab.Table{{Title: "ping-pong", Columns: []string{"between", "round trip"}, Rows: [][]string{{"goroutines", "284 ns"}}}},
			Charts: []lab.Chart{
				{Title: "bars", Kind: "bar", LogY: true, X: []string{"a", "b"}, Series: []lab.Series{{Name: "s", Values: []float64{1, math.NaN()}}}},
				{Title: "lines", Kind: "line", X: []string{"1", "2"}, Series: []lab.Series{{Name: "s", Values: []float64{1, 2}}}},
			},
		}, {Name: "memory", Title: "memory", Error: "lab: broke"}},
	}
}

// networkRef finds anything a browser would fetch: a script or stylesheet
// from elsewhere, or an import.
var networkRef = regexp.MustCompile(`(?i)<script[^>]*\ssrc=|<link[^>]*\shref=|@import|<iframe|<img[^>]*\ssrc="?https?:`)

func TestLabHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := writeLabHTML(&b, labReport()); err != nil {
		t.Fatalf("writeLabHTML: %v", err)
	}
	page := b.String()
	if m := networkRef.FindString(page); m != "" {
		t.Errorf("page loads something from elsewhere: %q", m)
	}
	for _, want := range []string{
		"echarts.init(",                   // go-echarts' chart scripts
		"Licensed to the Apache Software", // the inlined echarts library
		"Two units &lt;pass&gt; a token.", // escaped text
		"Async tasks: User-space task switch (~100ns)",
		`<td class="holds">holds</td>`,
		"284 ns",
		`"-"`, // the NaN gap
		`<td class="off">failed (see below)</td>`,
		"failed: lab: broke",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "echarts.init("); n != 2 {
		t.Errorf("page has %d charts; want 2", n)
	}
}

func TestLabBadUsage(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.html")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"lab", "--quick", "--full"}, "--quick and --full exclude each other"},
		{[]string{"lab", "list", "--quick", "--full"}, "--quick and --full exclude each other"},
		{[]string{"lab", "run", "nope"}, `unknown experiment "nope" (known: memory, spawn`},
		{[]string{"lab", "run"}, "name at least one experiment (known: memory, spawn"},
		{[]string{"lab", "extra"}, "unknown command"},
		{[]string{"lab", "list", "--json"}, "unknown flag: --json"},
		{[]string{"lab", "list", "--html", filepath.Join(dir, "x.html")}, "unknown flag: --html"},
		{[]string{"lab", "--html", ""}, `--html "": give the page a file name`},
		{[]string{"lab", "--html=-"}, "--html -: standard output carries the report"},
		{[]string{"lab", "run", "join", "--html", filepath.Join(dir, "no", "such", "x.html")}, "no such file or directory"},
		{[]string{"lab", "run", "join", "--html", dir}, "is a directory"},
		{[]string{"lab", "run", "join", "--html", os.DevNull}, "not a regular file"},
		{[]string{"lab", "run", "nope", "--html", fresh}, `unknown experiment "nope"`},
	}
	for _, tc := range cases {
		root := newRoot()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs(tc.args)
		err := root.Execute()
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("spool %s: got %v (exit %d); want a usage error (exit 2) saying %q", strings.Join(tc.args, " "), err, exitCode(err), tc.want)
		}
		if out.Len() > 0 || strings.Contains(errOut.String(), "lab 1/") {
			t.Errorf("spool %s: ran (stdout %q, stderr %q); want it stopped before running", strings.Join(tc.args, " "), out.String(), errOut.String())
		}
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a run with a bad name left its page behind: %v", err)
	}
}

// The page of an interrupted run says so, and shows the cut experiment as
// interrupted, not failed.
func TestLabHTMLInterrupted(t *testing.T) {
	rep := labReport()
	rep.Results = rep.Results[:1]
	rep.Results[0].Interrupted = true
	rep.Interrupted, rep.NotRun = true, []string{"join", "cpu"}
	var b bytes.Buffer
	if err := writeLabHTML(&b, rep); err != nil {
		t.Fatalf("writeLabHTML: %v", err)
	}
	page := b.String()
	for _, want := range []string{
		"Interrupted: the run was stopped before it finished; switch was cut short; not run: join, cpu.",
		`<td class="info">interrupted</td>`,
		`<tr><td>cpu</td><td>-</td><td>-</td><td>-</td><td class="info">not run (interrupted)</td></tr>`,
		"interrupted: the run was stopped during this experiment",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "failed") {
		t.Errorf("page of an interrupted run says failed")
	}
}

// The page shows what an experiment cut short had measured before it laid
// out its tables, as the text report does; it used to show nothing.
func TestLabHTMLInterruptedShowsFigures(t *testing.T) {
	rep := labReport()
	rep.Results = rep.Results[:1]
	res := rep.Results[0]
	res.Interrupted, res.Tables, res.Charts = true, nil, nil
	res.Metrics = []lab.Metric{{Name: "switch/goroutines/round-trip", Unit: "ns", Stat: lab.Stat{Median: 284, Min: 280, Max: 290, N: 3}}}
	rep.Interrupted = true
	var b bytes.Buffer
	if err := writeLabHTML(&b, rep); err != nil {
		t.Fatalf("writeLabHTML: %v", err)
	}
	for _, want := range []string{"measured before it stopped", "<td>switch/goroutines/round-trip</td><td>284 ns</td>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestLabList(t *testing.T) {
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"lab", "list"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, name := range lab.Names() {
		if !strings.Contains(out.String(), name) {
			t.Errorf("lab list lacks %q:\n%s", name, out.String())
		}
	}
}

// TestLabQuickJSON is the smoke test: `spool lab --quick --json --html F`
// runs every experiment, prints JSON that parses, and writes the page.
func TestLabQuickJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole quick lab")
	}
	defer goleak.VerifyNone(t)
	page := filepath.Join(t.TempDir(), "lab.html")
	var out, errOut bytes.Buffer
	err := runLab(t.Context(), labFlags{quick: true, json: true, html: page}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("runLab: %v\nstderr:\n%s", err, errOut.String())
	}
	var rep lab.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	for _, name := range lab.Names() {
		res := rep.Result(name)
		switch {
		case res == nil:
			t.Errorf("experiment %s missing from the JSON", name)
		case res.Error != "":
			t.Errorf("experiment %s failed: %s", name, res.Error)
		case len(res.Metrics) == 0 || len(res.Claims) == 0:
			t.Errorf("experiment %s: %d metrics, %d claims: want some of each", name, len(res.Metrics), len(res.Claims))
		}
	}
	if len(rep.Claims) < len(lab.Names()) {
		t.Errorf("report has %d claims; want at least one per experiment (%d)", len(rep.Claims), len(lab.Names()))
	}
	// Progress went to stderr, one plain line per experiment (not a terminal).
	if got := strings.Count(errOut.String(), "\nlab "); got+1 < len(lab.Names()) {
		t.Errorf("stderr has %d progress lines; want one per experiment:\n%s", got+1, errOut.String())
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if m := networkRef.Find(b); m != nil {
		t.Errorf("page loads something from elsewhere: %q", m)
	}
}

func TestLabFailedIsExit1(t *testing.T) {
	err := labFailed{errors.New("lab: 1 experiment(s) failed: memory")}
	if exitCode(err) != 1 || err.Error() != "lab: 1 experiment(s) failed: memory" {
		t.Errorf("labFailed: exit %d, message %q; want exit 1 and the lab's message", exitCode(err), err.Error())
	}
}

// An interrupted run still prints its report and writes its page, both
// marked interrupted, and exits 2 saying so.
func TestLabInterrupted(t *testing.T) {
	page := filepath.Join(t.TempDir(), "lab.html")
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("interrupt signal received"))
	var out, errOut bytes.Buffer
	err := runLab(ctx, labFlags{quick: true, json: true, html: page, htmlSet: true}, []string{"join", "switch"}, &out, &errOut)
	if err == nil || exitCode(err) != 2 || err.Error() != "lab: interrupted after 0 of 2 experiments: interrupt signal received (context canceled)" {
		t.Errorf("runLab = %v (exit %d); want interrupted, exit 2", err, exitCode(err))
	}
	var rep lab.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !rep.Interrupted || strings.Join(rep.NotRun, ",") != "join,switch" {
		t.Errorf("JSON %s (%v): want interrupted, join and switch not run", out.String(), err)
	}
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), "Interrupted: the run was stopped before it finished; not run: join, switch.") {
		t.Errorf("page: %v; want it written and marked interrupted", err)
	}
}

// TestLabChartAxes: every chart names its X axis (bar charts left it
// blank: the channels chart showed 0, 1, 64, 1024 with no "buffer"), and
// a log-scale bar chart has no value below 1, where ECharts starts its
// bars: waits of a few µs, in ms, hung down from 1 ms, drawn longer than
// the p99 of 65 µs beside them. They are shown in µs now.
func TestLabChartAxes(t *testing.T) {
	cases := []struct {
		name    string
		chart   lab.Chart
		want    []string // in the chart's script
		notWant []string
	}{
		{"log bar below 1", lab.Chart{Title: "waits", Kind: "bar", XName: "meanwhile", YName: "ms", LogY: true,
			X: []string{"idle", "busy"}, Series: []lab.Series{{Name: "median", Values: []float64{0.0034, 0.0041}}, {Name: "p99", Values: []float64{0.065, 395}}}},
			[]string{`"name":"meanwhile"`, `"type":"log"`, `"min":1`, `"name":"µs"`, `"value":3.4}`, `"value":4.1}`, `"value":395000}`}, []string{`"value":0.0034`}},
		{"log bar above 1", lab.Chart{Title: "spawn", Kind: "bar", XName: "unit", YName: "ns", LogY: true,
			X: []string{"goroutine", "thread"}, Series: []lab.Series{{Name: "ns", Values: []float64{183, 24500}}}},
			[]string{`"name":"unit"`, `"min":1`, `"value":183`}, nil},
		{"linear bar", lab.Chart{Title: "channels", Kind: "bar", XName: "buffer", YName: "million messages/s",
			X: []string{"0", "1", "64"}, Series: []lab.Series{{Name: "msgs", Values: []float64{8, 20, 28}}}},
			[]string{`"name":"buffer"`}, []string{`"min"`}},
		{"line", lab.Chart{Title: "cpu", Kind: "line", XName: "workers", YName: "speed-up (x)",
			X: []string{"1", "2"}, Series: []lab.Series{{Name: "pool", Values: []float64{1, 1.98}}}},
			[]string{`"name":"workers"`}, []string{`"min"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := string(labChart("c", c.chart).Script)
			for _, w := range c.want {
				if !strings.Contains(script, w) {
					t.Errorf("chart script lacks %s:\n%s", w, script)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(script, w) {
					t.Errorf("chart script has %s; want none:\n%s", w, script)
				}
			}
		})
	}
}
