package fetch

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the test server and its handlers leave no
// goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
