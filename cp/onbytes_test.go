package cp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// TestOnBytes: OnBytes is told of every byte written, in steps of at most
// 8 MiB, so a bar moves during a big file; the steps of all files add up
// to the bytes copied.
func TestOnBytes(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name      string
		sizes     []int
		wantCalls int64 // at least
	}{
		{"one big file", []int{20 * mib}, 3},
		{"many files", []int{mib, 2 * mib, 3, 0, 9 * mib}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
			total := 0
			for i, n := range tt.sizes {
				if err := os.WriteFile(filepath.Join(src, string(rune('a'+i))), make([]byte, n), 0o644); err != nil {
					t.Fatal(err)
				}
				total += n
			}
			var told, calls, biggest atomic.Int64
			sum, err := cp.Copy(context.Background(), []string{src}, dst, cp.OnBytes(func(n int64) {
				told.Add(n)
				calls.Add(1)
				for b := biggest.Load(); n > b && !biggest.CompareAndSwap(b, n); b = biggest.Load() {
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			if got := told.Load(); got != int64(total) || got != sum.Bytes {
				t.Errorf("OnBytes told %d bytes; want %d (Summary.Bytes %d)", got, total, sum.Bytes)
			}
			if got := calls.Load(); got < tt.wantCalls {
				t.Errorf("OnBytes called %d times; want at least %d", got, tt.wantCalls)
			}
			if got := biggest.Load(); got > 8*mib {
				t.Errorf("largest step %d bytes; want at most 8 MiB", got)
			}
		})
	}
}

// TestOnBytesPanic: a panic in OnBytes fails that file's copy with the
// panic, and leaves no file behind.
func TestOnBytesPanic(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := cp.Copy(context.Background(), []string{src}, dst, cp.OnBytes(func(int64) { panic("bar broke") }))
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "bar broke" || sum.Failed != 1 {
		t.Errorf("Copy = %+v, %v; want the file failed with the panic", sum, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "f")); !os.IsNotExist(err) {
		t.Errorf("the failed file exists: %v", err)
	}
}
