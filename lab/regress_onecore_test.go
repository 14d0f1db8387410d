package lab

import (
	"strings"
	"testing"
)

// TestSharedClaimOneCore: on one core (GOMAXPROCS=1, or a one-CPU
// machine) readers never overlap, so RWMutex over Mutex is noise around 1
// and "RwLock: Optimizing for Readers" cannot be told, as the cpu claim
// cannot: the verdict says so, neither holding nor refuted. It used to be
// "holds" or "not here" by the noise. The core count is the report's
// machine's, passed in, so the test needs no GOMAXPROCS change.
func TestSharedClaimOneCore(t *testing.T) {
	mu := stat3(100, 100, 100) // Mutex, ops/s: the repetitions agree
	cases := []struct {
		name             string
		cores            int
		tiny             float64 // RWMutex/Mutex with one-instruction reads
		rw               Stat    // RWMutex with ~1 µs reads
		wantVerdict      string  // prefix
		wantHolds        bool
		wantInconclusive bool
	}{
		{"one core, RWMutex ahead", 1, 1.5, stat3(150, 150, 150), "cannot tell on one core", false, true},
		{"one core, RWMutex behind", 1, 0.5, stat3(90, 90, 90), "cannot tell on one core", false, true},
		{"no core known", 0, 1.5, stat3(150, 150, 150), "cannot tell on one core", false, true},
		{"two cores, RWMutex ahead", 2, 1.5, stat3(150, 150, 150), "holds", true, false},
		{"two cores, only slow reads gain", 2, 0.5, stat3(150, 150, 150), "holds only when reads take time", true, false},
		{"two cores, RWMutex behind", 2, 0.5, stat3(90, 90, 90), "not here, even for 1 µs reads", false, false},
		{"eight cores, repetitions disagree", 8, 0.5, stat3(90, 120, 150), "cannot tell: 1.20x", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sharedClaim(tc.tiny, mu, tc.rw, tc.cores)
			if !strings.HasPrefix(c.Verdict, tc.wantVerdict) || c.Holds != tc.wantHolds || c.Inconclusive != tc.wantInconclusive {
				t.Errorf("sharedClaim(%v, cores %d): verdict %q, holds %v, inconclusive %v; want %q..., holds %v, inconclusive %v",
					tc.rw.Median/mu.Median, tc.cores, c.Verdict, c.Holds, c.Inconclusive, tc.wantVerdict, tc.wantHolds, tc.wantInconclusive)
			}
			if want := tc.rw.Median / mu.Median; c.Median != want {
				t.Errorf("figure %v; want %v (the ratio is still shown)", c.Median, want)
			}
		})
	}
}
