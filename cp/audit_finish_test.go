package cp_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// TestAuditOnItemPanicWhileFinishingDirs: OnItem panicking when told of a
// finished directory stops the copy and comes back in Copy's error, as it
// does for files. It used to be lost (Copy returned nil) and the
// directories after it were finished all the same.
func TestAuditOnItemPanicWhileFinishingDirs(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a/", 0o755}, entry{"a/b/", 0o555})
	t.Cleanup(func() { chmodAll(dst) })
	calls := 0
	_, err := cp.Copy(context.Background(), []string{src}, dst,
		cp.OnItem(func(r cp.Result) {
			calls++
			if r.Type == fs.ModeDir {
				panic("dir callback")
			}
		}))
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "dir callback" {
		t.Errorf("got error %v; want a *task.PanicError with value dir callback", err)
	}
	if calls != 1 {
		t.Errorf("OnItem called %d times; want 1 (not again after its panic)", calls)
	}
	// The first directory finished is the deepest; the others are left
	// as an interrupted copy leaves them.
	for _, d := range []string{"", "a"} {
		fi, err := os.Stat(filepath.Join(dst, d))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), fs.FileMode(0o700); got != want {
			t.Errorf("%s: got mode %v; want %v (not finished after the panic)", filepath.Join("d", d), got, want)
		}
	}
}
