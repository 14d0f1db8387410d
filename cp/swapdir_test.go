package cp_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
)

// TestSwappedDirNotChmodded: a directory the copy made, swapped for a
// symbolic link before the copy sets its mode and time (as anyone who can
// write its parent can do), is refused with ErrTypeClash: the link's
// target keeps its mode and time. The copy used to chmod the target (a
// root-only file became 0777) and return nil.
func TestSwappedDirNotChmodded(t *testing.T) {
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		dir      bool // the victim is a directory, else a file
		wantMode fs.FileMode
	}{
		{"link to a file", false, 0o600},
		{"link to a directory", true, fs.ModeDir | 0o700},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst, victim := filepath.Join(dir, "s"), filepath.Join(dir, "d"), filepath.Join(dir, "victim")
			for _, f := range []string{"sub/f00", "sub/f01"} {
				p := filepath.Join(src, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(filepath.Join(src, "sub"), 0o777); err != nil {
				t.Fatal(err)
			}
			if tt.dir {
				if err := os.Mkdir(victim, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			swapped := false
			swap := func(res cp.Result) {
				if swapped || !strings.HasSuffix(res.Src, filepath.Join("sub", "f00")) {
					return
				}
				swapped = true
				sub := filepath.Join(dst, "sub")
				if err := os.RemoveAll(sub); err != nil {
					t.Error(err)
				}
				if err := os.Symlink(victim, sub); err != nil {
					t.Error(err)
				}
				if err := os.Chtimes(victim, old, old); err != nil {
					t.Error(err)
				}
			}
			_, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(1), cp.OnItem(swap))
			if !swapped {
				t.Fatal("the hook never swapped")
			}
			if !errors.Is(err, cp.ErrTypeClash) {
				t.Errorf("Copy = %v; want an error matching ErrTypeClash", err)
			}
			fi, serr := os.Lstat(victim)
			if serr != nil {
				t.Fatal(serr)
			}
			if fi.Mode() != tt.wantMode {
				t.Errorf("the link's target: got mode %v; want %v, unchanged", fi.Mode(), tt.wantMode)
			}
			if !tt.dir && !fi.ModTime().Equal(old) {
				t.Errorf("the link's target: got mtime %v; want %v, unchanged", fi.ModTime(), old)
			}
		})
	}
}
