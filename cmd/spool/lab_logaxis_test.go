package main

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spool-go/spool/lab"
)

// chartOption is the part of a rendered chart's ECharts option that the
// log axis depends on.
type chartOption struct {
	Series []struct {
		Data []struct {
			Value any `json:"value"`
		} `json:"data"`
	} `json:"series"`
	YAxis []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"yAxis"`
}

// parseOption reads the option a labChart snippet sets.
func parseOption(t *testing.T, id, script string) chartOption {
	t.Helper()
	decl := "let option_" + id + " = "
	i := strings.Index(script, decl)
	if i < 0 {
		t.Fatalf("no %q in the script:\n%s", decl, script)
	}
	line, _, _ := strings.Cut(script[i+len(decl):], "\n")
	var opt chartOption
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &opt); err != nil {
		t.Fatalf("option: %v\n%s", err, line)
	}
	return opt
}

// TestLabLogChartsNoValueBelowOne: every log-axis chart, bar or line,
// plots no value below 1, where ECharts starts a log axis's bars
// (apache/echarts#17260). The memory chart's values below 1 KiB (0.0128
// KiB virtual per task.Go) hung down from 1 KiB, drawn longer than the
// 8 MiB of a thread's: only time units were made finer, never sizes. Now a
// chart is shown in the finer unit (KiB as B, ms as µs, ns as ps), or, with
// none left, scaled by a power of ten that its axis names.
func TestLabLogChartsNoValueBelowOne(t *testing.T) {
	cases := []struct {
		name      string
		chart     lab.Chart
		wantYName string
		want      []float64 // the plotted values, series after series
	}{
		{"memory, KiB to B", lab.Chart{Kind: "bar", YName: "KiB per unit", LogY: true, X: []string{"goroutine", "task.Go", "thread"},
			Series: []lab.Series{{Name: "resident", Values: []float64{2.3658, 2.3086, 17.372}}, {Name: "virtual", Values: []float64{0.4226, 0.0128, 8437.654}}}},
			"B per unit", []float64{2422.58, 2364.01, 17788.9, 432.742, 13.1072, 8.64016e+06}},
		{"memory, MiB to B", lab.Chart{Kind: "bar", YName: "MiB", LogY: true, X: []string{"a", "b"},
			Series: []lab.Series{{Name: "s", Values: []float64{0.0005, 2}}}},
			"B", []float64{524.288, 2.09715e+06}},
		{"memory, KiB already >= 1", lab.Chart{Kind: "bar", YName: "KiB per unit", LogY: true, X: []string{"a", "b"},
			Series: []lab.Series{{Name: "s", Values: []float64{1, 8437.5}}}},
			"KiB per unit", []float64{1, 8437.5}},
		{"time, ms to µs", lab.Chart{Kind: "bar", YName: "ms", LogY: true, X: []string{"idle", "busy"},
			Series: []lab.Series{{Name: "median", Values: []float64{0.0034, 0.0041}}, {Name: "p99", Values: []float64{0.065, 395}}}},
			"µs", []float64{3.4, 4.1, 65, 395000}},
		{"time, ns to ps", lab.Chart{Kind: "bar", YName: "ns per switch", LogY: true, X: []string{"a", "b"},
			Series: []lab.Series{{Name: "s", Values: []float64{0.25, 126}}}},
			"ps per switch", []float64{250, 126000}},
		{"line, unit in parentheses", lab.Chart{Kind: "line", YName: "wall time (ms)", LogY: true, X: []string{"1", "100"},
			Series: []lab.Series{{Name: "runtime", Values: []float64{0.5, 10.9}}}},
			"wall time (µs)", []float64{500, 10900}},
		{"no finer unit: B", lab.Chart{Kind: "bar", YName: "B per unit", LogY: true, X: []string{"a", "b"},
			Series: []lab.Series{{Name: "s", Values: []float64{0.5, 40}}}},
			"B per unit (×10^-1)", []float64{5, 400}},
		{"no unit at all", lab.Chart{Kind: "bar", YName: "million ops/s", LogY: true, X: []string{"a", "b"},
			Series: []lab.Series{{Name: "s", Values: []float64{0.02, 3}}}},
			"million ops/s (×10^-2)", []float64{2, 300}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := parseOption(t, "c", string(labChart("c", tc.chart).Script))
			if len(opt.YAxis) != 1 || opt.YAxis[0].Type != "log" || opt.YAxis[0].Name != tc.wantYName {
				t.Errorf("y axis %+v; want one log axis named %q", opt.YAxis, tc.wantYName)
			}
			var got []float64
			for _, s := range opt.Series {
				for _, d := range s.Data {
					v, ok := d.Value.(float64)
					if !ok {
						t.Fatalf("value %v (%T); want a number", d.Value, d.Value)
					}
					if v < 1 {
						t.Errorf("plotted value %v; want none below 1 on a log axis", v)
					}
					got = append(got, v)
				}
			}
			if !slices.EqualFunc(got, tc.want, func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }) {
				t.Errorf("plotted values %v; want %v", got, tc.want)
			}
		})
	}
	// The caller's chart keeps its values.
	c := cases[0].chart
	labChart("c", c)
	if c.Series[1].Values[1] != 0.0128 {
		t.Errorf("labChart changed its caller's values: %v", c.Series[1].Values)
	}
}
