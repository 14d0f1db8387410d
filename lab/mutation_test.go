package lab_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spool-go/spool/lab"
)

// TestMutStatJSONSpreadOnce: a figure measured fewer than twice has no
// spread in JSON (null), whatever its Spread field holds; from two
// samples on, the spread is written.
func TestMutStatJSONSpreadOnce(t *testing.T) {
	tests := []struct {
		st   lab.Stat
		want string
	}{
		{lab.Stat{N: 0, Median: 5, Min: 5, Max: 5, P90: 5, P99: 5, Spread: 0}, "null"},
		{lab.Stat{N: 1, Median: 5, Min: 5, Max: 5, P90: 5, P99: 5, Spread: 0}, "null"},
		{lab.Stat{N: 2, Median: 5, Min: 5, Max: 5, P90: 5, P99: 5, Spread: 0}, "0"},
		{lab.Stat{N: 2, Median: 5, Min: 4, Max: 6, P90: 6, P99: 6, Spread: 0.4}, "0.4"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.st)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if got := string(m["spread"]); got != tt.want {
			t.Errorf("N %d: got spread %s in %s; want %s", tt.st.N, got, b, tt.want)
		}
	}
}

// TestMutInterruptedNamesEveryNotRun: the INTERRUPTED line of the text
// report names what did not run, one experiment as well as several.
func TestMutInterruptedNamesEveryNotRun(t *testing.T) {
	tests := []struct {
		notRun []string
		want   string
	}{
		{[]string{"mutex"}, "INTERRUPTED: the run was stopped before it finished: mutex did not run.\n"},
		{[]string{"blocking", "mutex"}, "INTERRUPTED: the run was stopped before it finished: 2 experiments did not run (blocking, mutex).\n"},
		{nil, "INTERRUPTED: the run was stopped before it finished: every experiment had ended.\n"},
	}
	for _, tt := range tests {
		rep := &lab.Report{Interrupted: true, NotRun: tt.notRun}
		var b bytes.Buffer
		if err := lab.WriteText(&b, rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("not run %v: got\n%s\nwant a line %q", tt.notRun, b.String(), tt.want)
		}
	}
}

// TestMutShownOneMetric: an experiment that stopped before laying out its
// tables shows the figures it measured, even just one.
func TestMutShownOneMetric(t *testing.T) {
	for _, n := range []int{1, 2} {
		r := &lab.Result{}
		for i := range n {
			r.Metrics = append(r.Metrics, lab.Metric{Name: "m" + string(rune('a'+i)), Unit: "ns", Stat: lab.Stat{N: 3, Median: 10, Min: 9, Max: 11, Spread: 0.2}})
		}
		shown := r.Shown()
		if len(shown) != 1 || len(shown[0].Rows) != n {
			t.Errorf("%d metrics: got %d tables (%+v); want one with %d rows", n, len(shown), shown, n)
		}
	}
}

// TestMutSizeTextRoundTrip: every Size reads back from the name it
// marshals to.
func TestMutSizeTextRoundTrip(t *testing.T) {
	for _, s := range []lab.Size{lab.Quick, lab.Default, lab.Full} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%v: MarshalText = %v", s, err)
		}
		var got lab.Size = -1
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v, nil", b, got, err, s)
		}
	}
}
