package cp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestVerifyCancelled: with Verify, a ctx done once a file's data is all
// written (so during its read-back) abandons the file: it is not renamed
// into place, its temporary file is removed, and Copy reports the
// interruption. The read-back used to ignore ctx: it hashed the whole file
// again, then renamed it into place under a result saying interrupted.
func TestVerifyCancelled(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"small file", 1000},
		{"two chunks", 8<<20 + 1}, // the read-back reads it in two
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
			if err := os.WriteFile(src, make([]byte, tt.size), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var written atomic.Int64
			sum, err := cp.Copy(ctx, []string{src}, dst, cp.Verify(true), cp.OnBytes(func(n int64) {
				if written.Add(n) == int64(tt.size) { // all written: the read-back comes next
					cancel()
				}
			}))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Copy error = %v; want one matching context.Canceled", err)
			}
			if sum.Files != 0 || sum.Failed != 0 {
				t.Errorf("Copy summary = %+v; want no file copied and none failed", sum)
			}
			if _, err := os.Lstat(dst); !os.IsNotExist(err) {
				t.Errorf("Lstat(dst) = %v; want it missing: a cancelled verification must not rename the copy into place", err)
			}
			noTemps(t, dir)
		})
	}
}
