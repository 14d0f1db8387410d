// Package cp copies files and directory trees with several copies in
// flight at once: the chapter's file_io snippet (read a file, write a file)
// made into the tool behind `spool cp`.
//
// Use it when you copy many files and want each one to appear at its
// destination whole or not at all: every file is written to a temporary
// name in its destination directory (.spool-cp-*) and renamed into place,
// so a reader never sees a partial file under the final name, even after
// Ctrl-C (which removes the temporary files) or a crash (which may leave
// one behind, under its temporary name).
// Errors are per file: one unreadable file, or one that no longer fits,
// does not stop the others. Don't use it to copy one huge file (a single
// copy gains nothing from the workers) or when you need ownership, extended
// attributes, hard links or sparse files kept: it keeps contents, modes
// (the sticky bit included; setuid only when the copy has the source's
// owner, and a file's setgid only when it has the source's group, the
// rule of cp -p when it cannot keep owners: run as root, a copy of
// another user's setuid program is no setuid-root program; a directory
// keeps setgid, the source's or the one it has of its own, from a setgid
// parent or as a shared directory merged into, since it only hands its
// group to new entries; but a user outside the directory's group cannot
// set it, and the kernel drops it silently from the chmod that gives the
// directory its mode, which cp -r, leaving such a directory's mode alone,
// does not make) and modification times (of any year on 64-bit Linux;
// elsewhere from 1678 to 2262, as os.Chtimes can; on 32-bit platforms
// from 1901 to 2038, where Go reads a file's time in 32 bits and a later
// one comes back wrapped around, and is copied so), and copies symbolic
// links as links, nothing more.
//
// # Semantics
//
// [Copy] follows `cp -r`: with one source and a destination that is not an
// existing directory, the source is copied to the destination name; with a
// destination that is an existing directory, each source is copied into it
// under its base name; several sources need an existing directory. A
// directory given as "DIR/." (or ".", or a path whose last element is
// "..", which names no entry of its own) has its contents copied into an
// existing destination directory, as `cp -r src/. dst` does, not a
// directory of its own; the destination then takes the source's mode and
// time, as a merged directory does (the first one's, given several).
// Directories are merged into existing ones (not into a symbolic link to
// one: that is [ErrTypeClash]); files replace existing files (atomically,
// by rename). Symbolic links are never followed, neither on the command
// line nor inside trees, as the walk finds them. A directory of the
// destination that someone swaps for a link during the copy is refused
// with [ErrTypeClash] when its mode and time are set (on Linux through a
// handle that does not follow it; elsewhere after a look, by path), so
// no file outside the destination has its mode or time changed. As with
// `cp -r`, files copied into it meanwhile go where the link points, and a
// directory of the source swapped so during the walk is read through it:
// copy into and out of trees that nobody else may write while it runs,
// when the copy matters (root copying a user's tree, or into one). FIFOs, sockets and devices are reported as
// [ErrUnsupported] and skipped. A directory is never copied into itself
// or into one of its descendants ([ErrIntoItself]; so "/" never is), nor
// a file onto itself or a hard link to it ([ErrSameFile]).
//
// Two sources never write to one name. A source whose destination is that
// of an earlier source ("a/f" and "b/f" into one directory, "a/f" and
// "./a/../b/f", a source given twice, or an entry of "DIR/." and another
// source of that name) is refused with [ErrSameTarget], naming both, and
// the other sources are copied. The refusal is wholesale: the later
// source's tree is not merged file by file into the earlier one's, as
// `cp -r` does (it refuses only the files that collide). That is enough:
// whatever lies under one destination name comes from one source, never a
// mix, and whoever meant to merge two trees can say so with "DIR/." as the
// source of a second run. The check compares cleaned paths (so it misses
// two spellings of one name on a case-insensitive file system), per source
// (and per entry of a "DIR/." source), before anything is copied, so an
// earlier source that then fails to copy still holds its name; it costs a
// map insert per source, nothing per file of a tree.
//
// Directory modes and times are applied after their contents are written,
// so read-only directories copy too. An interrupted copy applies none: the
// directories it made keep mode 0700 (readable and writable by their owner
// only) and the time they were made, so that a second run can write into
// them and finish the job, modes and times included, provided it copies to
// the same place. A copy into an existing directory can simply be run
// again. One that made its destination (a directory copied to a new name,
// Copy(ctx, []string{"photos"}, "backup")) must not: backup now exists, so
// the same call would copy the tree into it, as backup/photos. Copy the
// source's contents instead, Copy(ctx, []string{"photos/."}, "backup"),
// which finishes backup and gives it photos's mode and time.
// Regular files are not fsynced: the rename protects against readers and
// crashes of the process, not against a power cut (the cost of a sync per
// file is what `cp -r` does not pay). A file that becomes a symbolic link
// or a special file between the walk and its copy is refused with
// [ErrUnsupported], not followed or opened.
//
// On Linux, a file is copied with copy_file_range (in the kernel, no bytes
// through user space) unless [Verify] is on, which reads the source once
// through SHA-256 while writing, then reads the written temporary file back
// and compares the digests before the rename. A file is copied up to the
// size the walk saw: one that grows meanwhile is copied as it was then,
// one that shrinks is copied as it is, and one replaced by another file
// (as an editor saves) is copied as the file opened, whole, with that
// file's mode and time. A file of size 0 is read to its end: files of
// /proc and /sys report 0 and have content. Files are opened with openat and created with
// their final mode less the umask, so that a usual file costs no chmod and
// no poller registration (os.Open tries one per file).
//
// [OnItem] tells of each item as it is done or fails; [OnBytes] tells of
// file data as it is written, at most 8 MiB at a time, for a progress bar
// that moves during a big file.
//
// # Command line
//
//	spool cp [--jobs N] [--verify] SRC... DST
//
//	-j, --jobs N  copy at most N files at once (default 8; 1 to 1024)
//	    --verify  compare the SHA-256 of each copy with its source's
//
// spool cp prints nothing when all went well, one line per failed item on
// standard error otherwise (a name that would not read as itself there, as
// one holding a newline or a terminal escape, is quoted: see
// FileError.Error), and a progress bar (files and bytes) on standard
// error when that is a terminal. Exit status: 0 when every item was copied,
// 1 when some failed (the others are still copied), 2 on bad usage or when
// interrupted (a second SIGINT or SIGTERM exits at once, with 130 or 143,
// and may leave temporary files behind).
//
// # Cost
//
// spool cp does two metadata operations per file that `cp -r` does not
// (the rename into place, and setting the time), so it spends more CPU:
// copying 2,000 files of 64 KB on tmpfs took 102 ms of CPU (user+sys)
// against 76 ms for cp -r. It is faster on wall time by using both cores:
// on the project's quiet 2-core machine, a median of 56 ms (8 jobs)
// against 76 ms for cp -r (0.73x) and 83 ms for cp -a, 7 runs of each
// (bench/cp: ./run.sh -dir /dev/shm). With the machine busy with other
// work the ratio ranged from 0.88x to 1.29x. On ext4 the disk's noise
// swamps all of this (medians of 157 to 305 ms, single runs from 0.1 to
// 6 s).
package cp
