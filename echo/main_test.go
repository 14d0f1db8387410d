package echo_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv makes the test binary a server process (see helperServer).
const helperEnv = "ECHO_TEST_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperServer(mode))
	}
	goleak.VerifyTestMain(m)
}
