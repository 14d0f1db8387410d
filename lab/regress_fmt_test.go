package lab

import (
	"strings"
	"testing"
)

// TestNoSigExponent: sig prints no exponent, as its doc says; 'g'
// formatting used to give one below 1e-4.
func TestNoSigExponent(t *testing.T) {
	if s := sig(0.00001234); strings.ContainsAny(s, "e") {
		t.Errorf("sig(0.00001234) = %q; want no exponent", s)
	}
}

func TestSigBelowOne(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{{0.5, "0.500"}, {0.1234, "0.123"}, {0.01234, "0.0123"}, {0.00001234, "0.0000123"}, {-0.0456, "-0.0456"}, {0.9996, "1.00"}} {
		if got := sig(c.x); got != c.want {
			t.Errorf("sig(%v) = %q; want %q", c.x, got, c.want)
		}
	}
}
