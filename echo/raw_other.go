//go:build unix && !linux

package echo

import "syscall"

// rawRead and rawWrite are syscall.Read and syscall.Write: only Linux
// gets the raw system calls of raw_linux.go (other systems route system
// calls through libc, or lack the numbers).
func rawRead(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }

func rawWrite(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }
