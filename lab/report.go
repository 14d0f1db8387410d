package lab

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Report is the outcome of a run: the machine, every claim checked with its
// verdict, and each experiment's figures. It marshals to the JSON that
// `spool lab --json` prints.
type Report struct {
	Machine Machine   `json:"machine"`
	Size    Size      `json:"size"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"` // wall time of the whole run
	// Interrupted is set when the run's context ended before every
	// experiment had run: the one cut short is marked Interrupted, and
	// NotRun names those never started.
	Interrupted bool      `json:"interrupted"`
	NotRun      []string  `json:"not_run,omitempty"`
	Claims      []Claim   `json:"claims"` // every experiment's claims, in run order
	Results     []*Result `json:"experiments"`
}

// Result is what one experiment measured.
type Result struct {
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	About   string  `json:"about"`
	Seconds float64 `json:"seconds"`         // wall time of the experiment
	Error   string  `json:"error,omitempty"` // set if the experiment failed
	// Interrupted is set if the run was stopped while this experiment
	// ran: its figures, if any, are incomplete, and it did not fail.
	Interrupted bool     `json:"interrupted,omitempty"`
	Claims      []Claim  `json:"claims"`
	Metrics     []Metric `json:"metrics"` // every figure, as numbers
	Tables      []Table  `json:"tables"`  // the same figures, laid out for people
	Charts      []Chart  `json:"charts"`
	Notes       []string `json:"notes,omitempty"` // what the figures mean, caveats
}

// Claim is one of the chapter's claims next to what this run measured.
type Claim struct {
	Experiment string  `json:"experiment"`
	Quote      string  `json:"quote"`    // the chapter's words
	Measured   string  `json:"measured"` // what was measured here, in words
	Median     float64 `json:"median"`   // the deciding figure, in Unit
	// Spread is the deciding figure's (max-min)/median over repetitions
	// (for a ratio, see the package doc), 0 when they all agree; NaN when
	// the claim has none (a figure not repeated, such as one p99 of many
	// waits), which the reports show as "-" and JSON as null.
	Spread  float64 `json:"spread"`
	Unit    string  `json:"unit"`
	Verdict string  `json:"verdict"` // "holds", "off by 4.00x: here 8.00 MiB", ...
	Holds   bool    `json:"holds"`
	// NoFigure marks a claim the chapter makes without a figure to check:
	// the row shows the measurement for context, and Holds is false.
	NoFigure bool `json:"no_figure,omitempty"`
	// Inconclusive marks a claim this run cannot judge: the deciding
	// figure's repetitions fall both where the claim holds and where it
	// does not, or the machine cannot show it (one core, a busy machine).
	// Holds is false: not refuted, not confirmed.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// SpreadText is the claim's spread as the text and HTML reports show it: a
// whole percentage ("0%" when the repetitions all agreed), or "-" when
// the claim has none.
func (c Claim) SpreadText() string {
	if math.IsNaN(c.Spread) || math.IsInf(c.Spread, 0) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*c.Spread)
}

// claimJSON is Claim as JSON carries it: Spread is null when there is none.
type claimJSON struct {
	Experiment   string   `json:"experiment"`
	Quote        string   `json:"quote"`
	Measured     string   `json:"measured"`
	Median       *float64 `json:"median"`
	Spread       *float64 `json:"spread"`
	Unit         string   `json:"unit"`
	Verdict      string   `json:"verdict"`
	Holds        bool     `json:"holds"`
	NoFigure     bool     `json:"no_figure,omitempty"`
	Inconclusive bool     `json:"inconclusive,omitempty"`
}

// MarshalJSON writes a claim without a spread (NaN) with "spread": null,
// which JSON can carry, and a spread of 0 as 0; a median that is not a
// finite number (a ratio over a p99 of 0) as "median": null, where it
// made the whole report fail to encode.
func (c Claim) MarshalJSON() ([]byte, error) {
	return json.Marshal(claimJSON{c.Experiment, c.Quote, c.Measured, finite(c.Median), finite(c.Spread), c.Unit, c.Verdict, c.Holds, c.NoFigure, c.Inconclusive})
}

// finite returns &x, or nil (null in JSON) if x is NaN or infinite.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// orNaN returns *p, or NaN if p is nil.
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// UnmarshalJSON reads a null (or missing) spread or median back as NaN.
func (c *Claim) UnmarshalJSON(b []byte) error {
	var j claimJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Claim{j.Experiment, j.Quote, j.Measured, orNaN(j.Median), orNaN(j.Spread), j.Unit, j.Verdict, j.Holds, j.NoFigure, j.Inconclusive}
	return nil
}

// Metric is one measured figure: a summary of repeated measurements.
type Metric struct {
	Name string `json:"name"` // e.g. "switch/threads/round-trip"
	Unit string `json:"unit"` // "ns", "bytes", "ops/s", "x", ...
	Stat
}

// Table is a table of formatted figures.
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// Chart is a chart of one experiment: categories along X, one or more
// series of values. Kind is "bar" or "line".
type Chart struct {
	Title  string   `json:"title"`
	Kind   string   `json:"kind"`
	XName  string   `json:"x_name"`
	YName  string   `json:"y_name"`
	LogY   bool     `json:"log_y,omitempty"`
	X      []string `json:"x"`
	Series []Series `json:"series"`
}

// Series is one line or set of bars of a Chart. A NaN value is a gap (not
// measured).
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// Result returns the result of the named experiment, or nil.
func (r *Report) Result(name string) *Result {
	for _, res := range r.Results {
		if res.Name == name {
			return res
		}
	}
	return nil
}

// metricJSON is Metric as JSON carries it: its name and unit, then its
// Stat's fields (Stat's own MarshalJSON, promoted, would drop the name).
type metricJSON struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	statJSON
}

// MarshalJSON writes the metric flat, as {"name", "unit", "n", ...}, with
// a NaN spread as null.
func (m Metric) MarshalJSON() ([]byte, error) {
	return json.Marshal(metricJSON{m.Name, m.Unit, m.Stat.toJSON()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *Metric) UnmarshalJSON(b []byte) error {
	var j metricJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = Metric{Name: j.Name, Unit: j.Unit, Stat: j.statJSON.stat()}
	return nil
}

// metric records a measured figure and returns its Stat for chaining.
func (r *Result) metric(name, unit string, s Stat) Stat {
	r.Metrics = append(r.Metrics, Metric{Name: name, Unit: unit, Stat: s})
	return s
}

// normalize makes empty lists empty rather than nil, so JSON shows [].
func (r *Result) normalize() {
	if r.Claims == nil {
		r.Claims = []Claim{}
	}
	if r.Metrics == nil {
		r.Metrics = []Metric{}
	}
	if r.Tables == nil {
		r.Tables = []Table{}
	}
	if r.Charts == nil {
		r.Charts = []Chart{}
	}
}

func (r *Result) note(s string) { r.Notes = append(r.Notes, s) }
