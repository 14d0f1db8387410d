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
