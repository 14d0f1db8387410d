//go:build !unix

package parallel_test

import "time"

// cpuTime is not measured here: the benchmarks report no cpu-ns/item.
func cpuTime() time.Duration { return 0 }
