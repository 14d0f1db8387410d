//go:build !linux

package lab

// gettid returns 0: only Linux tells which thread runs a goroutine here.
func gettid() int { return 0 }

// stackLimit returns 0: the lab reads ulimit -s on Linux only.
func stackLimit() int64 { return 0 }

// ctxSwitches reports false: the lab counts kernel context switches on
// Linux only.
func ctxSwitches() (int64, bool) { return 0, false }
