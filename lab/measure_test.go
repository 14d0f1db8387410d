package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"sig 0", sig(0), "0"},
		{"sig small", sig(0.01234), "0.0123"},
		{"sig 1", sig(1.234), "1.23"},
		{"sig 10", sig(12.34), "12.3"},
		{"sig 100", sig(123.4), "123"},
		{"sig NaN", sig(math.NaN()), "-"},
		{"sig rounds up to 1", sig(0.9996), "1.00"},
		{"sig rounds up to 100", sig(99.96), "100"},
		{"sig rounds up to 10", sig(9.996), "10.0"},
		{"ns", fmtNS(85), "85.0 ns"},
		{"µs", fmtNS(4120), "4.12 µs"},
		{"ms", fmtNS(301e6), "301 ms"},
		{"s", fmtNS(1.5e9), "1.50 s"},
		{"B", fmtBytes(512), "512 B"},
		{"KiB", fmtBytes(2.5 * 1024), "2.50 KiB"},
		{"MiB", fmtBytes(8 << 20), "8.00 MiB"},
		{"GiB", fmtBytes(3 << 30), "3.00 GiB"},
		{"rate", fmtRate(12.3e6, "op"), "12.3 Mop/s"},
		{"rate k", fmtRate(981e3, "op"), "981 kop/s"},
		{"rate plain", fmtRate(5, "msg"), "5.00 msg/s"},
		{"x", fmtX(27.4), "27.4x"},
		{"count", fmtCount(100000), "100,000"},
		{"count small", fmtCount(999), "999"},
		{"count negative", fmtCount(-1000), "-1,000"},
		{"spread one sample", fmtSpread(Stat{N: 1, Spread: 0.5}), "-"},
		{"spread", fmtSpread(Stat{N: 3, Spread: 0.123}), "12%"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q; want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		verdict   string
		holds     bool
		want      string
		wantHolds bool
	}{
		{"near, exact", first(near(100, 100, 2, fmtNS)), second(near(100, 100, 2, fmtNS)), "holds", true},
		{"near, within factor", first(near(100, 190, 2, fmtNS)), second(near(100, 190, 2, fmtNS)), "holds", true},
		{"near, below within factor", first(near(100, 60, 2, fmtNS)), second(near(100, 60, 2, fmtNS)), "holds", true},
		{"near, 10x over", first(near(100, 1000, 2, fmtNS)), second(near(100, 1000, 2, fmtNS)), "off by 10.0x: here 1.00 µs", false},
		{"near, 4x under", first(near(2048, 512, 2, fmtBytes)), second(near(2048, 512, 2, fmtBytes)), "off by 4.00x: here 512 B", false},
		{"near, nothing measured", first(near(100, 0, 2, fmtNS)), second(near(100, 0, 2, fmtNS)), notMeasuredVerdict, false},
		{"near, NaN", first(near(100, math.NaN(), 2, fmtNS)), second(near(100, math.NaN(), 2, fmtNS)), notMeasuredVerdict, false},
		{"within", first(within(1000, 10000, 4000, fmtNS)), second(within(1000, 10000, 4000, fmtNS)), "holds", true},
		{"within, above", first(within(1000, 10000, 20000, fmtNS)), second(within(1000, 10000, 20000, fmtNS)), "off by 2.00x: 20.0 µs, above the range", false},
		{"within, below", first(within(1000, 10000, 250, fmtNS)), second(within(1000, 10000, 250, fmtNS)), "off by 4.00x: 250 ns, below the range", false},
		{"within, just above", first(within(1000, 10000, 11100, fmtNS)), second(within(1000, 10000, 11100, fmtNS)), "roughly holds: 11.1 µs, just above the range", true},
		{"within, just below", first(within(1000, 10000, 800, fmtNS)), second(within(1000, 10000, 800, fmtNS)), "roughly holds: 800 ns, just below the range", true},
	} {
		if tc.verdict != tc.want || tc.holds != tc.wantHolds {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.name, tc.verdict, tc.holds, tc.want, tc.wantHolds)
		}
	}
}

func first(s string, _ bool) string { return s }
func second(_ string, b bool) bool  { return b }

func TestSample(t *testing.T) {
	vals := []float64{3, 1, 2, 5, 4}
	i := 0
	s, err := sample(context.Background(), len(vals), func() (float64, error) {
		i++
		return vals[i-1], nil
	})
	if err != nil {
		t.Fatalf("sample: %v", err)
	}
	want := Stat{N: 5, Median: 3, Min: 1, Max: 5, P90: 4.6, P99: 4.96, Spread: 4.0 / 3}
	if math.Abs(s.P90-want.P90) > 1e-9 || math.Abs(s.P99-want.P99) > 1e-9 || math.Abs(s.Spread-want.Spread) > 1e-9 {
		t.Errorf("sample: got %+v; want %+v", s, want)
	}
	s.P90, s.P99, s.Spread = want.P90, want.P99, want.Spread
	if s != want {
		t.Errorf("sample: got %+v; want %+v", s, want)
	}
}

func TestSampleStops(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	if _, err := sample(context.Background(), 5, func() (float64, error) { calls++; return 0, boom }); !errors.Is(err, boom) || calls != 1 {
		t.Errorf("sample with failing fn: got %v after %d calls; want %v after 1", err, calls, boom)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	if _, err := sample(ctx, 5, func() (float64, error) { calls++; return 1, nil }); !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("sample with done ctx: got %v after %d calls; want %v after 0", err, calls, context.Canceled)
	}
}

func TestSeriesJSON(t *testing.T) {
	in := Series{Name: "s", Values: []float64{1.5, math.NaN(), 3}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if got, want := string(b), `{"name":"s","values":[1.5,null,3]}`; got != want {
		t.Errorf("Marshal: got %s; want %s", got, want)
	}
	var out Series
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if out.Name != "s" || len(out.Values) != 3 || out.Values[0] != 1.5 || !math.IsNaN(out.Values[1]) || out.Values[2] != 3 {
		t.Errorf("round trip: got %+v; want %+v", out, in)
	}
}

// TestCheckRange: a claim whose deciding figure's repetitions fall on
// both sides of the line where it holds is inconclusive ("cannot tell"),
// whatever side the median is on; one whose repetitions agree, or whose
// figure was measured once, keeps its verdict. The spawn claim read
// "holds: a thread costs 31.2x more" with repetitions from 7.6x to 408x
// against a line at 10x.
func TestCheckRange(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name             string
		median, lo, hi   float64
		in0, in1         float64
		holds            bool // the median's verdict
		wantInconclusive bool
		wantVerdict      string
	}{
		{"all inside", 30, 20, 40, 10, inf, true, false, "holds"},
		{"all outside", 5, 4, 6, 10, inf, false, false, "off"},
		{"median inside, range across", 31.2, 7.6, 408, 10, inf, true, true, "cannot tell: 31.2x, but 7.60x to 408x over the repetitions (it holds from 10.0x)"},
		{"median outside, range across", 8, 6, 12, 10, inf, false, true, "cannot tell: 8.00x, but 6.00x to 12.0x over the repetitions (it holds from 10.0x)"},
		{"two-sided band, across the top", 190, 150, 260, 50, 200, true, true, "cannot tell: 190x, but 150x to 260x over the repetitions (it holds from 50.0x to 200x)"},
		{"measured once", 31.2, math.NaN(), math.NaN(), 10, inf, true, false, "holds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			verdict := "off"
			if c.holds {
				verdict = "holds"
			}
			cl := Claim{Median: c.median, Verdict: verdict, Holds: c.holds}
			cl.checkRange(c.lo, c.hi, c.in0, c.in1, fmtX)
			if cl.Inconclusive != c.wantInconclusive || cl.Verdict != c.wantVerdict {
				t.Errorf("got %q (inconclusive %v); want %q (%v)", cl.Verdict, cl.Inconclusive, c.wantVerdict, c.wantInconclusive)
			}
			if cl.Inconclusive && cl.Holds {
				t.Error("an inconclusive claim holds; want Holds false")
			}
		})
	}
	// Through a claim: spawn's ratio over pairings of repetitions.
	got := spawnClaim(stat3(10000, 31200, 40000), stat3(98, 1000, 1300))
	if !got.Inconclusive || got.Holds {
		t.Errorf("spawn claim with repetitions from 7.7x to 408x: %q (holds %v, inconclusive %v); want inconclusive", got.Verdict, got.Holds, got.Inconclusive)
	}
}

// TestStatJSON: a metric whose samples disagree around a median of 0 has
// no relative spread (NaN, null in JSON; the tables show "-"), not 0,
// which says they agreed; and a metric goes to JSON flat, with its name
// and unit, and comes back the same.
func TestStatJSON(t *testing.T) {
	cases := []struct {
		name       string
		samples    []float64
		wantSpread string // in JSON
	}{
		{"agree", []float64{5, 5, 5}, `"spread":0`},
		{"spread", []float64{8, 10, 12}, `"spread":0.4`},
		{"median 0, disagree", []float64{0, 0, 75501}, `"spread":null`},
		{"all 0", []float64{0, 0, 0}, `"spread":0`},
		{"measured once", []float64{5}, `"spread":null`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Metric{Name: "memory/goroutine/1000/virtual", Unit: "bytes", Stat: summarize(c.samples)}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), c.wantSpread) || !strings.Contains(string(b), fmt.Sprintf(`"name":"memory/goroutine/1000/virtual","unit":"bytes","n":%d,`, len(c.samples))) {
				t.Errorf("JSON %s; want it flat with %s", b, c.wantSpread)
			}
			var back Metric
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			same := back.Name == m.Name && back.Unit == m.Unit && back.N == m.N && back.Max == m.Max &&
				(back.Spread == m.Spread || math.IsNaN(back.Spread) && (math.IsNaN(m.Spread) || m.N < 2))
			if !same {
				t.Errorf("round trip: %+v; want %+v", back, m)
			}
			if wantDash := math.IsNaN(m.Spread) || m.N < 2; (fmtSpread(m.Stat) == "-") != wantDash {
				t.Errorf("fmtSpread = %q; want \"-\": %v", fmtSpread(m.Stat), wantDash)
			}
		})
	}
}

// TestClaimJSONNonFinite: a claim whose median is not a finite number (a
// ratio over a p99 of 0) writes "median": null, where encoding/json
// refused it and the whole --json report failed; it reads back as NaN.
func TestClaimJSONNonFinite(t *testing.T) {
	for _, median := range []float64{math.Inf(1), math.NaN(), 16400} {
		c := Claim{Experiment: "blocking", Quote: "Never block the async runtime", Median: median, Spread: math.NaN(), Unit: "x", Verdict: "holds", Holds: true}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("median %v: Marshal: %v", median, err)
		}
		finite := !math.IsNaN(median) && !math.IsInf(median, 0)
		if got := strings.Contains(string(b), `"median":null`); got == finite {
			t.Errorf("median %v: JSON %s; want median null: %v", median, b, !finite)
		}
		var back Claim
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if finite && back.Median != median || !finite && !math.IsNaN(back.Median) {
			t.Errorf("median %v read back as %v", median, back.Median)
		}
	}
}
