package lab

import "testing"

// TestAuditUnitAtRoundingEdge: a figure that rounds up to the next unit is
// shown in that unit. fmtNS and fmtRate chose the unit before rounding to
// 3 significant digits, so 999.7 ns printed as "1000 ns".
func TestAuditUnitAtRoundingEdge(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"ns to µs", fmtNS(999.7), "1.00 µs"},
		{"µs to ms", fmtNS(999_700), "1.00 ms"},
		{"ms to s", fmtNS(999.7e6), "1.00 s"},
		{"ns stays", fmtNS(999.4), "999 ns"},
		{"rate k to M", fmtRate(999.7e3, "op"), "1.00 Mop/s"},
		{"rate plain to k", fmtRate(999.9, "msg"), "1.00 kmsg/s"},
		{"KiB to MiB", fmtBytes(1<<20 - 1), "1.00 MiB"},
		{"KiB stays below 1 MiB", fmtBytes(1_047_000), "1020 KiB"},
		{"B stays", fmtBytes(1000), "1000 B"},
		{"B to KiB", fmtBytes(1023.9), "1.00 KiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q; want %q", tc.name, tc.got, tc.want)
		}
	}
}
