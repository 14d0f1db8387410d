//go:build linux

package cp

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// dirH is an open directory, source or destination, by file descriptor:
// everything Copy does inside a tree is done relative to one (openat,
// mkdirat, renameat, ...), with base names only, so a directory renamed
// or swapped for a symbolic link after it was opened cannot redirect a
// read or a write. Directories are opened with O_NOFOLLOW|O_DIRECTORY.
type dirH struct {
	f    *os.File // for Readdir, which stats entries relative to it
	fd   int
	refs atomic.Int32 // see acquire
}

// atFDCWD makes openat resolve a path from the working directory.
const atFDCWD = -0x64

const dirFlags = syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_CLOEXEC

func newDirH(fd int, name string) *dirH {
	d := &dirH{f: os.NewFile(uintptr(fd), name), fd: fd}
	d.refs.Store(1)
	return d
}

// openTop opens the directory path, as given: its last element is not
// followed with nofollow.
func openTop(path string, nofollow bool) (*dirH, error) {
	flags := dirFlags
	if nofollow {
		flags |= syscall.O_NOFOLLOW
	}
	fd, err := openat(atFDCWD, path, flags, 0)
	if err != nil {
		return nil, dirErr(err)
	}
	return newDirH(fd, path), nil
}

// openDir opens d's entry name, a directory, without following a link:
// errIsLink if it is one, errNotDirectory if it is something else.
func (d *dirH) openDir(name string) (*dirH, error) {
	fd, err := openat(d.fd, name, dirFlags|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, dirErr(err)
	}
	return newDirH(fd, filepath.Join(d.f.Name(), name)), nil
}

func dirErr(err error) error {
	switch err {
	case syscall.ELOOP:
		return errIsLink
	case syscall.ENOTDIR:
		return errNotDirectory
	}
	return err
}

func (d *dirH) close() { d.f.Close() }

func (d *dirH) mkdir(name string) error {
	return ignoringEINTR(func() error { return syscall.Mkdirat(d.fd, name, 0o700) })
}

func (d *dirH) stat() (fs.FileInfo, error) { return d.f.Stat() }

// readDir returns the entries of d by name, stat'ed relative to d
// (fstatat, not following links), with those read before an error.
func (d *dirH) readDir() ([]fs.FileInfo, error) {
	infos, err := d.f.Readdir(-1)
	slices.SortFunc(infos, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return infos, err
}

// openFile opens d's entry name for reading. os.Open would also try to
// register the file with the network poller, which a regular file refuses:
// four extra system calls per file (fcntl twice, epoll_ctl, fcntl) that
// openat and os.NewFile avoid. copy_file_range still applies to the
// result.
//
// The walk saw a regular file, but the name may stand for something else
// by now. O_NOFOLLOW refuses a symbolic link put in its place (links are
// never followed), and O_NONBLOCK keeps the open of a FIFO from waiting
// for a writer; whatever was opened must then still be a regular file, or
// it fails with ErrUnsupported. Those checks cost three system calls (an
// fstat, and the two fcntl calls that clear O_NONBLOCK again).
//
// openFile returns walked, the walk's FileInfo for name, if it opened that
// file; if another file has replaced it since (same fstat, compared by
// device and inode), it returns the opened file's, at the cost of a
// second fstat. path names the file in errors.
func (d *dirH) openFile(name, path string, walked fs.FileInfo) (*os.File, fs.FileInfo, error) {
	fd, err := openat(d.fd, name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err == syscall.ELOOP {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: errBecameLink}
	}
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
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
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
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

// createTemp creates a new file in d with a random name starting with
// tempPrefix, as os.CreateTemp does but with fewer system calls, and with
// the permission bits of mode less the umask (mask, if known). It returns
// the file and its name in d. exact reports whether the file has mode
// already (the umask is known and clears none of its bits, and it has no
// setuid, setgid or sticky bit), which saves a chmod per file.
func (d *dirH) createTemp(mode fs.FileMode, mask uint32, known bool) (f *os.File, name string, exact bool, err error) {
	exact = known && mode&^fs.ModePerm == 0 && uint32(mode)&mask == 0
	for range 1000 {
		name := tempPrefix + strconv.FormatUint(rand.Uint64(), 36)
		fd, err := openat(d.fd, name, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(mode.Perm()))
		if errors.Is(err, syscall.EEXIST) {
			continue
		}
		if err != nil {
			return nil, "", false, &fs.PathError{Op: "createtemp", Path: filepath.Join(d.f.Name(), name), Err: err}
		}
		return os.NewFile(uintptr(fd), filepath.Join(d.f.Name(), name)), name, exact, nil
	}
	return nil, "", false, &fs.PathError{Op: "createtemp", Path: filepath.Join(d.f.Name(), tempPrefix+"*"), Err: fs.ErrExist}
}

// closeTemp gives the temporary file f (named name in d) its
// modification time, through its descriptor, and closes it. It returns
// the operation that failed.
func (d *dirH) closeTemp(f *os.File, _ string, mtime time.Time) (op string, err error) {
	if err := futimens(int(f.Fd()), mtime); err != nil {
		return "chtimes", err
	}
	return "close", f.Close()
}

// finish gives the directory d mode and the modification time mtime,
// through its descriptor: no name is resolved, no link followed.
func (d *dirH) finish(mode fs.FileMode, mtime time.Time) (op string, err error) {
	if err := ignoringEINTR(func() error { return syscall.Fchmod(d.fd, sysMode(mode)) }); err != nil {
		return "chmod", err
	}
	if err := futimens(d.fd, mtime); err != nil {
		return "chtimes", err
	}
	return "", nil
}

// rename renames d's entry old to new (rename(2) refuses a directory by
// itself, EISDIR: no lstat first, as os.Rename makes).
func (d *dirH) rename(old, new string) error {
	return ignoringEINTR(func() error { return syscall.Renameat(d.fd, old, d.fd, new) })
}

func (d *dirH) remove(name string) error {
	return ignoringEINTR(func() error { return syscall.Unlinkat(d.fd, name) })
}

// symlink makes the link name in d, to target.
func (d *dirH) symlink(target, name string) error {
	t, err := syscall.BytePtrFromString(target)
	if err != nil {
		return err
	}
	n, err := syscall.BytePtrFromString(name)
	if err != nil {
		return err
	}
	return ignoringEINTR(func() error {
		_, _, e := syscall.Syscall(syscall.SYS_SYMLINKAT, uintptr(unsafe.Pointer(t)), uintptr(d.fd), uintptr(unsafe.Pointer(n)))
		runtime.KeepAlive(t)
		runtime.KeepAlive(n)
		return errnoErr(e)
	})
}

// readlink returns the target of the link name in d.
func (d *dirH) readlink(name string) (string, error) {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return "", err
	}
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		var n uintptr
		err := ignoringEINTR(func() error {
			var e syscall.Errno
			n, _, e = syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(d.fd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&buf[0])), uintptr(size), 0, 0)
			runtime.KeepAlive(p)
			return errnoErr(e)
		})
		if err != nil {
			return "", err
		}
		if int(n) < size {
			return string(buf[:n]), nil
		}
	}
}

// utimeOmit leaves a time of utimensat unchanged (UTIME_OMIT).
const utimeOmit = 1<<30 - 2

// futimens sets the modification time of the file fd, leaving its access
// time: utimensat(fd, NULL, ...), as futimens(3) does.
func futimens(fd int, mtime time.Time) error {
	ts := [2]syscall.Timespec{{Nsec: utimeOmit}, syscall.NsecToTimespec(mtime.UnixNano())}
	return ignoringEINTR(func() error {
		_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		return errnoErr(e)
	})
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// sysMode converts mode to the bits of chmod(2).
func sysMode(mode fs.FileMode) uint32 {
	m := uint32(mode.Perm())
	if mode&fs.ModeSetuid != 0 {
		m |= syscall.S_ISUID
	}
	if mode&fs.ModeSetgid != 0 {
		m |= syscall.S_ISGID
	}
	if mode&fs.ModeSticky != 0 {
		m |= syscall.S_ISVTX
	}
	return m
}

func openat(dirfd int, name string, flags int, perm uint32) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = syscall.Openat(dirfd, name, flags, perm)
		return err
	})
	return fd, err
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}
