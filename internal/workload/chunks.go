package workload

import (
	"slices"
	"sync"
)

// SumSquaresCopy is the chapter's parallel_computation, line for line: it
// splits xs into chunks of len(xs)/parts (the last one shorter), copies
// each chunk (chunk.to_vec()) and sums its squares on a goroutine of its
// own, then adds up the partial sums. parts must be positive.
func SumSquaresCopy(xs []uint64, parts int) uint64 {
	return sumChunks(xs, parts, true)
}

// SumSquaresSplit is SumSquaresCopy without the copy: each goroutine reads
// its sub-slice of xs in place, which Go allows because nothing writes xs.
func SumSquaresSplit(xs []uint64, parts int) uint64 {
	return sumChunks(xs, parts, false)
}

func sumChunks(xs []uint64, parts int, copyChunks bool) uint64 {
	size := max(len(xs)/max(parts, 1), 1)
	sums := make([]uint64, 0, parts+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for chunk := range slices.Chunk(xs, size) {
		if copyChunks {
			chunk = slices.Clone(chunk)
		}
		wg.Go(func() {
			s := SumSquares(chunk)
			mu.Lock()
			sums = append(sums, s)
			mu.Unlock()
		})
	}
	wg.Wait()
	var total uint64
	for _, s := range sums {
		total += s
	}
	return total
}
