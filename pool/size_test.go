package pool

import (
	"testing"
	"unsafe"
)

// TestWorkerSize guards the memory an idle worker costs besides its
// goroutine: the docs promise 80 bytes, one size class.
func TestWorkerSize(t *testing.T) {
	if got, want := unsafe.Sizeof(worker{}), uintptr(80); got > want {
		t.Errorf("unsafe.Sizeof(worker{}) = %d B; want at most %d", got, want)
	}
}
