package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/spool-go/spool/parallel"
)

// The chapter's parallel_computation sums x*x over a Vec<u64> on num_cpus
// threads, after copying each chunk into a new Vec (chunk.to_vec()).
// MapReduce hands each worker a sub-slice instead: no copy.
//
// Note the numbers: the sum of the squares of 0..10,000,000 is
// 333,333,283,333,335,000,000, which does not fit in 64 bits. Rust's
// release build wraps the u64 sum silently (a debug build panics), and so
// does Go's uint64, so the chapter's function returns the sum modulo 2^64.
// The example prints that wrapped value and the exact one from math/big.
func Example_parallelComputation() {
	const n = 10_000_000
	data := make([]uint64, n)
	for i := range data {
		data[i] = uint64(i)
	}
	sum, err := parallel.MapReduce(context.Background(), data,
		func(_ context.Context, chunk []uint64) (uint64, error) {
			var s uint64
			for _, x := range chunk {
				s += x * x // wraps on overflow, as u64 does in release Rust
			}
			return s, nil
		},
		func(a, b uint64) uint64 { return a + b })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("uint64 sum (wrapped):", sum)

	// Exact: the sum of x² for x < n is (n-1)·n·(2n-1)/6.
	N := big.NewInt(n)
	exact := new(big.Int).Mul(new(big.Int).Sub(N, big.NewInt(1)), N)
	exact.Mul(exact, new(big.Int).Sub(new(big.Int).Lsh(N, 1), big.NewInt(1)))
	exact.Quo(exact, big.NewInt(6))
	fmt.Println("exact sum (math/big):", exact)
	fmt.Println("exact mod 2^64:      ", new(big.Int).Mod(exact, new(big.Int).Lsh(big.NewInt(1), 64)))
	// Output:
	// uint64 sum (wrapped): 1291890006563070912
	// exact sum (math/big): 333333283333335000000
	// exact mod 2^64:       1291890006563070912
}

func ExampleMap() {
	words := []string{"async", "and", "concurrency"}
	upper, err := parallel.Map(context.Background(), words, func(_ context.Context, w string) (string, error) {
		return strings.ToUpper(w), nil
	})
	fmt.Println(upper, err)
	// Output: [ASYNC AND CONCURRENCY] <nil>
}

func ExampleForEach() {
	lengths := make([]int, 3) // each call writes its own element: no lock needed
	words := []string{"one", "three", "eleven"}
	idx := []int{0, 1, 2}
	err := parallel.ForEach(context.Background(), idx, func(_ context.Context, i int) error {
		lengths[i] = len(words[i])
		return nil
	})
	fmt.Println(lengths, err)
	// Output: [3 5 6] <nil>
}

func ExampleReduce() {
	maxOf := func(a, b int) int { return max(a, b) }
	m, err := parallel.Reduce(context.Background(), []int{3, 9, 2, 7}, maxOf)
	fmt.Println(m, err)
	// Output: 9 <nil>
}

func ExampleItemError() {
	_, err := parallel.Map(context.Background(), []int{1, 2, 0, 4}, func(_ context.Context, x int) (int, error) {
		if x == 0 {
			return 0, fmt.Errorf("zero divisor")
		}
		return 100 / x, nil
	})
	fmt.Println(err)
	// Output: parallel: item 2: zero divisor
}

// With KeepGoing, Map runs every item whatever the others do, and returns
// every result (the zero value where an item failed) with one *ItemError
// per failure, joined in input order. A panic fails its item only.
func ExampleKeepGoing() {
	in := []int{1, 2, 0, 4, 0, -1}
	out, err := parallel.Map(context.Background(), in, func(_ context.Context, x int) (int, error) {
		switch {
		case x == 0:
			return 0, fmt.Errorf("zero divisor")
		case x < 0:
			panic("negative")
		}
		return 100 / x, nil
	}, parallel.KeepGoing())
	fmt.Println(out)
	var failed []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ie *parallel.ItemError
		if errors.As(e, &ie) {
			failed = append(failed, ie.Index)
		}
	}
	fmt.Println("failed:", failed)
	var first *parallel.ItemError
	errors.As(err, &first)
	fmt.Println("first:", first)
	// Output:
	// [100 50 0 25 0 0]
	// failed: [2 4 5]
	// first: parallel: item 2: zero divisor
}
