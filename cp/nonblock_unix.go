//go:build unix && !linux

package cp

import "syscall"

// oNonblock keeps the open of a FIFO put in a file's place from waiting
// for a writer (see openFile).
const oNonblock = syscall.O_NONBLOCK
