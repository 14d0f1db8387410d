//go:build unix

package parallel_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used, all
// threads together. Unlike wall time it does not grow when other processes
// compete for the cores, so it shows the work a peer does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
