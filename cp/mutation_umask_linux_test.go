package cp_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestMutInterruptedDirsKeep0700: an interrupted copy (here OnItem panics
// on the first file) finishes no directory: those it made keep mode 0700,
// whatever the umask, even one that takes the owner's bits, so that a
// second run can write into them.
func TestMutInterruptedDirsKeep0700(t *testing.T) {
	for _, mask := range []int{0o022, 0o077, 0o700, 0o777} {
		dir := t.TempDir()
		src := filepath.Join(dir, "src")
		if err := os.MkdirAll(filepath.Join(src, "d"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, "d", "f"), []byte("f"), 0o644); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "dst")
		stop := cp.OnItem(func(r cp.Result) {
			if r.Type == 0 {
				panic("stop here")
			}
		})
		old := syscall.Umask(mask) // only around Copy, as TestModesUnderUmask
		_, err := cp.Copy(context.Background(), []string{src}, dst, stop)
		syscall.Umask(old)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("umask %03o: Copy = %v; want it interrupted", mask, err)
		}
		for _, p := range []string{dst, filepath.Join(dst, "d")} {
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatalf("umask %03o: %v", mask, err)
			}
			if got, want := fi.Mode(), fs.ModeDir|0o700; got != want {
				t.Errorf("umask %03o: %s: got mode %v; want %v", mask, p, got, want)
			}
		}
	}
}
