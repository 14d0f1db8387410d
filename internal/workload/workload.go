// Package workload holds the units of work that spool's lab and the bench/
// module both measure, so the two always run the same code.
package workload

import (
	"sync"
	"time"
)

// Spin burns CPU for n rounds of an integer mix and returns the result,
// which the caller should keep so the compiler cannot drop the loop.
func Spin(n int) uint64 {
	x := uint64(n) | 1
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

var (
	calOnce sync.Once
	perUS   float64 // Spin rounds per microsecond on this machine
)

// Rounds returns how many Spin rounds take about d on this machine. The
// first call calibrates for a few milliseconds.
func Rounds(d time.Duration) int {
	calOnce.Do(func() {
		const n = 1 << 20
		best := time.Duration(1<<63 - 1)
		for range 5 {
			start := time.Now()
			Sink = Spin(n)
			if el := time.Since(start); el < best {
				best = el
			}
		}
		perUS = float64(n) / (float64(best) / float64(time.Microsecond))
	})
	r := int(perUS * float64(d) / float64(time.Microsecond))
	return max(r, 1)
}

// Sink keeps results alive across benchmark iterations.
var Sink uint64

// SumSquares is the kernel of the chapter's parallel_computation: the sum
// of x*x over xs, wrapping on overflow as Rust's release build does.
func SumSquares(xs []uint64) uint64 {
	var s uint64
	for _, x := range xs {
		s += x * x
	}
	return s
}

// Iota returns the slice 0, 1, ..., n-1.
func Iota(n int) []uint64 {
	xs := make([]uint64, n)
	for i := range xs {
		xs[i] = uint64(i)
	}
	return xs
}
