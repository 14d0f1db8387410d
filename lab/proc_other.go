//go:build !linux

package lab

// gettid returns 0: only Linux tells which thread runs a goroutine here.
func gettid() int { return 0 }

func stackLimit() int64 { return 0 }
