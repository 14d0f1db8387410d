package lab

import (
	"strings"
	"testing"
)

// TestThreadSwitchClaim: the thread claim is judged per kernel switch
// where they were counted, and per hand-over (half a round trip, one or
// more kernel switches) elsewhere, where a hand-over above the range
// cannot tell.
func TestThreadSwitchClaim(t *testing.T) {
	none := Stat{}
	for _, tc := range []struct {
		name          string
		rt, ks, perKS Stat
		wantMedian    float64
		wantMeasured  string
		wantVerdict   string
		wantHolds     bool
		wantInconcl   bool
	}{
		{"counted: 6 a 10 µs round trip", st3(10000), st3(6), st3(10000.0 / 6), 10000.0 / 6,
			"1.67 µs per kernel switch, locked threads (6.00 a round trip)", "holds", true, false},
		{"counted: 20 µs each", st3(80000), st3(4), st3(20000), 20000,
			"20.0 µs per kernel switch", "off by 2.00x: 20.0 µs, above the range", false, false},
		{"not counted: 5 µs hand-over", st3(10000), none, none, 5000,
			"5.00 µs per hand-over, locked threads (kernel switches not counted on this OS)", "holds", true, false},
		{"not counted: 20 µs hand-over", st3(40000), none, none, 20000,
			"20.0 µs per hand-over", "cannot tell: 20.0 µs per hand-over, which takes one or more kernel switches that this OS does not count", false, true},
		{"counted: under one a round trip, judged per hand-over", st3(10000), st3(0.5), st3(20000), 5000,
			"5.00 µs per hand-over", "holds", true, false},
		{"not counted: 300 ns hand-over", st3(600), none, none, 300,
			"300 ns per hand-over", "off by 3.33x: 300 ns, below the range", false, false},
	} {
		c := threadSwitchClaim(tc.rt, tc.ks, tc.perKS)
		if c.Median != tc.wantMedian || !strings.Contains(c.Measured, tc.wantMeasured) || c.Verdict != tc.wantVerdict ||
			c.Holds != tc.wantHolds || c.Inconclusive != tc.wantInconcl {
			t.Errorf("%s: got median %v, measured %q, verdict %q, holds %v, inconclusive %v; want %v, %q, %q, %v, %v",
				tc.name, c.Median, c.Measured, c.Verdict, c.Holds, c.Inconclusive, tc.wantMedian, tc.wantMeasured, tc.wantVerdict, tc.wantHolds, tc.wantInconcl)
		}
	}
}

// st3 is a figure measured three times alike.
func st3(x float64) Stat { return summarize([]float64{x, x, x}) }

// TestSwitchWithoutCounts: where the OS does not count kernel switches,
// the experiment shows "-" for them and judges per hand-over.
func TestSwitchWithoutCounts(t *testing.T) {
	saved := countSwitches
	countSwitches = func() (int64, bool) { return 0, false }
	defer func() { countSwitches = saved }()
	res, err := measureSwitch(t.Context(), tiny(), 50, 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, false)
	for _, m := range res.Metrics {
		if strings.Contains(m.Name, "kernel") {
			t.Errorf("metric %s: got it; want none when switches are not counted", m.Name)
		}
	}
	for _, row := range res.Tables[0].Rows {
		if row[3] != "-" || row[4] != "-" {
			t.Errorf("row %v: kernel switch cells %q, %q; want - and -", row, row[3], row[4])
		}
	}
	if c := res.Claims[0]; !strings.Contains(c.Measured, "per hand-over") {
		t.Errorf("thread claim measured %q; want it per hand-over", c.Measured)
	}
}
