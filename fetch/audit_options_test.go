package fetch_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// TestAuditBadOptionsPanic: Dir("") and a nil Option are refused with a
// panic from Run that says so, as the other bad options are. Dir("") used to be
// taken silently as no Dir (no body saved, no Path), and a nil Option
// panicked with a nil dereference inside Run.
func TestAuditBadOptionsPanic(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{`Dir("")`, func() { fetch.Run(context.Background(), slices.Values([]string{"http://127.0.0.1:1/"}), fetch.Dir("")) }},
		{"Run(nil Option)", func() {
			for range fetch.Run(context.Background(), slices.Values([]string{"http://127.0.0.1:1/"}), nil) {
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "fetch: ") {
					t.Errorf("got panic %v; want one starting with fetch: ", r)
				}
			}()
			tt.f()
		})
	}
}
