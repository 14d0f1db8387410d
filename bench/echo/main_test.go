package echobench_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the servers under test leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
