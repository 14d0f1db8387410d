package main

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/spool-go/spool/lab"
)

// echartsGz is Apache ECharts 5.4.3, the version go-echarts v2.6.7 targets,
// gzip-compressed (see labassets/README.md). go-echarts normally loads it
// from a CDN; the lab inlines it so the page opens with no network.
//
//go:embed labassets/echarts.min.js.gz
var echartsGz []byte

var echartsJS = sync.OnceValues(func() (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(echartsGz))
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(zr)
	return string(b), err
})

// writeLabHTML writes the report as one self-contained page: the machine,
// the claims table, then per experiment its charts (rendered by go-echarts
// as snippets), tables and notes.
func writeLabHTML(w io.Writer, rep *lab.Report) error {
	js, err := echartsJS()
	if err != nil {
		return fmt.Errorf("reading the embedded echarts: %w", err)
	}
	type chartHTML struct{ Element, Script template.HTML }
	type section struct {
		*lab.Result
		Charts []chartHTML
		Tables []lab.Table // Result.Shown: the figures of one cut short, too
	}
	var secs []section
	for _, res := range rep.Results {
		s := section{Result: res, Tables: res.Shown()}
		for i, c := range res.Charts {
			snip := labChart(fmt.Sprintf("%s_%d", res.Name, i), c)
			s.Charts = append(s.Charts, chartHTML{template.HTML(snip.Element), template.HTML(snip.Script)})
		}
		secs = append(secs, s)
	}
	return labPage.Execute(w, struct {
		JS       template.JS
		Report   *lab.Report
		Sections []section
	}{template.JS(js), rep, secs})
}

// labChart renders a lab.Chart as a go-echarts bar or line chart snippet:
// the chart's <div> and its <script>, without the page around them.
func labChart(id string, c lab.Chart) render.ChartSnippet {
	if c.LogY {
		c = finerUnit(c)
	}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "960px", Height: fmt.Sprintf("%dpx", 390+nameGap(c.X)/2)}),
		charts.WithTitleOpts(opts.Title{Title: c.Title}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "80", Right: "40", Bottom: "70", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Name: c.XName, NameLocation: "middle", NameGap: nameGap(c.X),
			AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: rotation(c.X)}}),
		charts.WithYAxisOpts(opts.YAxis{Name: c.YName, Type: yType(c.LogY), Min: yMin(c)}),
		charts.WithAnimation(false),
	}
	value := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) || (c.LogY && v <= 0) {
			return "-" // echarts' mark for a missing value
		}
		return v
	}
	if c.Kind == "line" {
		l := charts.NewLine()
		l.SetGlobalOptions(global...)
		l.SetXAxis(c.X)
		for _, s := range c.Series {
			data := make([]opts.LineData, len(s.Values))
			for i, v := range s.Values {
				data[i] = opts.LineData{Value: value(v)}
			}
			l.AddSeries(s.Name, data)
		}
		return l.RenderSnippet()
	}
	b := charts.NewBar()
	b.SetGlobalOptions(global...)
	b.SetXAxis(c.X)
	for _, s := range c.Series {
		data := make([]opts.BarData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.BarData{Value: value(v)}
		}
		b.AddSeries(s.Name, data)
	}
	return b.RenderSnippet()
}

// finerUnits maps a unit of a log-scale chart's values to the next finer
// one and how many of it make one: time units by thousands, sizes by
// 1024s.
var finerUnits = map[string]struct {
	unit   string
	factor float64
}{
	"s": {"ms", 1000}, "ms": {"µs", 1000}, "µs": {"ns", 1000}, "ns": {"ps", 1000},
	"TiB": {"GiB", 1024}, "GiB": {"MiB", 1024}, "MiB": {"KiB", 1024}, "KiB": {"B", 1024},
}

// yUnit finds the unit in a Y axis name: the whole name ("ms"), its first
// word ("KiB per unit", "ns per switch"), or the last word, in parentheses
// ("wall time (ms)"). The name is before+unit+after; ok is false if none
// of those is a unit of finerUnits. ("million ops/s" has none: a rate's
// unit is not one to make finer.)
func yUnit(name string) (before, unit, after string, ok bool) {
	if first, _, _ := strings.Cut(name, " "); finerUnits[first].unit != "" {
		return "", first, name[len(first):], true
	}
	if i := strings.LastIndex(name, "("); i >= 0 && strings.HasSuffix(name, ")") {
		if u := name[i+1 : len(name)-1]; finerUnits[u].unit != "" {
			return name[:i+1], u, ")", true
		}
	}
	return "", "", "", false
}

// finerUnit returns c, a log-scale chart, with no positive value below 1:
// ECharts draws the bars of a log axis from 1 (apache/echarts#17260), so a
// bar below 1 hangs down from there, the longer the smaller its value.
// (The blocking experiment's waits of a few µs, in ms, were drawn longer
// than their p99s, and the memory chart's 0.0128 KiB longer than its 8 MiB.)
// While the smallest positive value is below 1, it shows them in the next
// finer unit of the Y axis's name (see finerUnits): ms as µs, KiB as B.
// Values still below 1 then, for want of a finer unit, are multiplied by
// the power of ten that lifts the smallest to 1 or more, and the axis's
// name says so: "B per unit (×10^-2)" shows 0.5 B as 50.
func finerUnit(c lab.Chart) lab.Chart {
	lo := smallest(c)
	f := 1.0
	if before, unit, after, ok := yUnit(c.YName); ok {
		for lo*f < 1 && finerUnits[unit].unit != "" {
			f *= finerUnits[unit].factor
			unit = finerUnits[unit].unit
		}
		c.YName = before + unit + after
	}
	if lo*f < 1 { // no finer unit left
		k := int(math.Ceil(-math.Log10(lo * f)))
		if lo*f*math.Pow(10, float64(k)) < 1 { // rounding
			k++
		}
		f *= math.Pow(10, float64(k))
		c.YName += fmt.Sprintf(" (×10^-%d)", k)
	}
	if f == 1 {
		return c
	}
	series := make([]lab.Series, len(c.Series)) // c's own values stay the caller's
	for i, sr := range c.Series {
		sr.Values = append([]float64(nil), sr.Values...)
		for k, v := range sr.Values {
			// Six figures: 0.0041 ms is 4.1 µs, not 4.1000000000000005.
			sr.Values[k], _ = strconv.ParseFloat(strconv.FormatFloat(v*f, 'g', 6, 64), 64)
		}
		series[i] = sr
	}
	c.Series = series
	return c
}

// smallest returns the smallest positive finite value of c, or +Inf.
func smallest(c lab.Chart) float64 {
	lo := math.Inf(1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > 0 && !math.IsInf(v, 0) && v < lo {
				lo = v
			}
		}
	}
	return lo
}

// yMin is the bottom of a log axis: the power of ten at or below the
// smallest value shown, and no higher than 1, where ECharts starts the
// bars (see finerUnit). It is nil (ECharts' choice) for a linear axis or
// a chart with no positive value.
func yMin(c lab.Chart) any {
	if !c.LogY {
		return nil
	}
	lo := smallest(c)
	if math.IsInf(lo, 1) {
		return nil
	}
	return min(1, math.Pow(10, math.Floor(math.Log10(lo))))
}

func yType(log bool) string {
	if log {
		return "log"
	}
	return "value"
}

// nameGap puts the X axis's name below its labels, tilted or not.
func nameGap(xs []string) int {
	if rotation(xs) != 0 {
		return 95
	}
	return 30
}

// rotation tilts the category labels when they are long.
func rotation(xs []string) float64 {
	for _, x := range xs {
		if len(x) > 12 {
			return 20
		}
	}
	return 0
}

func verdictClass(c lab.Claim) string {
	switch {
	case c.NoFigure, c.Inconclusive:
		return "info"
	case c.Holds:
		return "holds"
	}
	return "off"
}

var labPage = template.Must(template.New("lab").Funcs(template.FuncMap{
	"verdictClass": verdictClass,
	"secs": func(f float64) string {
		if f < 1 {
			return fmt.Sprintf("%.0f ms", f*1000)
		}
		return fmt.Sprintf("%.1f s", f)
	},
	"join": strings.Join,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>spool lab: the chapter's claims, measured</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: right; vertical-align: top; }
th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
table.claims td, table.claims th { text-align: left; }
td.holds { background: #e6f4e6; }
td.off { background: #fbe9e7; }
td.info { background: #eef2f8; }
.facts td { text-align: left; }
.caption { font-weight: 600; margin-top: 1em; }
.container { margin: 1.5em 0 2.5em; }
.about { color: #444; }
.error { color: #b00; font-weight: 600; }
ul.notes { color: #444; }
</style>
<script>{{.JS}}</script>
</head>
<body>
<h1>spool lab: the chapter's claims, measured on this machine</h1>
<p>A {{.Report.Size}} run, started {{.Report.Started.Format "2006-01-02 15:04:05 MST"}}, took {{secs .Report.Seconds}}.
Every figure below was measured in that run; only the chapter's claims are quoted.</p>
{{if .Report.Interrupted}}<p class="error">Interrupted: the run was stopped before it finished{{range .Report.Results}}{{if .Interrupted}}; {{.Name}} was cut short{{end}}{{end}}{{if .Report.NotRun}}; not run: {{join .Report.NotRun ", "}}{{end}}.</p>
{{end}}{{with .Report.Machine}}
<table class="facts">
<tr><th>CPU</th><td>{{.CPU}}</td></tr>
<tr><th>cores / GOMAXPROCS</th><td>{{.Cores}} / {{.GOMAXPROCS}}</td></tr>
<tr><th>Go</th><td>{{.GoVersion}} {{.OS}}/{{.Arch}}{{if .Kernel}}, kernel {{.Kernel}}{{end}}</td></tr>
<tr><th>cgo</th><td>{{if .Cgo}}on: threads are pthreads{{else}}off: Go makes its threads' stacks itself{{end}}</td></tr>
{{if .Race}}<tr><th>race detector</th><td>on: every figure is several times slower</td></tr>{{end}}
{{if .Busy}}<tr><th>load</th><td class="off">{{printf "%.1f" .Load}} when the run began, on {{.Cores}} cores: other programs competed for the CPU, so the figures are noisy</td></tr>{{end}}
</table>
{{end}}
<h2>Claims</h2>
<table class="claims">
<tr><th>experiment</th><th>the chapter claims</th><th>measured here</th><th>spread</th><th>verdict</th></tr>
{{range .Report.Claims}}<tr><td><a href="#{{.Experiment}}">{{.Experiment}}</a></td><td>&ldquo;{{.Quote}}&rdquo;</td><td>{{.Measured}}</td><td>{{.SpreadText}}</td><td class="{{verdictClass .}}">{{.Verdict}}</td></tr>
{{end}}{{range .Report.Results}}{{if .Interrupted}}<tr><td><a href="#{{.Name}}">{{.Name}}</a></td><td>-</td><td>-</td><td>-</td><td class="info">interrupted</td></tr>
{{else if .Error}}<tr><td><a href="#{{.Name}}">{{.Name}}</a></td><td>-</td><td>-</td><td>-</td><td class="off">failed (see below)</td></tr>
{{end}}{{end}}{{range .Report.NotRun}}<tr><td>{{.}}</td><td>-</td><td>-</td><td>-</td><td class="info">not run (interrupted)</td></tr>
{{end}}</table>
<p>Measured figures are medians over the repetitions of this run, except p99s, which say so. Spread is (max&minus;min)/median over those repetitions; for a ratio of two figures, the range of the ratio over every pairing of the two sides&rsquo; repetitions, over the ratio shown (about the sum of the two spreads); &ldquo;-&rdquo; for a figure measured once (one p99 of many waits).</p>
{{range .Sections}}
<h2 id="{{.Name}}">{{.Name}}: {{.Title}} <small>({{secs .Seconds}})</small></h2>
<p class="about">{{.About}}</p>
{{if .Interrupted}}<p class="error">interrupted: the run was stopped during this experiment; what it measured is incomplete.</p>{{else if .Error}}<p class="error">failed: {{.Error}}</p>{{end}}
{{range .Charts}}{{.Element}}
{{.Script}}
{{end}}
{{range .Tables}}<div class="caption">{{.Title}}</div>
<table><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}
{{if .Notes}}<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}
</body>
</html>
`))
