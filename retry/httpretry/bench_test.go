package httpretry_test

import (
	"testing"
	"time"

	"github.com/spool-go/spool/retry/httpretry"
)

// BenchmarkCheck: go test -run '^$' -bench Check -benchmem -count 6 ./retry/httpretry/
func BenchmarkCheck(b *testing.B) {
	ok := response(200)
	busy := response(503, "Retry-After", "7")
	b.Run("200", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if httpretry.Check(ok, nil, time.Minute) != nil {
				b.Fatal("not nil")
			}
		}
	})
	b.Run("503+retry-after", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if httpretry.Check(busy, nil, time.Minute) == nil {
				b.Fatal("nil")
			}
		}
	})
}
