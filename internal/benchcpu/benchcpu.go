// Package benchcpu reports the CPU time a benchmark used per operation,
// next to its wall time: on a busy machine the CPU time moves less, since
// time spent descheduled is not counted. It is for the module's
// benchmarks only.
package benchcpu

import (
	"testing"
	"time"
)

// Report reports the process's CPU time per op since start (from Used) as
// cpu-ns/op. Where the process's CPU time is unknown it reports nothing.
func Report(b *testing.B, start time.Duration) {
	if !supported {
		return
	}
	b.ReportMetric(float64(Used()-start)/float64(b.N), "cpu-ns/op")
}
