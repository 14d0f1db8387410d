//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package benchcpu

import "time"

const supported = false

// Used returns 0: the process's CPU time is not known here.
func Used() time.Duration { return 0 }
