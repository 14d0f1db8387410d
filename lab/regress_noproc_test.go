package lab

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestMemoryWithoutProc: on a system without /proc (macOS, Windows,
// FreeBSD) the memory experiment says what it could not measure, "-" in
// the table and null in JSON, instead of 0 B with a 0% spread and a
// thread claim of "0 B virtual, 0 B resident". Go's own stack count is
// still measured.
func TestMemoryWithoutProc(t *testing.T) {
	dir := t.TempDir()
	savedS, savedM := statusPath, meminfoPath
	statusPath, meminfoPath = filepath.Join(dir, "status"), filepath.Join(dir, "meminfo")
	defer func() { statusPath, meminfoPath = savedS, savedM }()

	res, err := measureMemory(t.Context(), tiny(), &Result{}, 2, []int{100}, []int{10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Metrics {
		measured := strings.HasSuffix(m.Name, "/go-stacks")
		if got := !math.IsNaN(m.Median); got != measured {
			t.Errorf("metric %s: median %v; want measured %v", m.Name, m.Median, measured)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("metric %s: %v", m.Name, err)
		}
		if got := strings.Contains(string(b), `"median":null`); got == measured {
			t.Errorf("metric %s: JSON %s; want median null %v", m.Name, b, !measured)
		}
	}
	tb := res.Tables[0]
	for _, row := range tb.Rows {
		for i, col := range tb.Columns {
			want := "-"
			if col == "unit" || col == "count" || col == "Go stacks" {
				continue
			}
			if row[i] != want {
				t.Errorf("row %v, column %q: got %q; want %q", row[:2], col, row[i], want)
			}
		}
	}
	for _, c := range res.Claims {
		if !strings.Contains(c.Measured, "not measured") && !strings.Contains(c.Measured, "resident not measured") {
			t.Errorf("claim %q: measured %q; want it to say what was not measured", c.Quote, c.Measured)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("json.Marshal(result): %v", err)
	}
}
