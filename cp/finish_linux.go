package cp

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// setDir sets the mode and the modification time of the directory the copy
// made at path, through a handle opened without following a symbolic link
// at its last element: a directory swapped for a link after it was made
// (by someone who can write its parent) is refused with ErrTypeClash, not
// followed, so no file outside the destination is chmodded or touched. It
// returns the failing operation's name with the error. A directory its
// owner may not read (a drop box of mode 0311 merged into) cannot be
// opened so without root: its mode and time are set by path, after a
// look, as elsewhere (setDirByPath).
func setDir(path string, m fs.FileMode, mtime time.Time) (op string, err error) {
	// syscall.Open, not os.OpenFile, which sets the descriptor up for the
	// poller: 5 system calls more a directory.
	var fd int
	for err = syscall.EINTR; err == syscall.EINTR; {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		switch {
		case errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR):
			return "open", errReplacedDir
		case errors.Is(err, syscall.EACCES):
			return setDirByPath(path, m, mtime)
		}
		return "open", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := f.Chmod(m); err != nil {
		return "chmod", err
	}
	if _, err := fileTime(f, mtime); err != nil {
		return "chtimes", err
	}
	return "", nil
}

// fileTime sets f's modification time through its handle (futimens:
// utimensat with no path), leaving its access time. The time is given as
// seconds and nanoseconds, right for any year the platform's time holds
// (UnixNano overflows past 2262; see timespec). It reports true: the time
// is set.
func fileTime(f *os.File, mtime time.Time) (bool, error) {
	m, err := timespec(mtime)
	if err != nil {
		return true, err
	}
	ts := [2]syscall.Timespec{{Nsec: utimeOmit}, m}
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, f.Fd(), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
		switch e {
		case 0:
			return true, nil
		case syscall.EINTR:
			continue
		}
		return true, e
	}
}

// pathTime sets path's modification time, leaving its access time, right
// for any year the platform's time holds, as os.Chtimes is not past 2262.
func pathTime(path string, mtime time.Time) error {
	ts, err := timespec(mtime)
	if err == nil {
		err = syscall.UtimesNano(path, []syscall.Timespec{{Nsec: utimeOmit}, ts})
	}
	if err != nil {
		return &fs.PathError{Op: "utimes", Path: path, Err: err}
	}
	return nil
}

// timespec is t as a Timespec, whose fields are 32 bits wide on 32-bit
// platforms (386, arm, mips): there a time past 2038 or before 1901 fails
// with EOVERFLOW instead of wrapping around. (A time read there with
// os.Stat is 32 bits wide already, wrapped by the kernel if need be.)
func timespec(t time.Time) (syscall.Timespec, error) {
	var ts syscall.Timespec
	if !setInt(&ts.Sec, t.Unix()) || !setInt(&ts.Nsec, int64(t.Nanosecond())) {
		return ts, syscall.EOVERFLOW
	}
	return ts, nil
}

// setInt sets *dst to v and reports whether v fits.
func setInt[T ~int32 | ~int64](dst *T, v int64) bool {
	*dst = T(v)
	return int64(*dst) == v
}

// utimeOmit leaves a time as it is (UTIME_OMIT).
const utimeOmit = (1 << 30) - 2
