//go:build !linux

package cp

import (
	"io/fs"
	"os"
	"time"
)

// setDir sets the mode and the modification time of the directory the copy
// made at path: by path, after a look (see setDirByPath). Linux sets them
// through a handle instead.
func setDir(path string, m fs.FileMode, mtime time.Time) (op string, err error) {
	return setDirByPath(path, m, mtime)
}

// pathTime sets path's modification time.
func pathTime(path string, mtime time.Time) error { return os.Chtimes(path, time.Time{}, mtime) }

// fileTime reports false: here the copy sets a file's time by name, after
// closing it.
func fileTime(*os.File, time.Time) (bool, error) { return false, nil }
