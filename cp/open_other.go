//go:build !unix

package cp

import (
	"io/fs"
	"os"
)

func openFile(name string) (*os.File, error) { return os.Open(name) }

func createTemp(dir string, _ fs.FileMode, _ uint32, _ bool) (*os.File, bool, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	return f, false, err
}

func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
