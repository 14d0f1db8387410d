package retry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/bench/retry"
)

// TestPeers checks that every peer does what the benchmark claims: one
// call on success; three calls, then the operation's error, on failure.
func TestPeers(t *testing.T) {
	ctx := context.Background()
	for _, p := range retry.Peers {
		calls := 0
		v, err := p.Do(ctx, func() (int, error) { calls++; return 7, nil })
		if v != 7 || err != nil || calls != 1 {
			t.Errorf("%s success: %d, %v after %d calls; want 7, nil after 1", p.Name, v, err, calls)
		}
		if p.Name == "direct" {
			continue
		}
		calls = 0
		_, err = p.Do(ctx, func() (int, error) { calls++; return 0, retry.ErrOp })
		if !errors.Is(err, retry.ErrOp) || calls != 3 {
			t.Errorf("%s fail3: %v after %d calls; want ErrOp after 3", p.Name, err, calls)
		}
	}
}

var sink int

// BenchmarkRetry times each peer's loop around an operation that does
// nothing: op=success returns at once; op=fail3 fails three times with no
// delay between attempts. Compare with
//
//	go test -run '^$' -bench Retry -benchmem -count 6 . | tee /tmp/retry.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /peer -row /op /tmp/retry.txt
func BenchmarkRetry(b *testing.B) {
	ctx := context.Background()
	ok := func() (int, error) { return 1, nil }
	fail := func() (int, error) { return 0, retry.ErrOp }
	for _, c := range []struct {
		name string
		op   func() (int, error)
	}{{"success", ok}, {"fail3", fail}} {
		for _, p := range retry.Peers {
			if p.Name == "direct" && c.name == "fail3" {
				continue
			}
			b.Run("op="+c.name+"/peer="+p.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					v, _ := p.Do(ctx, c.op)
					sink += v
				}
			})
		}
	}
}
