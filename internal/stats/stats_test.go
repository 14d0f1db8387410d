package stats_test

import (
	"math"
	"testing"
	"time"

	"github.com/spool-go/spool/internal/stats"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		sorted []float64
		p      float64
		want   float64
	}{
		{sorted: []float64{5}, p: 50, want: 5},
		{sorted: []float64{1, 2, 3, 4, 5}, p: 50, want: 3},
		{sorted: []float64{1, 2, 3, 4}, p: 50, want: 2.5},
		{sorted: []float64{1, 2, 3, 4, 5}, p: 0, want: 1},
		{sorted: []float64{1, 2, 3, 4, 5}, p: 100, want: 5},
		{sorted: []float64{0, 10}, p: 90, want: 9},
		{sorted: []float64{1, 2}, p: -5, want: 1},
		{sorted: []float64{1, 2}, p: 150, want: 2},
	}
	for _, tt := range tests {
		if got := stats.Percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("Percentile(%v, %v) = %v; want %v", tt.sorted, tt.p, got, tt.want)
		}
	}
	if got := stats.Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("Percentile(nil, 50) = %v; want NaN", got)
	}
}

func TestSummarize(t *testing.T) {
	xs := []float64{4, 1, 3, 2, 5}
	got := stats.Summarize(xs)
	want := stats.Summary{N: 5, Min: 1, Max: 5, Mean: 3, Median: 3, P90: 4.6, P99: 4.96, Spread: 4.0 / 3}
	const eps = 1e-9
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Min", got.Min, want.Min}, {"Max", got.Max, want.Max}, {"Mean", got.Mean, want.Mean},
		{"Median", got.Median, want.Median}, {"P90", got.P90, want.P90}, {"P99", got.P99, want.P99},
		{"Spread", got.Spread, want.Spread},
	} {
		if math.Abs(c.got-c.want) > eps {
			t.Errorf("Summarize(%v).%s = %v; want %v", xs, c.name, c.got, c.want)
		}
	}
	if got.N != want.N {
		t.Errorf("Summarize(%v).N = %d; want %d", xs, got.N, want.N)
	}
	if xs[0] != 4 {
		t.Errorf("Summarize modified its input: %v", xs)
	}
	if got := stats.Summarize(nil); got != (stats.Summary{}) {
		t.Errorf("Summarize(nil) = %+v; want zero", got)
	}
	if got := stats.Summarize([]float64{0, 0}); got.Spread != 0 {
		t.Errorf("Summarize(zeros).Spread = %v; want 0", got.Spread)
	}
}

func TestDurations(t *testing.T) {
	got := stats.Durations([]time.Duration{time.Microsecond, 2 * time.Nanosecond})
	if len(got) != 2 || got[0] != 1000 || got[1] != 2 {
		t.Errorf("Durations() = %v; want [1000 2]", got)
	}
}

func TestRank(t *testing.T) {
	tests := []struct {
		q    float64
		n    uint64
		want uint64
	}{
		{0, 10, 1}, {0.5, 2, 1}, {0.5, 3, 2}, {0.9, 100, 90}, {0.99, 100, 99},
		{0.991, 100, 100}, {0.99, 160, 159}, {1, 7, 7}, {0.95, 20, 19},
	}
	for _, tt := range tests {
		if got := stats.Rank(tt.q, tt.n); got != tt.want {
			t.Errorf("Rank(%v, %d) = %d; want %d", tt.q, tt.n, got, tt.want)
		}
	}
}
