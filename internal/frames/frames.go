// Package frames finds, on the calling goroutine's stack, the receivers of
// a method's frames: how a pool or a pipeline tells that a call comes from
// one of its own goroutines, which Go gives no identity to look up. It
// reads the stack as text (runtime.Stack), 3-6 µs, so callers look only
// once a wait has stalled.
package frames

import (
	"bytes"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

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
