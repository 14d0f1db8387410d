package pools_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no peer leaves goroutines behind. IgnoreCurrent
// skips the ones ants starts in its package init for its default pool.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }
