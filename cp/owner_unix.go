//go:build unix

package cp

import (
	"io/fs"
	"syscall"
)

// keepIDs drops from mode, a source's kept mode (see mode), the setuid bit
// unless the copy has the source's owner, and the setgid bit unless it has
// its group: a copy made by root of another user's setuid program must
// not be a setuid-root program. src and dst are the source's FileInfo and
// the copy's.
func keepIDs(mode fs.FileMode, src, dst fs.FileInfo) fs.FileMode {
	if mode&(fs.ModeSetuid|fs.ModeSetgid) == 0 {
		return mode
	}
	s, ok1 := src.Sys().(*syscall.Stat_t)
	d, ok2 := dst.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return mode &^ (fs.ModeSetuid | fs.ModeSetgid)
	}
	if s.Uid != d.Uid {
		mode &^= fs.ModeSetuid
	}
	if s.Gid != d.Gid {
		mode &^= fs.ModeSetgid
	}
	return mode
}
