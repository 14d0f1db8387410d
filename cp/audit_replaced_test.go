package cp_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
)

// TestAuditReplacedFileCopiedWhole: a file replaced by another between the
// walk and its copy (as an editor saves: a new file renamed over the old
// one) is copied as it is when opened, whole, with its own mode and time.
// The copy used to stop at the old file's size (a truncated copy of the
// new file) and take the old file's mode and time.
func TestAuditReplacedFileCopiedWhole(t *testing.T) {
	for _, tt := range []struct {
		name string
		size int // of the new file; the old one has 100 bytes
	}{
		{"larger", 300},
		{"smaller", 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
			build(t, src, entry{"a", 0o644}, entry{"b", 0o644})
			newer := filepath.Join(dir, "new")
			want := strings.Repeat("N", tt.size)
			newTime := mtime.Add(48 * time.Hour)
			if err := os.WriteFile(newer, []byte(want), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(newer, 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(newer, newTime, newTime); err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			_, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(1),
				cp.WithWriter(func(_ string, f *os.File) io.Writer {
					// While "a" is copied, "b" (walked, same batch) is replaced.
					once.Do(func() {
						if err := os.Rename(newer, filepath.Join(src, "b")); err != nil {
							t.Error(err)
						}
					})
					return f
				}))
			if err != nil {
				t.Fatalf("got error %v; want nil", err)
			}
			got, err := os.ReadFile(filepath.Join(dst, "b"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("d/b: got %d bytes %.20q...; want the new file's %d bytes", len(got), got, len(want))
			}
			fi, err := os.Stat(filepath.Join(dst, "b"))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o640 || !fi.ModTime().Equal(newTime) {
				t.Errorf("d/b: got mode %v, mtime %v; want the new file's -rw-r----- and %v", fi.Mode(), fi.ModTime(), newTime)
			}
		})
	}
}
