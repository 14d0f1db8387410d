package cp

import (
	"io/fs"
	"os"
	"time"
)

// setDirByPath sets the mode and the modification time of the directory
// the copy made at path, by path, once it has looked that path is still a
// directory, not a symbolic link swapped in for it (a swap in between is
// followed).
func setDirByPath(path string, m fs.FileMode, mtime time.Time) (op string, err error) {
	if fi, err := os.Lstat(path); err != nil {
		return "lstat", err
	} else if !fi.IsDir() {
		return "lstat", errReplacedDir
	}
	if err := os.Chmod(path, m); err != nil {
		return "chmod", err
	}
	if err := pathTime(path, mtime); err != nil {
		return "chtimes", err
	}
	return "", nil
}
