//go:build !linux

package cp

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// dirH is an open directory, source or destination, as an [os.Root]:
// everything Copy does inside a tree is done relative to one, with base
// names only, so a directory renamed or swapped for a symbolic link after
// it was opened cannot take a read or a write outside it. An os.Root
// follows a link that stays inside it: openDir and openFile check with an
// lstat before and an fstat after that what they opened is the entry
// itself, not a link's target.
type dirH struct {
	root *os.Root
	refs atomic.Int32 // see acquire
}

func newDirH(r *os.Root) *dirH {
	d := &dirH{root: r}
	d.refs.Store(1)
	return d
}

// openTop opens the directory path, as given: its last element is not
// followed with nofollow.
func openTop(path string, nofollow bool) (*dirH, error) {
	var fi fs.FileInfo
	if nofollow {
		var err error
		if fi, err = os.Lstat(path); err != nil {
			return nil, err
		}
		if err := isDir(fi); err != nil {
			return nil, err
		}
	}
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return checkSame(r, fi)
}

// openDir opens d's entry name, a directory, without following a link:
// errIsLink if it is one, errNotDirectory if it is something else.
func (d *dirH) openDir(name string) (*dirH, error) {
	fi, err := d.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if err := isDir(fi); err != nil {
		return nil, err
	}
	r, err := d.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return checkSame(r, fi)
}

func isDir(fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return errIsLink
	case !fi.IsDir():
		return errNotDirectory
	}
	return nil
}

// checkSame returns r as a dirH if it is the directory fi (when not nil)
// describes; the name may have been swapped for a link meanwhile.
func checkSame(r *os.Root, fi fs.FileInfo) (*dirH, error) {
	if fi != nil {
		st, err := r.Stat(".")
		if err == nil && !os.SameFile(fi, st) {
			err = errIsLink
		}
		if err != nil {
			r.Close()
			return nil, err
		}
	}
	return newDirH(r), nil
}

func (d *dirH) close() { d.root.Close() }

func (d *dirH) mkdir(name string) error { return d.root.Mkdir(name, 0o700) }

func (d *dirH) stat() (fs.FileInfo, error) { return d.root.Stat(".") }

// readDir returns the entries of d by name, stat'ed relative to d (not
// following links), with those read before an error.
func (d *dirH) readDir() ([]fs.FileInfo, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	infos, err := f.Readdir(-1)
	slices.SortFunc(infos, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return infos, err
}

// openFile opens d's entry name for reading, and returns walked, the
// walk's FileInfo for it, or the opened file's if another file has
// replaced the walked one since. The entry must be a regular file before
// and after the open, and the one opened: a link or a special file put in
// its place fails with ErrUnsupported. path names the file in errors.
func (d *dirH) openFile(name, path string, walked fs.FileInfo) (*os.File, fs.FileInfo, error) {
	fail := func(err error) (*os.File, fs.FileInfo, error) {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	before, err := d.root.Lstat(name)
	if err != nil {
		return fail(err)
	}
	if before.Mode()&fs.ModeSymlink != 0 {
		return fail(errBecameLink)
	}
	if !before.Mode().IsRegular() {
		return fail(errNotRegular)
	}
	f, err := d.root.OpenFile(name, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return fail(err)
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = errNotRegular
	}
	if err == nil && !os.SameFile(before, info) {
		// Replaced between the lstat and the open: by a link, or by a
		// file as an editor saves. Only the second is copied.
		if after, lerr := d.root.Lstat(name); lerr != nil || !os.SameFile(after, info) {
			err = errBecameLink
		}
	}
	if err != nil {
		f.Close()
		return fail(err)
	}
	if os.SameFile(info, walked) {
		return f, walked, nil
	}
	return f, info, nil
}

// createTemp creates a new file in d with a random name starting with
// tempPrefix, and returns it and its name in d. Its mode is set later
// (exact is false).
func (d *dirH) createTemp(mode fs.FileMode, _ uint32, _ bool) (f *os.File, name string, exact bool, err error) {
	for range 1000 {
		name := tempPrefix + strconv.FormatUint(rand.Uint64(), 36)
		f, err := d.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode.Perm())
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", false, err
		}
		return f, name, false, nil
	}
	return nil, "", false, &fs.PathError{Op: "createtemp", Path: filepath.Join(d.root.Name(), tempPrefix+"*"), Err: fs.ErrExist}
}

// closeTemp closes the temporary file f, named name in d, and gives it
// the modification time mtime. It returns the operation that failed.
func (d *dirH) closeTemp(f *os.File, name string, mtime time.Time) (op string, err error) {
	if err := f.Close(); err != nil {
		return "close", err
	}
	return "chtimes", d.root.Chtimes(name, time.Time{}, mtime)
}

// finish gives the directory d mode and the modification time mtime: "."
// names d itself, never a link.
func (d *dirH) finish(mode fs.FileMode, mtime time.Time) (op string, err error) {
	if err := d.root.Chmod(".", mode); err != nil {
		return "chmod", err
	}
	if err := d.root.Chtimes(".", time.Time{}, mtime); err != nil {
		return "chtimes", err
	}
	return "", nil
}

func (d *dirH) rename(old, new string) error { return d.root.Rename(old, new) }

func (d *dirH) remove(name string) error { return d.root.Remove(name) }

func (d *dirH) symlink(target, name string) error { return d.root.Symlink(target, name) }

func (d *dirH) readlink(name string) (string, error) { return d.root.Readlink(name) }
