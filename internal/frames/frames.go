// Package frames finds, on the calling goroutine's stack, the receivers of
// a method's frames: how a pool or a pipeline tells that a call comes from
// one of its own goroutines, which Go gives no identity to look up. It
// reads the stack as text (runtime.Stack), 3-6 µs, so callers look only
// once a wait has stalled for StallAfter.
package frames

import (
	"bytes"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// StallAfter is how long a wait that may be its caller waiting for itself
// (a worker, a stage or a task waiting for the executor it runs in) goes
// on before the caller reads its stack to find out.
const StallAfter = 50 * time.Millisecond

// Has reports whether a frame of the function named name on the calling
// goroutine's stack has addr for first argument: whether the caller runs
// inside that method of the value at addr.
func Has(name string, addr uintptr) bool {
	for _, a := range Receivers(name) {
		if a == addr {
			return true
		}
	}
	return false
}

// Name returns the name tracebacks give the function or method value fn
// (a method expression such as (*T).m).
func Name(fn any) string {
	return runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
}

// Receivers returns the first argument word of every frame of the
// function named name on the calling goroutine's stack, innermost first:
// for a method with a pointer receiver, the receiver's address. Such a
// word may be stale (the traceback prints what was spilled), so compare
// it with pointers the caller knows.
func Receivers(name string) []uintptr {
	buf := make([]byte, 4<<10)
	for {
		n := runtime.Stack(buf, false)
		if n < len(buf) || len(buf) >= 1<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	frame := []byte(name + "(")
	var rs []uintptr
	for {
		i := bytes.Index(buf, frame)
		if i < 0 {
			return rs
		}
		buf = buf[i+len(frame):]
		arg := buf
		if j := bytes.IndexAny(arg, ",)?"); j >= 0 {
			arg = arg[:j]
		}
		if addr, err := strconv.ParseUint(strings.TrimPrefix(string(arg), "0x"), 16, 64); err == nil {
			rs = append(rs, uintptr(addr))
		}
	}
}
