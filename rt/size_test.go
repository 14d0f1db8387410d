package rt

import (
	"testing"
	"unsafe"

	"github.com/spool-go/spool/task"
)

// TestEntrySize guards the size class of Spawn's one allocation, the task
// and its entry together: 288 bytes for a Task[int] (it was 320 with a
// 136-byte entry, and Spawn+Await took 7% longer).
func TestEntrySize(t *testing.T) {
	if got, want := unsafe.Sizeof(entry{}), uintptr(96); got > want {
		t.Errorf("unsafe.Sizeof(entry{}) = %d B; want at most %d", got, want)
	}
	if got, want := unsafe.Sizeof(task.Task[int]{})+unsafe.Sizeof(entry{}), uintptr(288); got > want {
		t.Errorf("a Task[int] and its entry take %d B; want at most %d (a size class)", got, want)
	}
}
