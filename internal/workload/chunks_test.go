package workload_test

import (
	"testing"

	"github.com/spool-go/spool/internal/workload"
)

func TestSumSquaresChunks(t *testing.T) {
	for _, tc := range []struct{ n, parts int }{{0, 1}, {1, 1}, {10, 3}, {1000, 2}, {1001, 4}, {5, 8}} {
		xs := workload.Iota(tc.n)
		want := workload.SumSquares(xs)
		if got := workload.SumSquaresCopy(xs, tc.parts); got != want {
			t.Errorf("SumSquaresCopy(Iota(%d), %d) = %d; want %d", tc.n, tc.parts, got, want)
		}
		if got := workload.SumSquaresSplit(xs, tc.parts); got != want {
			t.Errorf("SumSquaresSplit(Iota(%d), %d) = %d; want %d", tc.n, tc.parts, got, want)
		}
	}
}
