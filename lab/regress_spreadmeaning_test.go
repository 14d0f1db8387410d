package lab

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestSpreadOnlyOverRepetitions: a spread is (max-min)/median over
// repetitions. A figure measured once has none, in Go as in JSON (it was
// 0 in Go, null in JSON, NaN read back); the probe-wait metrics, whose
// samples are one run's probes, have none either (their "spread" was
// computed across 131-144 probes: 4.5, 112.9).
func TestSpreadOnlyOverRepetitions(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Stat
	}{
		{"one sample", summarize([]float64{5})},
		{"probe waits", summarizeWaits([]float64{1e4, 2e4, 4e5})},
	} {
		if !math.IsNaN(tc.s.Spread) {
			t.Errorf("%s: spread %v; want NaN (none)", tc.name, tc.s.Spread)
		}
		b, err := json.Marshal(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		var back Stat
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"spread":null`) || !math.IsNaN(back.Spread) {
			t.Errorf("%s: JSON %s read back with spread %v; want null and NaN", tc.name, b, back.Spread)
		}
	}

	res, err := measureMutex(t.Context(), tiny(), 3, 1e6, 20e6, 1e6)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range res.Metrics {
		if strings.HasSuffix(m.Name, "/probe-wait") {
			n++
			if !math.IsNaN(m.Spread) {
				t.Errorf("metric %s: spread %v over %d probes; want NaN (not repetitions)", m.Name, m.Spread, m.N)
			}
		}
	}
	if n == 0 {
		t.Error("no probe-wait metrics")
	}
}
