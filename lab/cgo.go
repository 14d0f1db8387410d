//go:build cgo

package lab

// The lab links runtime/cgo whenever cgo is on, so that the figures do not
// depend on whether some other import happened to pull it in. With cgo,
// Go starts OS threads with pthread_create, and each reserves a stack of
// RLIMIT_STACK bytes (ulimit -s, often 8 MiB) of virtual memory, as a C
// program's threads do (a Rust std::thread reserves 2 MiB); without cgo,
// Go starts them itself with a small stack of its own.
import _ "runtime/cgo"

const cgoLinked = true
