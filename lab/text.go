package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteText writes the report for people: the machine, a table of the
// chapter's claims with what was measured and a verdict, then one section
// per experiment with its tables and notes (or, for one cut short or
// failed before it made its tables, the figures it had measured).
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	m := r.Machine
	fmt.Fprintf(ew, "spool lab (%s run): the chapter's claims, measured on this machine\n", r.Size)
	fmt.Fprintf(ew, "%s, %d cores, GOMAXPROCS=%d, %s %s/%s, cgo %s", m.CPU, m.Cores, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch, onOff(m.Cgo))
	if m.Race {
		fmt.Fprint(ew, ", RACE DETECTOR ON (every figure is several times slower)")
	}
	fmt.Fprintf(ew, "; took %s\n", fmtNS(r.Seconds*1e9))
	if r.Interrupted {
		fmt.Fprintf(ew, "INTERRUPTED: the run was stopped before it finished: %s.\n", incomplete(r))
	}
	if m.Busy() {
		fmt.Fprintf(ew, "WARNING: the machine was busy (load average %.1f on %d cores): other programs competed for the CPU, so the figures are noisy.\n", m.Load, m.Cores)
	}
	fmt.Fprintln(ew)

	if len(r.Results) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EXPERIMENT\tTHE CHAPTER CLAIMS\tMEASURED HERE\tSPREAD\tVERDICT")
		for _, c := range r.Claims {
			fmt.Fprintf(tw, "%s\t\"%s\"\t%s\t%s\t%s\n", c.Experiment, c.Quote, c.Measured, c.SpreadText(), c.Verdict)
		}
		for _, res := range r.Results {
			switch {
			case res.Interrupted:
				fmt.Fprintf(tw, "%s\t-\t-\t-\tinterrupted\n", res.Name)
			case res.Error != "":
				fmt.Fprintf(tw, "%s\t-\t-\t-\tFAILED (see below)\n", res.Name)
			}
		}
		for _, name := range r.NotRun {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tnot run (interrupted)\n", name)
		}
		tw.Flush()
		fmt.Fprintln(ew, "\nmeasured: medians over the repetitions of this run, except p99s, which say so.")
		fmt.Fprintln(ew, "spread = (max-min)/median over the repetitions of this run; for a ratio of two measured figures,")
		fmt.Fprintln(ew, "the range of the ratio over every pairing of the two sides' repetitions, over the ratio shown")
		fmt.Fprintln(ew, "(about the sum of the two sides' spreads); - for a figure measured once (one p99 of many waits).")
	}

	for _, res := range r.Results {
		fmt.Fprintf(ew, "\n== %s: %s (%s)\n", res.Name, res.Title, fmtNS(res.Seconds*1e9))
		if res.About != "" {
			fmt.Fprintln(ew, wrap(res.About, 100, ""))
		}
		switch {
		case res.Interrupted:
			fmt.Fprintln(ew, "INTERRUPTED: the run was stopped during this experiment; what it measured is incomplete.")
		case res.Error != "":
			fmt.Fprintf(ew, "FAILED: %s\n", res.Error)
		}
		for _, t := range res.Shown() {
			fmt.Fprintln(ew)
			writeTable(ew, t)
		}
		for _, n := range res.Notes {
			fmt.Fprintln(ew, wrap("- "+n, 100, "  "))
		}
	}
	return ew.err
}

// incomplete says what an interrupted run left out: the experiment it cut
// short and those it never started.
func incomplete(r *Report) string {
	var parts []string
	for _, res := range r.Results {
		if res.Interrupted {
			parts = append(parts, res.Name+" was cut short")
		}
	}
	switch len(r.NotRun) {
	case 0:
	case 1:
		parts = append(parts, r.NotRun[0]+" did not run")
	default:
		parts = append(parts, fmt.Sprintf("%d experiments did not run (%s)", len(r.NotRun), strings.Join(r.NotRun, ", ")))
	}
	if len(parts) == 0 {
		return "every experiment had ended"
	}
	return strings.Join(parts, "; ")
}

// Shown returns the tables to show for r: its own, or, for an experiment
// cut short or failed before it laid them out, one table of the figures
// it had measured (empty if it had none).
func (r *Result) Shown() []Table {
	if len(r.Tables) == 0 && len(r.Metrics) > 0 {
		return []Table{metricsTable(r.Metrics)}
	}
	return r.Tables
}

// metricsTable lays out the figures of an experiment that stopped (cut
// short or failed) before it made its own tables.
func metricsTable(ms []Metric) Table {
	t := Table{Title: "measured before it stopped (median of the repetitions)",
		Columns: []string{"figure", "median", "spread", "rounds"}}
	for _, m := range ms {
		t.Rows = append(t.Rows, []string{m.Name, fmtUnit(m.Median, m.Unit), fmtSpread(m.Stat), strconv.Itoa(m.N)})
	}
	return t
}

// fmtUnit formats v, a figure in unit, as the experiments' tables do.
func fmtUnit(v float64, unit string) string {
	switch unit {
	case "ns":
		return fmtNS(v)
	case "bytes":
		return fmtBytes(v)
	case "x":
		return fmtX(v)
	}
	if u, ok := strings.CutSuffix(unit, "s/s"); ok { // ops/s, msgs/s, sections/s
		return fmtRate(v, u)
	}
	return sig(v) + " " + unit
}

func writeTable(w io.Writer, t Table) {
	if t.Title != "" {
		fmt.Fprintln(w, t.Title)
	}
	// Figures align right; the first column, a label, aligns left: pad it
	// to its widest cell so tabwriter's right alignment leaves it alone.
	width := 0
	for _, row := range append([][]string{t.Columns}, t.Rows...) {
		if len(row) > 0 {
			width = max(width, utf8.RuneCountInString(row[0]))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range append([][]string{t.Columns}, t.Rows...) {
		for i, c := range row {
			if i == 0 {
				c = "  " + c + strings.Repeat(" ", width-utf8.RuneCountInString(c))
			}
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteList writes the experiments with their estimated run times at size
// s: Quick, Default or Full; any other s is an error matching
// [ErrInvalid], and nothing is written.
func WriteList(w io.Writer, s Size) error {
	if !s.valid() {
		return invalidError(fmt.Sprintf("lab: WriteList: unknown size (got %d)", int(s)))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tTAKES (%s)\tWHAT IT MEASURES\n", s)
	for _, x := range experiments {
		fmt.Fprintf(tw, "%s\t~%s\t%s\n", x.Name, roundDur(x.Estimate(s)), x.Title)
	}
	return tw.Flush()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// wrap breaks s into lines of at most width characters; lines after the
// first start with indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len([]rune(word)) > width {
				b.WriteString("\n" + indent)
				line = len(indent)
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len([]rune(word))
	}
	return b.String()
}

// errWriter keeps the first write error so the renderers can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, nil
}
