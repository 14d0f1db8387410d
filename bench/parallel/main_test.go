package parallel_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no peer leaves goroutines behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
