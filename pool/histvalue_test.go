package pool_test

import (
	"testing"
	"time"

	"github.com/spool-go/spool/pool"
)

// TestHistogramOnMetricsResult checks that a Histogram's methods can be
// called on a Metrics() result, as rt's can: with pointer receivers,
// p.Metrics().QueueWait.Quantile(0.99) did not compile.
func TestHistogramOnMetricsResult(t *testing.T) {
	p, err := pool.New(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tests := []struct {
		name string
		got  func() any
		want any
	}{
		{"Count", func() any { return p.Metrics().QueueWait.Count() }, uint64(0)},
		{"Mean", func() any { return p.Metrics().RunTime.Mean() }, time.Duration(0)},
		{"Quantile", func() any { return p.Metrics().QueueWait.Quantile(0.99) }, time.Duration(0)},
	}
	for _, tt := range tests {
		if got := tt.got(); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
