package lab

import "syscall"

// gettid returns the id of the OS thread running the caller.
func gettid() int { return syscall.Gettid() }

func stackLimit() int64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &l); err != nil {
		return 0
	}
	return int64(l.Cur)
}

// ctxSwitches returns how many kernel context switches the threads of this
// process have made so far, voluntary and involuntary (getrusage
// RUSAGE_SELF), and whether it could tell.
func ctxSwitches() (int64, bool) {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0, false
	}
	return int64(r.Nvcsw) + int64(r.Nivcsw), true
}
