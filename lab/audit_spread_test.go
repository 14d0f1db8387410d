package lab_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/spool-go/spool/lab"
)

// A claim's spread reads the same in text, JSON and (see cmd/spool) HTML:
// a real 0% is "0%" and 0; a claim without a spread (NaN) is "-" and
// null. The text used to show "-" for both, and JSON 0 for both.
func TestAuditClaimSpreadTextAndJSON(t *testing.T) {
	tests := []struct {
		name     string
		spread   float64
		wantText string // the SPREAD column
		wantJSON string // the value of "spread"
	}{
		{"none", math.NaN(), "-", "null"},
		{"repetitions that agree", 0, "0%", "0"},
		{"under half a percent", 0.004, "0%", "0.004"},
		{"ten percent", 0.1, "10%", "0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lab.Claim{Experiment: "switch", Quote: "claim", Measured: "142 ns", Median: 142, Spread: tt.spread, Unit: "ns", Verdict: "holds", Holds: true}
			if got := c.SpreadText(); got != tt.wantText {
				t.Errorf("SpreadText: got %q; want %q", got, tt.wantText)
			}
			rep := &lab.Report{Size: lab.Quick, Claims: []lab.Claim{c},
				Results: []*lab.Result{{Name: "switch", Claims: []lab.Claim{c}}}}

			var text bytes.Buffer
			if err := lab.WriteText(&text, rep); err != nil {
				t.Fatal(err)
			}
			var row []string
			for _, l := range strings.Split(text.String(), "\n") {
				if strings.HasPrefix(l, "switch ") && strings.Contains(l, `"claim"`) {
					row = strings.Fields(l)
				}
			}
			// switch "claim" 142 ns SPREAD holds
			if len(row) != 6 || row[4] != tt.wantText {
				t.Errorf("claims row %q: want the spread %q before the verdict", row, tt.wantText)
			}

			var js bytes.Buffer
			if err := lab.WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Claims      []map[string]json.RawMessage
				Experiments []struct{ Claims []map[string]json.RawMessage }
			}
			if err := json.Unmarshal(js.Bytes(), &raw); err != nil {
				t.Fatalf("JSON does not parse: %v\n%s", err, js.String())
			}
			if len(raw.Claims) != 1 || len(raw.Experiments) != 1 || len(raw.Experiments[0].Claims) != 1 {
				t.Fatalf("JSON: got %s; want one claim in the report and one in its experiment", js.String())
			}
			for _, got := range []map[string]json.RawMessage{raw.Claims[0], raw.Experiments[0].Claims[0]} {
				if string(got["spread"]) != tt.wantJSON {
					t.Errorf(`JSON "spread": got %s; want %s`, got["spread"], tt.wantJSON)
				}
				for _, key := range []string{"experiment", "quote", "measured", "median", "unit", "verdict", "holds"} {
					if _, ok := got[key]; !ok {
						t.Errorf("JSON claim lacks %q: %v", key, got)
					}
				}
			}

			// And back: null is NaN again, a number itself.
			var back lab.Report
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if got := back.Claims[0]; got.SpreadText() != tt.wantText || got.Quote != c.Quote || got.Median != c.Median || got.Holds != c.Holds {
				t.Errorf("read back: got %+v (spread shown %q); want %+v", got, got.SpreadText(), c)
			}
		})
	}
}
