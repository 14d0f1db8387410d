package rt

import (
	"testing"
	"unsafe"

	"github.com/spool-go/spool/task"
)

// TestEntrySize guards the size class of Spawn's one allocation, the task
// and its entry together: within 256 bytes for a Task[int] (it was 320
// with a 184-byte task and a 136-byte entry, and 288 with a 104-byte entry).
func TestEntrySize(t *testing.T) {
	if got, want := unsafe.Sizeof(entry{}), uintptr(88); got > want {
		t.Errorf("unsafe.Sizeof(entry{}) = %d B; want at most %d", got, want)
	}
	if got, want := unsafe.Sizeof(task.Task[int]{})+unsafe.Sizeof(entry{}), uintptr(256); got > want {
		t.Errorf("a Task[int] and its entry take %d B; want at most %d (a size class)", got, want)
	}
}
