package lab_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spool-go/spool/lab"
)

// TestAuditWriteListUnknownSize: WriteList reports an unknown size as an
// error, as Run does, instead of indexing the estimates out of range.
func TestAuditWriteListUnknownSize(t *testing.T) {
	for _, s := range []lab.Size{-1, 3} {
		var b bytes.Buffer
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("WriteList(size %d) panicked: %v", s, r)
				}
			}()
			return lab.WriteList(&b, s)
		}()
		if err == nil {
			t.Errorf("WriteList(size %d): got nil error; want one", s)
		}
	}
}

// TestAuditTextShowsPartialFigures: an experiment cut short (or failed)
// before it laid out its tables still has the figures it measured in
// Metrics, and JSON carries them; the text report printed none of them,
// though an interrupted run is documented to report what it measured.
func TestAuditTextShowsPartialFigures(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  *lab.Result
	}{
		{"interrupted", &lab.Result{Name: "cpu", Interrupted: true}},
		{"failed", &lab.Result{Name: "cpu", Error: "lab: boom"}},
	} {
		tc.res.Metrics = []lab.Metric{
			{Name: "cpu/pool/1", Unit: "ns", Stat: lab.Stat{N: 3, Median: 32e6, Spread: 0.12}},
			{Name: "shared/sync.Mutex/1-goroutines/50%-reads", Unit: "ops/s", Stat: lab.Stat{N: 2, Median: 79.6e6}},
		}
		rep := &lab.Report{Size: lab.Quick, Interrupted: tc.res.Interrupted, Claims: []lab.Claim{}, Results: []*lab.Result{tc.res}}
		var b bytes.Buffer
		if err := lab.WriteText(&b, rep); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"cpu/pool/1", "32.0 ms", "12%", "79.6 Mop/s"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: text report lacks %q; got:\n%s", tc.name, want, b.String())
			}
		}
	}
}
