//go:build !unix

package echo_test

import (
	"fmt"
	"os"
)

// helperServer is the server process of the Unix-only tests that start
// one; there are none here.
func helperServer(string) int {
	fmt.Fprintln(os.Stderr, "echo tests: no helper server on this system")
	return 2
}
