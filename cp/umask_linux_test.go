package cp_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestModesUnderUmask: whatever the umask, copies keep their source's mode
// (a restrictive umask forces the chmod that a usual one lets Copy skip).
func TestModesUnderUmask(t *testing.T) {
	for _, mask := range []int{0o022, 0o077, 0o000, 0o777} {
		dir := t.TempDir()
		src := filepath.Join(dir, "src")
		build(t, src, entry{"a", 0o644}, entry{"b", 0o755}, entry{"c", 0o600}, entry{"d", 0o777}, entry{"e", fs.ModeSetuid | 0o755})
		// Set only around Copy: build as a non-root user under umask 0777
		// failed, and left it set for every later test.
		old := syscall.Umask(mask)
		_, err := cp.Copy(context.Background(), []string{src}, filepath.Join(dir, "dst"))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]fs.FileMode{"a": 0o644, "b": 0o755, "c": 0o600, "d": 0o777, "e": fs.ModeSetuid | 0o755} {
			fi, err := os.Stat(filepath.Join(dir, "dst", name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != want {
				t.Errorf("umask %03o: %s: got mode %v; want %v", mask, name, fi.Mode(), want)
			}
		}
	}
}
