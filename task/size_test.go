package task

import (
	"testing"
	"unsafe"
)

// TestTaskSize guards the size class of a Task[int], every Go's and
// Group.Go's one allocation of its own: 160 bytes (it was 184, in the
// 192-byte class, before taskCtx's two flags shared a word).
func TestTaskSize(t *testing.T) {
	if got, want := unsafe.Sizeof(Task[int]{}), uintptr(160); got > want {
		t.Errorf("unsafe.Sizeof(Task[int]{}) = %d B; want at most %d", got, want)
	}
}
