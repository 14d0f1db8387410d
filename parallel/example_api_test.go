package parallel_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/spool-go/spool/parallel"
)

// MapReduce maps chunks of the input in parallel and folds the chunk
// results from left to right, so reduceFn need only be associative:
// appending keeps the matching lines in input order.
func ExampleMapReduce() {
	logLines := []string{
		"INFO start", "ERROR disk full", "INFO retry",
		"WARN slow", "ERROR timeout", "INFO done", "ERROR shutdown",
	}
	errs, err := parallel.MapReduce(context.Background(), logLines,
		func(_ context.Context, chunk []string) ([]string, error) {
			var found []string
			for _, line := range chunk {
				if msg, ok := strings.CutPrefix(line, "ERROR "); ok {
					found = append(found, msg)
				}
			}
			return found, nil
		},
		func(a, b []string) []string { return append(a, b...) },
		parallel.ChunkSize(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", errs)
	// Output: ["disk full" "timeout" "shutdown"]
}
