package lab

import (
	"math"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// The experiments tell a claim without a spread (NaN: a figure not
// repeated, one p99 of many waits, a speed-up of 1 worker over itself)
// from one whose repetitions all agreed (0). Both used to be 0, so a real
// 0% read "-" in the claims table and a missing spread read 0 in JSON.
func TestAuditClaimSpreadKinds(t *testing.T) {
	p := runtime.GOMAXPROCS(0)
	join := func(reps int) func(t *testing.T) []Claim {
		return func(t *testing.T) []Claim {
			var claims []Claim
			synctest.Test(t, func(t *testing.T) { // waits take exactly their time: every repetition agrees
				res, err := measureJoin(t.Context(), tiny(), 100*time.Millisecond, reps)
				if err != nil {
					t.Fatal(err)
				}
				claims = res.Claims
			})
			return claims
		}
	}
	tests := []struct {
		name   string
		claims func(t *testing.T) []Claim
		want   string // every claim's SpreadText
	}{
		{"join, repetitions that agree", join(2), "0%"},
		{"join, one repetition", join(1), "-"},
		{"blocking: one p99", func(t *testing.T) []Claim {
			res, err := measureBlocking(t.Context(), tiny(), 30*time.Millisecond, 10*time.Millisecond, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			return res.Claims
		}, "-"},
		{"mutex: one p99 each", func(t *testing.T) []Claim {
			res, err := measureMutex(t.Context(), tiny(), 3, time.Millisecond, 20*time.Millisecond, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			return res.Claims
		}, "-"},
		{"cpu: the speed-up of GOMAXPROCS workers measured alone", func(*testing.T) []Claim {
			s := stat3(10, 10, 10)
			return []Claim{cpuClaim([]cpuRunner{{name: "pool"}, {name: "runtime"}}, [][]Stat{{s}, {s}}, []int{p}, false)}
		}, "-"},
		{"io: no pool to compare", func(*testing.T) []Claim {
			return []Claim{ioClaim([]ioRunner{{name: "runtime"}}, [][]Stat{{stat3(1, 2, 3)}}, []int{10})}
		}, "-"},
		{"a ratio of repetitions that agree", func(*testing.T) []Claim {
			return []Claim{spawnClaim(stat3(100, 100, 100), stat3(10, 10, 10))}
		}, "0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := tt.claims(t)
			if len(claims) == 0 {
				t.Fatal("no claims")
			}
			for _, c := range claims {
				if got := c.SpreadText(); got != tt.want {
					t.Errorf("claim %q: spread %v shown as %q; want %q", c.Quote, c.Spread, got, tt.want)
				}
			}
		})
	}
}

// claimSpread is a Stat's spread, or none (NaN) for a figure measured once.
func TestAuditClaimSpread(t *testing.T) {
	tests := []struct {
		name string
		s    Stat
		want float64 // NaN: none
	}{
		{"repeated", stat3(90, 100, 110), 0.2},
		{"repeated, all agree", stat3(100, 100, 100), 0},
		{"measured once", Stat{N: 1, Min: 5, Median: 5, Max: 5}, math.NaN()},
		{"not measured", Stat{}, math.NaN()},
	}
	for _, tt := range tests {
		got := claimSpread(tt.s)
		if math.IsNaN(got) != math.IsNaN(tt.want) || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: claimSpread(%+v) = %v; want %v", tt.name, tt.s, got, tt.want)
		}
	}
}
