package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/internal/stats"
)

// Stat summarises repeated measurements of one figure. A figure the
// system could not measure (resident size without /proc) has N 0 and NaN
// figures, null in JSON.
type Stat struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	// Spread is (max-min)/median over repetitions of the measurement: 0
	// when all agree. It is NaN (null in JSON, "-" in tables) when there
	// is none to give: for fewer than two samples; when the samples
	// disagree around a median of 0, which no relative spread describes;
	// and for the probe-wait metrics (blocking/.../probe-wait,
	// mutex/.../probe-wait), whose N samples are the waits of one run's
	// probes, a distribution that the median, P90, P99 and Max describe,
	// not repetitions.
	Spread float64 `json:"spread"`
}

// summarize turns samples into a Stat (see stats.Summarize).
func summarize(xs []float64) Stat {
	s := stats.Summarize(xs)
	st := Stat{N: s.N, Median: s.Median, Min: s.Min, Max: s.Max, P90: s.P90, P99: s.P99, Spread: s.Spread}
	switch {
	case st.N < 2:
		// One sample agrees with nothing: no spread, as the tables and
		// JSON show it (a 0 here became null in JSON and read back NaN).
		st.Spread = math.NaN()
	case st.Median == 0 && st.Max != st.Min:
		// stats gives 0 here, which the reports read as "all agreed": a
		// thread's virtual size at 1,000 threads read 0% with a maximum
		// of 75,501 bytes.
		st.Spread = math.NaN()
	}
	return st
}

// summarizeWaits summarises the waits of one run's probes: a
// distribution, not repetitions, so it has no spread (NaN; see Stat).
func summarizeWaits(waits []float64) Stat {
	st := summarize(waits)
	st.Spread = math.NaN()
	return st
}

// statJSON is Stat as JSON carries it: a figure that is not a finite
// number (not measured) is null, and so is the spread of a figure
// measured fewer than twice.
type statJSON struct {
	N      int      `json:"n"`
	Median *float64 `json:"median"`
	Min    *float64 `json:"min"`
	Max    *float64 `json:"max"`
	P90    *float64 `json:"p90"`
	P99    *float64 `json:"p99"`
	Spread *float64 `json:"spread"`
}

// toJSON is s as JSON carries it: no spread (null) for a figure measured
// once, as the tables show "-" for it, nor for a NaN one; null for any
// figure that is NaN (not measured) or infinite.
func (s Stat) toJSON() statJSON {
	j := statJSON{N: s.N, Median: finite(s.Median), Min: finite(s.Min), Max: finite(s.Max), P90: finite(s.P90), P99: finite(s.P99)}
	if s.N >= 2 {
		j.Spread = finite(s.Spread)
	}
	return j
}

func (j statJSON) stat() Stat {
	return Stat{N: j.N, Median: orNaN(j.Median), Min: orNaN(j.Min), Max: orNaN(j.Max), P90: orNaN(j.P90), P99: orNaN(j.P99), Spread: orNaN(j.Spread)}
}

// MarshalJSON writes NaN figures (a spread, or a figure not measured) as
// null, which JSON can carry.
func (s Stat) MarshalJSON() ([]byte, error) { return json.Marshal(s.toJSON()) }

// UnmarshalJSON reads null figures back as NaN.
func (s *Stat) UnmarshalJSON(b []byte) error {
	var j statJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = j.stat()
	return nil
}

// sample calls fn reps times and summarises what it returns. It stops at
// the first error, or when ctx is done.
func sample(ctx context.Context, reps int, fn func() (float64, error)) (Stat, error) {
	xs := make([]float64, 0, reps)
	for range reps {
		if err := ctx.Err(); err != nil {
			return Stat{}, err
		}
		x, err := fn()
		if err != nil {
			return Stat{}, err
		}
		xs = append(xs, x)
	}
	return summarize(xs), nil
}

// timeIt returns how long fn took, in nanoseconds, divided by per (the
// number of operations fn did).
func timeIt(per int, fn func() error) (float64, error) {
	start := time.Now()
	err := fn()
	return float64(time.Since(start)) / float64(max(per, 1)), err
}

// MarshalJSON writes NaN values (gaps) as null, which JSON can carry.
func (s Series) MarshalJSON() ([]byte, error) {
	vals := make([]*float64, len(s.Values))
	for i := range s.Values {
		if v := s.Values[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals[i] = &v
		}
	}
	return json.Marshal(struct {
		Name   string     `json:"name"`
		Values []*float64 `json:"values"`
	}{s.Name, vals})
}

// UnmarshalJSON reads null values back as NaN.
func (s *Series) UnmarshalJSON(b []byte) error {
	var v struct {
		Name   string     `json:"name"`
		Values []*float64 `json:"values"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Name = v.Name
	s.Values = make([]float64, len(v.Values))
	for i, p := range v.Values {
		s.Values[i] = math.NaN()
		if p != nil {
			s.Values[i] = *p
		}
	}
	return nil
}

// --- formatting ---------------------------------------------------------

// round3 rounds x to the 3 significant digits that sig shows.
func round3(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	return x
}

// sig formats x with 3 significant digits, without an exponent.
func sig(x float64) string {
	// Round first, so that 0.9996 prints as 1.00 and 99.96 as 100.
	x = round3(x)
	switch ax := math.Abs(x); {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "-"
	case ax == 0:
		return "0"
	case ax >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case ax >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default: // below 1: as many decimals as 3 significant digits need
		return strconv.FormatFloat(x, 'f', 2-int(math.Floor(math.Log10(ax))), 64)
	}
}

// The unit formatters below choose the unit by the rounded figure, so
// that 999.7 ns prints as 1.00 µs, not 1000 ns.

// fmtNS formats nanoseconds as a duration with a fitting unit.
func fmtNS(ns float64) string {
	switch a := math.Abs(round3(ns)); {
	case math.IsNaN(ns):
		return "-"
	case a >= 1e9:
		return sig(ns/1e9) + " s"
	case a >= 1e6:
		return sig(ns/1e6) + " ms"
	case a >= 1e3:
		return sig(ns/1e3) + " µs"
	}
	return sig(ns) + " ns"
}

// fmtBytes formats a byte count in binary units.
func fmtBytes(b float64) string {
	in := func(unit float64) bool { return math.Abs(round3(b/unit)) >= 1 }
	switch {
	case math.IsNaN(b):
		return "-"
	case math.Abs(b) < 1:
		return "0 B" // per-unit shares of page-sized growth round to nothing
	case in(1 << 30):
		return sig(b/(1<<30)) + " GiB"
	case in(1 << 20):
		return sig(b/(1<<20)) + " MiB"
	case in(1 << 10):
		return sig(b/(1<<10)) + " KiB"
	}
	return sig(b) + " B"
}

// fmtRate formats a rate per second with a metric prefix.
func fmtRate(perSec float64, unit string) string {
	switch a := math.Abs(round3(perSec)); {
	case math.IsNaN(perSec):
		return "-"
	case a >= 1e9:
		return sig(perSec/1e9) + " G" + unit + "/s"
	case a >= 1e6:
		return sig(perSec/1e6) + " M" + unit + "/s"
	case a >= 1e3:
		return sig(perSec/1e3) + " k" + unit + "/s"
	}
	return sig(perSec) + " " + unit + "/s"
}

// fmtX formats a ratio.
func fmtX(r float64) string { return sig(r) + "x" }

// fmtSpread formats a Stat's spread as a percentage of its median.
func fmtSpread(s Stat) string {
	if s.N < 2 || math.IsNaN(s.Spread) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*s.Spread)
}

// ratioSpread is the spread of the ratio a/b of two figures measured
// apart (in separate repetitions, so no repetition of a belongs with one
// of b): the range of the ratio over every pairing of a repetition of a
// with one of b, from a.Min/b.Max to a.Max/b.Min, over the ratio of the
// medians, the figure shown. To first order it is a.Spread + b.Spread,
// so a ratio is never shown as steadier than either side. It is NaN, no
// spread (shown as "-"), when the ratio is not a positive finite figure,
// or when neither side was repeated.
func ratioSpread(a, b Stat) float64 {
	r := a.Median / b.Median
	if a.N < 1 || b.N < 1 || a.N < 2 && b.N < 2 || !(a.Min >= 0) || !(b.Min > 0) || !(r > 0) || math.IsInf(r, 0) {
		return math.NaN()
	}
	return (a.Max/b.Min - a.Min/b.Max) / r
}

// claimSpread is the spread of a claim decided by s itself: s.Spread, or
// NaN (no spread, shown as "-") when s was not repeated, as fmtSpread
// shows it in the tables.
func claimSpread(s Stat) float64 {
	if s.N < 2 || math.IsNaN(s.Spread) || math.IsInf(s.Spread, 0) {
		return math.NaN()
	}
	return s.Spread
}

// fmtCount formats an integer with thousands separators: 10,000.
func fmtCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + fmtCount(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// --- verdicts -----------------------------------------------------------

// measured reports whether every x is a figure a claim can be judged on:
// positive and finite. A time, size or throughput of 0, a negative growth,
// NaN (not measured) or an infinite ratio is not.
func measured(xs ...float64) bool {
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// notMeasuredVerdict is the verdict of a claim whose figures are not all
// measured (see measured).
const notMeasuredVerdict = "not measured: a figure it needs is zero, negative or missing"

// notMeasured marks c as not judged: a figure it needs is zero, negative,
// NaN or infinite. It is inconclusive, neither confirmed nor refuted.
func (c *Claim) notMeasured() {
	c.Verdict, c.Holds, c.Inconclusive = notMeasuredVerdict, false, true
}

// judge sets c's verdict from near or within: one of theirs that starts
// with "not measured" makes c inconclusive, as notMeasured does.
func (c *Claim) judge(verdict string, holds bool) {
	c.Verdict, c.Holds = verdict, holds
	if strings.HasPrefix(verdict, "not measured") {
		c.Holds, c.Inconclusive = false, true
	}
}

// near judges a claim of "about want": it holds when got is within a factor
// tol of want either way, the factor rounded to the 3 digits the verdict
// shows. A got or want that is not measured (see measured) gives "not
// measured".
func near(want, got, tol float64, show func(float64) string) (string, bool) {
	if !measured(got, want) {
		return notMeasuredVerdict, false
	}
	r := got / want
	if r < 1 {
		r = 1 / r
	}
	if round3(r) <= tol { // decided on the factor as shown: "off by 1.15x" never fails a tolerance of 1.15
		return "holds", true
	}
	return fmt.Sprintf("off by %s: here %s", fmtX(r), show(got)), false
}

// statRange is the range of a figure s measured over repetitions,
// scaled by k (a switch is half a round trip): NaNs when s was measured
// once.
func statRange(s Stat, k float64) (lo, hi float64) {
	if s.N < 2 {
		return math.NaN(), math.NaN()
	}
	return s.Min * k, s.Max * k
}

// ratioRange is the range of the ratio a/b over every pairing of their
// repetitions (see ratioSpread): NaNs when it has none.
func ratioRange(a, b Stat) (lo, hi float64) {
	if math.IsNaN(ratioSpread(a, b)) {
		return math.NaN(), math.NaN()
	}
	return a.Min / b.Max, a.Max / b.Min
}

// checkRange makes c, whose verdict the median decided, inconclusive if
// the deciding figure's range over the repetitions, [lo, hi], lies partly
// where the claim holds, [in0, in1] (in1 may be +Inf), and partly
// outside: the repetitions disagree on the verdict, and a median on one
// side of the line says little. (A spawn ratio of 31x, with repetitions
// from 7.6x to 408x against a line at 10x, read "holds".) A range that is
// unknown (NaN: the figure was measured once) changes nothing.
func (c *Claim) checkRange(lo, hi, in0, in1 float64, show func(float64) string) {
	if math.IsNaN(lo) || math.IsNaN(hi) || c.NoFigure || c.Inconclusive {
		return
	}
	// On the figures as shown: a range from 9.996x reads "10.0x", which
	// a line at 10x does not cut.
	lo, hi, in0, in1 = round3(lo), round3(hi), round3(in0), round3(in1)
	if (lo >= in0 && hi <= in1) || hi < in0 || lo > in1 {
		return // the repetitions agree
	}
	where := fmt.Sprintf("it holds from %s to %s", show(in0), show(in1))
	switch {
	case math.IsInf(in1, 1):
		where = "it holds from " + show(in0)
	case in0 <= 0:
		where = "it holds up to " + show(in1)
	}
	c.Verdict = fmt.Sprintf("cannot tell: %s, but %s to %s over the repetitions (%s)", show(c.Median), show(lo), show(hi), where)
	c.Holds, c.Inconclusive = false, true
}

// within judges a claim of "about lo to hi": it holds inside the range and
// roughly holds within a factor 1.5 outside it; a got that is not measured
// (see measured) gives "not measured".
func within(lo, hi, got float64, show func(float64) string) (string, bool) {
	if !measured(got) {
		return notMeasuredVerdict, false
	}
	// Decided on the factors as shown (3 digits): 15.004 µs, "off by
	// 1.50x" above 10 µs, roughly holds, as 15.0 µs does.
	below, above := round3(lo/got), round3(got/hi)
	switch {
	case below <= 1 && above <= 1:
		return "holds", true
	case below > 1 && below <= 1.5:
		return fmt.Sprintf("roughly holds: %s, just below the range", show(got)), true
	case above > 1 && above <= 1.5:
		return fmt.Sprintf("roughly holds: %s, just above the range", show(got)), true
	case below > 1:
		return fmt.Sprintf("off by %s: %s, below the range", fmtX(below), show(got)), false
	}
	return fmt.Sprintf("off by %s: %s, above the range", fmtX(above), show(got)), false
}

// sink keeps the results of measured work alive, so the compiler cannot
// drop the work; keep stores atomically because many goroutines call it.
var sink atomic.Uint64

func keep(x uint64) { sink.Store(x) }
