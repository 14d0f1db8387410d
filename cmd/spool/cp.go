package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/internal/progress"
	"github.com/spool-go/spool/internal/quote"
)

// newCpCmd builds `spool cp`; see package cp for the semantics.
func newCpCmd() *cobra.Command {
	var o cpOpts
	cmd := &cobra.Command{
		Use:   "cp [flags] SRC... DST",
		Short: "copy files and trees, several at once, each renamed into place when whole",
		Long: `Copy files and directory trees like cp -r, with N copies at once. Each file is
written to a temporary name (.spool-cp-*) in its destination directory and
renamed into place, so no partial file ever appears under the final name. Modes
and modification times are kept; symbolic links are copied as links, never
followed. With one source, DST is the name of the copy unless it is an
existing directory, into which the sources are copied under their base names;
several sources need an existing directory. As with cp -r, a directory
given as DIR/. (or ., or a path ending in ..) has its contents copied into
an existing DST, not a directory of its own. Two sources never write to one
name: a source whose copy would land where an earlier source's does (A/f
and B/f into one DST, an entry of DIR/. and another source of that name, or
a source given twice) is refused whole, with an error naming both, and the
others are still copied. A directory is never copied into itself or its own
subdirectory, nor a file onto itself. Other kinds of file (FIFOs, sockets,
devices) are not copied: each is reported as a failed item.

It prints nothing when all went well. Errors are reported per file on stderr,
one line each ("spool: cp: ..."; a name holding a newline, a terminal escape or
": " is quoted, as "a\nb"), and do not stop the other copies. A progress bar (files
and bytes) is drawn on stderr when that is a terminal. On SIGINT or SIGTERM
the copies in flight are abandoned and their temporary files removed; the
directories it made keep mode 0700 and the time of the copy (modes and times
are given to directories last); a second signal exits at once. To finish an
interrupted copy, run it again, unless it made DST for one directory SRC
(spool cp photos/ /mnt/backup/photos): then the same command would copy into
the partial copy (as /mnt/backup/photos/photos); copy SRC's contents instead,
spool cp photos/. /mnt/backup/photos. The interrupt message says which.

Exit status: 0 when every item was copied, 1 when some failed (the others
are still copied), 2 on bad usage or when interrupted.`,
		Example: `  spool cp photos/ /mnt/backup/photos       # copy a tree
  spool cp photos/. /mnt/backup/photos      # copy its contents into an existing directory
  spool cp -j 32 --verify a.iso b.iso /mnt/usb/
  spool cp notes.txt notes.bak`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return errors.New("cp: give at least one SRC and a DST (spool cp SRC... DST)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCp(cmd.Context(), args, cmd.ErrOrStderr(), o)
		},
	}
	intFlag(cmd.Flags(), &o.jobs, "jobs", "j", cp.DefaultJobs, "copy at most `N` files at once (1 to 1024)")
	cmd.Flags().BoolVar(&o.verify, "verify", false, "compare the SHA-256 of each copy with its source's before renaming it into place")
	return cmd
}

type cpOpts struct {
	jobs   int
	verify bool
}

// maxCpJobs bounds --jobs: copies are bound by the disks, which gain
// nothing from more at once, and each one holds two open files.
const maxCpJobs = 1024

func runCp(ctx context.Context, args []string, stderr io.Writer, o cpOpts) error {
	if o.jobs <= 0 {
		return fmt.Errorf("cp: --jobs %d: must be positive", o.jobs)
	}
	if o.jobs > maxCpJobs {
		return fmt.Errorf("cp: --jobs %d: too large (at most %d)", o.jobs, maxCpJobs)
	}
	srcs, dst := args[:len(args)-1], args[len(args)-1]
	opts := []cp.Option{cp.Jobs(o.jobs), cp.Verify(o.verify)}
	if !progress.IsTerminal(stderr) {
		opts = append(opts, cp.OnItem(func(r cp.Result) {
			if r.Err != nil {
				fmt.Fprintf(stderr, "spool: %v\n", r.Err)
			}
		}))
		return cpResult(ctx, srcs, dst, opts)
	}
	// On a terminal: a bar of bytes labelled with files, and the errors
	// after it, so they are not drawn over.
	files, size := cpMeasure(ctx, srcs)
	bar := progress.New(stderr, size, fmt.Sprintf("0/%d files", files), progress.Bytes)
	var (
		done   int64
		failed []error
	)
	opts = append(opts, cp.OnItem(func(r cp.Result) {
		switch {
		case r.Err != nil:
			failed = append(failed, r.Err)
		case r.Type.IsRegular():
			done++
			bar.Describe(fmt.Sprintf("%d/%d files", done, files))
		}
	}), cp.OnBytes(bar.Add)) // the bar moves during big files
	err := cpResult(ctx, srcs, dst, opts)
	bar.Finish()
	for _, e := range failed {
		fmt.Fprintf(stderr, "spool: %v\n", e)
	}
	return err
}

// cpResult runs the copy and maps its outcome to the exit status: 1
// (errFailed) when items failed and were reported, 2 otherwise.
func cpResult(ctx context.Context, srcs []string, dst string, opts []cp.Option) error {
	resume := cpResume(srcs, dst) // before the copy makes dst
	sum, err := cp.Copy(ctx, srcs, dst, opts...)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("cp: interrupted after %s (%s): %w; %s", plural(sum.Files, "file"), plural(sum.Bytes, "byte"), context.Cause(ctx), resume)
	case sum.Failed > 0:
		return errFailed
	}
	return err // nil, or bad arguments: nothing was copied
}

// cpResume says how to finish the copy of srcs to dst if it is
// interrupted: run the same command again, unless one directory is copied
// to a dst that is not an existing directory. That copy makes dst, and run
// again it would copy the tree into the partial copy (cp -r rules), so the
// way to finish it is to copy the directory's contents, SRC/., into dst.
func cpResume(srcs []string, dst string) string {
	const again = "to finish, run the same command again"
	if len(srcs) != 1 {
		return again
	}
	src := srcs[0]
	if b := filepath.Base(src); b == "." || b == ".." || b == string(filepath.Separator) {
		return again // a contents copy already
	}
	if fi, err := os.Lstat(src); err != nil || !fi.IsDir() {
		return again
	}
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		return again // the copy goes under dst, as it will again
	}
	if !strings.HasSuffix(src, string(filepath.Separator)) {
		src += string(filepath.Separator)
	}
	src += "."
	dashes := "" // a name starting with '-' would read as flags
	if strings.HasPrefix(src, "-") || strings.HasPrefix(dst, "-") {
		dashes = "-- "
	}
	return fmt.Sprintf("to finish, copy its contents: spool cp %s%s %s", dashes, shellQuote(src), shellQuote(dst))
}

// shellQuote quotes s for a POSIX shell when it needs it: in single
// quotes, or, when s holds a character that is unsafe on a terminal (a
// newline, a terminal escape: see quote.Unsafe) or is not UTF-8, in
// $'...' with every byte outside printable ASCII as \xNN (bash, zsh and
// ksh read it so in any locale; \u escapes need a UTF-8 one), keeping the
// command on one line and the terminal undriven.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)
	}
	switch {
	case s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0:
		return s
	case !quote.Printable(s):
		var b strings.Builder
		b.WriteString("$'")
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\'' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case 0x20 <= c && c < 0x7f:
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
		b.WriteByte('\'')
		return b.String()
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plural is "1 file", "2 files".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cpMeasure counts the regular files and their bytes under srcs, for the
// progress bar. Errors are left for the copy to report. If ctx is done, it
// stops at the next entry and returns the counts so far: the copy, which
// comes next, then stops at once too.
func cpMeasure(ctx context.Context, srcs []string) (files, size int64) {
	for _, src := range srcs {
		_ = filepath.WalkDir(src, func(_ string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return filepath.SkipAll
			}
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					files++
					size += fi.Size()
				}
			}
			return nil
		})
		if ctx.Err() != nil {
			break
		}
	}
	return files, size
}
