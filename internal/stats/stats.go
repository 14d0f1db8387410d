// Package stats summarises samples for spool's lab, benchmarks and load
// client: median, percentiles and spread.
package stats

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of samples.
type Summary struct {
	N            int
	Min, Max     float64
	Mean, Median float64
	P90, P99     float64
	Spread       float64 // (max-min)/median: 0 when all samples agree
}

// Summarize computes a Summary of xs. It does not modify xs.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	out := Summary{
		N: len(s), Min: s[0], Max: s[len(s)-1], Mean: sum / float64(len(s)),
		Median: Percentile(s, 50), P90: Percentile(s, 90), P99: Percentile(s, 99),
	}
	if out.Median != 0 {
		out.Spread = (out.Max - out.Min) / math.Abs(out.Median)
	}
	return out
}

// Percentile returns the p-th percentile (0..100) of sorted, interpolating
// linearly between the closest ranks. sorted must be in ascending order.
func Percentile(sorted []float64, p float64) float64 {
	switch n := len(sorted); {
	case n == 0:
		return math.NaN()
	case n == 1 || p <= 0:
		return sorted[0]
	case p >= 100:
		return sorted[n-1]
	}
	r := p / 100 * float64(len(sorted)-1)
	lo := int(r)
	frac := r - float64(lo)
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// Durations converts durations to float64 nanoseconds.
func Durations(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d)
	}
	return out
}

// Rank returns which sample, counting from 1, is the q-quantile of n
// sorted samples (0 <= q <= 1, n >= 1): the nearest rank, ⌈q·n⌉, at least
// 1. A histogram whose buckets it walks until it has seen Rank samples
// reads an upper bound of the quantile from the bucket it stops in. The
// product is rounded down by a hair before the ceiling, so that 0.99·100,
// whose float64 lands a hair above 99, still gives the 99th sample.
func Rank(q float64, n uint64) uint64 {
	r := uint64(math.Ceil(q*float64(n) - 1e-9))
	return min(max(r, 1), n)
}
