//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package benchcpu

import (
	"syscall"
	"time"
)

const supported = true

// Used returns the CPU time, user and system, that the process has used.
func Used() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
