package cp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
)

// TestSwappedDirNotFollowed: a directory of the source or of the
// destination swapped for a symbolic link (or another directory) during
// the copy, as someone with write access to its parent can, is never
// followed: nothing outside the source is read, nothing outside the
// destination is written, chmodded or touched, and Copy fails. Each swap
// happens in a hook, at a point the copy is known to have reached. The
// copy used to follow the link in every case and return nil.
func TestSwappedDirNotFollowed(t *testing.T) {
	old := mtime.Add(-time.Hour)
	for _, tt := range []struct {
		name string
		// swap is called once, from OnItem(res) or the WithWriter hook
		// (res.Src == ""); it reports whether it swapped.
		swap func(t *testing.T, dir string, res cp.Result) bool
		// into copies s into an existing d (as d/s) rather than to d.
		into bool
		// check fails t if anything outside s and d was read or changed.
		check func(t *testing.T, dir string)
		want  error // the error Copy's must match
	}{
		{
			name: "destination directory, for a link to a file, before it is finished",
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				return strings.HasSuffix(res.Src, "sub/f00") && swapLink(t, filepath.Join(dir, "d", "sub"), filepath.Join(dir, "victim"))
			},
			check: func(t *testing.T, dir string) { unchanged(t, filepath.Join(dir, "victim"), 0o600, old) },
			want:  cp.ErrTypeClash,
		},
		{
			name: "destination directory, for a link to a directory, before it is finished",
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				return strings.HasSuffix(res.Src, "sub/f00") && swapLink(t, filepath.Join(dir, "d", "sub"), filepath.Join(dir, "outside"))
			},
			check: func(t *testing.T, dir string) {
				unchanged(t, filepath.Join(dir, "outside"), os.ModeDir|0o700, old)
			},
			want: cp.ErrTypeClash,
		},
		{
			name: "destination directory, for a link to a directory, while its files are copied",
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				// f00 is done; f01... are in the same batch, still to copy.
				return strings.HasSuffix(res.Src, "sub/f00") && swapLink(t, filepath.Join(dir, "d", "sub"), filepath.Join(dir, "outside"))
			},
			check: func(t *testing.T, dir string) { empty(t, filepath.Join(dir, "outside")) },
			want:  cp.ErrTypeClash,
		},
		{
			name: "destination directory, for another directory, before it is finished",
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				if !strings.HasSuffix(res.Src, "sub/f00") {
					return false
				}
				sub := filepath.Join(dir, "d", "sub")
				if err := os.Rename(sub, sub+".moved"); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(filepath.Join(dir, "outside"), sub); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(sub, old, old); err != nil { // the rename may have set it
					t.Fatal(err)
				}
				return true
			},
			check: func(t *testing.T, dir string) {
				unchanged(t, filepath.Join(dir, "d", "sub"), os.ModeDir|0o700, old)
			},
			want: cp.ErrTypeClash,
		},
		{
			name: "top-level destination directory in an existing one, for a link to a file",
			into: true,
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				return swapLink(t, filepath.Join(dir, "d", "s"), filepath.Join(dir, "victim"))
			},
			check: func(t *testing.T, dir string) { unchanged(t, filepath.Join(dir, "victim"), 0o600, old) },
			want:  cp.ErrTypeClash,
		},
		{
			name: "source directory, for a link to a directory, after its parent was listed",
			swap: func(t *testing.T, dir string, res cp.Result) bool {
				// The first file of s is being copied: s is listed, sub not
				// yet opened (the walker waits for the worker to take the
				// next batches of s's 200 files).
				return res.Src == "" && swapLink(t, filepath.Join(dir, "s", "sub"), filepath.Join(dir, "outside"))
			},
			check: func(t *testing.T, dir string) {
				if _, err := os.Lstat(filepath.Join(dir, "d", "sub", "id_rsa")); err == nil {
					t.Errorf("d/sub/id_rsa: got a copy of outside/id_rsa; want none: the source's swapped-in link was followed")
				}
			},
			want: cp.ErrUnsupported,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
			var es []entry
			for i := range 200 {
				es = append(es, entry{fmt.Sprintf("r%03d", i), 0o644})
			}
			for i := range 100 {
				es = append(es, entry{fmt.Sprintf("sub/f%02d", i), 0o644})
			}
			build(t, src, append(es, entry{"sub/", 0o777}, entry{"./", 0o777})...)
			build(t, dir, entry{"victim", 0o600}, entry{"outside/id_rsa", 0o600}, entry{"outside/", 0o700})
			for _, p := range []string{"victim", "outside"} {
				if err := os.Chtimes(filepath.Join(dir, p), old, old); err != nil {
					t.Fatal(err)
				}
			}
			to := dst
			if tt.into {
				if err := os.Mkdir(dst, 0o777); err != nil {
					t.Fatal(err)
				}
				to = dst + "/"
			}
			var mu sync.Mutex
			swapped := false
			hook := func(res cp.Result) {
				mu.Lock()
				defer mu.Unlock()
				if !swapped {
					swapped = tt.swap(t, dir, res)
				}
			}
			_, err := cp.Copy(context.Background(), []string{src}, to, cp.Jobs(1),
				cp.OnItem(hook),
				cp.WithWriter(func(_ string, f *os.File) io.Writer { hook(cp.Result{}); return f }))
			if !errors.Is(err, tt.want) {
				t.Errorf("Copy: got error %v; want one matching %v", err, tt.want)
			}
			tt.check(t, dir)
		})
	}
}

// swapLink renames p away and puts a symbolic link to target in its
// place. It reports true.
func swapLink(t *testing.T, p, target string) bool {
	t.Helper()
	if err := os.Rename(p, p+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	return true
}

// unchanged fails t unless p has mode and the modification time mtime.
func unchanged(t *testing.T, p string, mode os.FileMode, mtime time.Time) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode || !fi.ModTime().Equal(mtime) {
		t.Errorf("%s: got mode %v, mtime %v; want %v, %v, as before the copy", filepath.Base(p), fi.Mode(), fi.ModTime(), mode, mtime)
	}
}

// empty fails t if the directory p has entries other than id_rsa.
func empty(t *testing.T, p string) {
	t.Helper()
	ents, err := os.ReadDir(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if e.Name() != "id_rsa" {
			got = append(got, e.Name())
		}
	}
	if len(got) > 0 {
		t.Errorf("%s: got %d entries written by the copy (%s...); want none", filepath.Base(p), len(got), got[0])
	}
}
