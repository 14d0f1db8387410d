package main

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/spool-go/spool/lab"
)

// The page's claims table shows a claim's spread as the text report does:
// "0%" for repetitions that all agreed (it showed "-", as for none), "-"
// for a claim without a spread.
func TestLabHTMLSpreadAsText(t *testing.T) {
	tests := []struct {
		name   string
		spread float64
		want   string
	}{
		{"none", math.NaN(), "-"},
		{"repetitions that agree", 0, "0%"},
		{"under half a percent", 0.004, "0%"},
		{"ten percent", 0.1, "10%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lab.Claim{Experiment: "switch", Quote: "a claim", Measured: "142 ns measured", Median: 142, Spread: tt.spread, Unit: "ns", Verdict: "holds", Holds: true}
			rep := &lab.Report{Size: lab.Quick, Claims: []lab.Claim{c}, Results: []*lab.Result{{Name: "switch", Claims: []lab.Claim{c}}}}
			var page bytes.Buffer
			if err := writeLabHTML(&page, rep); err != nil {
				t.Fatalf("writeLabHTML: %v", err)
			}
			if want := "<td>142 ns measured</td><td>" + tt.want + "</td>"; !strings.Contains(page.String(), want) {
				i := strings.Index(page.String(), "142 ns measured")
				t.Errorf("claims row: got %q; want %q", page.String()[max(i-4, 0):min(i+40, page.Len())], want)
			}
			var text bytes.Buffer
			if err := lab.WriteText(&text, rep); err != nil {
				t.Fatal(err)
			}
			if want := regexp.MustCompile(`142 ns measured +` + regexp.QuoteMeta(tt.want) + ` +holds`); !want.MatchString(text.String()) {
				t.Errorf("text report:\n%s\nwant the row to match %s", text.String(), want)
			}
		})
	}
}
