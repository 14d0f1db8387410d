//go:build unix

package cp

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// openFile opens name for reading. os.Open would also try to register the
// file with the network poller, which a regular file refuses: four extra
// system calls per file (fcntl twice, epoll_ctl, fcntl) that openat and
// os.NewFile avoid. copy_file_range still applies to the result.
//
// The walk saw a regular file, but the name may stand for something else
// by now. O_NOFOLLOW refuses a symbolic link put in its place (links are
// never followed), and O_NONBLOCK keeps the open of a FIFO from waiting
// for a writer; whatever was opened must then still be a regular file, or
// it fails with ErrUnsupported. Those checks cost three system calls (an
// fstat, and the two fcntl calls that clear O_NONBLOCK again). A link is
// reported as ErrUnsupported where open fails with ELOOP (Linux); other
// systems' errno for it (EMLINK on FreeBSD) is reported as it is.
//
// openFile returns walked, the walk's FileInfo for name, if it opened that
// file; if another file has replaced it since (same fstat, compared by
// device and inode), it returns the opened file's, at the cost of a
// second fstat.
func openFile(name string, walked fs.FileInfo) (*os.File, fs.FileInfo, error) {
	fd, err := openat(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err == syscall.ELOOP {
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: errBecameLink}
	}
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	err = syscall.Fstat(fd, &st)
	if err == nil && st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		err = errNotRegular
	}
	if err == nil {
		// os.NewFile would otherwise try to register the file with the
		// poller.
		err = syscall.SetNonblock(fd, false)
	}
	if err != nil {
		syscall.Close(fd)
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	if ws, ok := walked.Sys().(*syscall.Stat_t); ok && ws.Dev == st.Dev && ws.Ino == st.Ino {
		return f, walked, nil
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

var (
	errBecameLink = fmt.Errorf("%w: it became a symbolic link after the walk", ErrUnsupported)
	errNotRegular = fmt.Errorf("%w: it is no longer a regular file", ErrUnsupported)
)

// createTemp creates a new file with a random name starting with
// tempPrefix in dir, as os.CreateTemp does but with fewer system calls,
// and with the permission bits of mode less the umask (mask, if known). exact reports
// whether the file has mode already (the umask is known and clears none of
// its bits, and it has no setuid, setgid or sticky bit), which saves a
// chmod per file.
func createTemp(dir string, mode fs.FileMode, mask uint32, known bool) (f *os.File, exact bool, err error) {
	exact = known && mode&^fs.ModePerm == 0 && uint32(mode)&mask == 0
	for range 1000 {
		name := filepath.Join(dir, tempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		fd, err := openat(name, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(mode.Perm()))
		if errors.Is(err, syscall.EEXIST) {
			continue
		}
		if err != nil {
			return nil, false, &fs.PathError{Op: "createtemp", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), exact, nil
	}
	return nil, false, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, tempPrefix+"*"), Err: fs.ErrExist}
}

func openat(name string, flags int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(name, flags, perm)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// rename renames a temporary file into place. os.Rename would first lstat
// newpath to refuse a directory, which rename(2) refuses by itself (EISDIR).
func rename(oldpath, newpath string) error {
	for {
		err := syscall.Rename(oldpath, newpath)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
		return nil
	}
}
