//go:build !unix

package cp

import (
	"io/fs"
	"os"
)

// openFile opens name, and returns walked, the walk's FileInfo for it, or
// the opened file's if another file has replaced the walked one since.
func openFile(name string, walked fs.FileInfo) (*os.File, fs.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: ErrUnsupported}
	}
	if os.SameFile(info, walked) {
		return f, walked, nil
	}
	return f, info, nil
}

func createTemp(dir string, _ fs.FileMode, _ uint32, _ bool) (*os.File, bool, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	return f, false, err
}

func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
