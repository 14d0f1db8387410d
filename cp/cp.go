package cp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spool-go/spool/internal/quote"
	"github.com/spool-go/spool/task"
)

// ErrInvalid is matched (errors.Is) by the error [Copy] returns for bad
// input, having copied nothing: a bad option, as in "cp: Jobs(0): must be
// positive", a nil option, no source ([ErrNoSources]) or an empty
// destination. Options never panic: a bad value is recorded and reported
// by Copy. A nil context makes Copy panic.
var ErrInvalid = errors.New("cp: invalid option or argument")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// Errors that [Copy] reports, alone or inside a [FileError].
var (
	// ErrNoSources is returned by Copy when it is given no source. It
	// matches [ErrInvalid].
	ErrNoSources error = invalidError("cp: no sources")
	// ErrNotDir is returned by Copy when several sources are given and the
	// destination is not an existing directory.
	ErrNotDir = errors.New("cp: target is not a directory")
	// ErrIntoItself is the error of a directory whose destination lies
	// inside it.
	ErrIntoItself = errors.New("cp: cannot copy a directory into itself")
	// ErrSameFile is the error of a file whose destination is the file itself.
	ErrSameFile = errors.New("cp: source and destination are the same file")
	// ErrSameTarget is the error of a source refused because its
	// destination is that of an earlier source of the same Copy: two
	// sources with the same base name copied into one directory, an entry
	// of a "DIR/." source and another source of that name, or a source
	// given twice. The message names the earlier source.
	ErrSameTarget = errors.New("cp: will not overwrite the copy of an earlier source")
	// ErrUnsupported is the error of a FIFO, socket or device.
	ErrUnsupported = errors.New("cp: not a regular file, directory or symbolic link")
	// ErrTypeClash is the error of a directory whose destination is an
	// existing non-directory, or a file whose destination is a directory.
	ErrTypeClash = errors.New("cp: cannot overwrite one kind of file with another")
	// errReplacedDir: a directory the copy made was no longer one when it
	// came to set its mode (swapped for a symbolic link, say).
	errReplacedDir = fmt.Errorf("%w: the directory was replaced during the copy", ErrTypeClash)
	// ErrMismatch is the error of a copy whose SHA-256 differs from its
	// source's (with [Verify]).
	ErrMismatch = errors.New("cp: checksum mismatch")
)

// FileError is the error of one item that could not be copied. The others
// are copied all the same.
type FileError struct {
	Op  string // what failed: "stat", "open", "read", "write", "mkdir", "rename", ...
	Src string // the source path
	Dst string // the destination path, when it was known
	Err error
}

// Error reads "cp: ", the operation, the source (and "-> " the
// destination, when known) and the cause, on one line: a path that would
// not read as itself there (one holding a newline, a terminal escape or
// another character that is not printable, or ": ") is quoted in Go
// syntax, as in `cp: open "a\nb": permission denied`; other paths are
// written as they are.
func (e *FileError) Error() string {
	if e.Dst == "" {
		return fmt.Sprintf("cp: %s %s: %v", e.Op, quote.Name(e.Src), trim(e.Err))
	}
	return fmt.Sprintf("cp: %s %s -> %s: %v", e.Op, quote.Name(e.Src), quote.Name(e.Dst), trim(e.Err))
}

// Unwrap returns the cause, an *fs.PathError or the like.
func (e *FileError) Unwrap() error { return e.Err }

// trim drops the "cp: " prefix of our own sentinels inside a FileError.
func trim(err error) string { return strings.TrimPrefix(err.Error(), "cp: ") }

// Result describes one item that [Copy] handled: a file, a directory or a
// symbolic link.
type Result struct {
	Src, Dst string
	Type     fs.FileMode // 0 for a regular file, fs.ModeDir or fs.ModeSymlink
	Bytes    int64       // bytes copied (regular files)
	Err      error       // nil, or a *FileError
}

// Summary counts what [Copy] did.
type Summary struct {
	Files, Dirs, Links int64 // items copied
	Bytes              int64 // bytes of the files copied
	Failed             int64 // items that failed
}

// Option configures [Copy].
type Option func(*config)

type config struct {
	bad     error // the first bad option, for Copy to return
	jobs    int
	verify  bool
	onItem  func(Result)
	onBytes func(n int64)
	// Test hooks (see export_test.go).
	open  func(name string) (io.ReadCloser, error)
	write func(dst string, f *os.File) io.Writer
}

// fail records msg as a bad option unless an earlier one was bad.
func (c *config) fail(msg string) {
	if c.bad == nil {
		c.bad = invalidError(msg)
	}
}

// Jobs sets how many files are copied at once (default 8). Workers start
// as batches of files are handed out, so a Jobs larger than the number of
// files costs nothing. n must be positive: Copy refuses Jobs(0) with an
// error matching [ErrInvalid].
func Jobs(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail(fmt.Sprintf("cp: Jobs(%d): must be positive", n))
			return
		}
		c.jobs = n
	}
}

// Verify makes Copy compare the SHA-256 of each written file with its
// source's before renaming it into place. It costs a second read of each
// copy and turns off copy_file_range.
func Verify(on bool) Option { return func(c *config) { c.verify = on } }

// OnItem registers f to be told of every item as it is done, failed or
// not. Calls are serialised (never two at once), in completion order; f
// must not block for long, as copies wait for it. If f panics, Copy stops
// as if interrupted and returns the panic as a *task.PanicError in its
// error; f is not called again. f must not be nil: Copy refuses
// OnItem(nil) with an error matching [ErrInvalid].
func OnItem(f func(Result)) Option {
	return func(c *config) {
		if f == nil {
			c.fail("cp: OnItem(nil): must not be nil")
			return
		}
		c.onItem = f
	}
}

// OnBytes registers f to be told of file data as it is written: n bytes
// at a time, at most 8 MiB, so that a progress bar moves during a big
// file, not only when it is done. f is called from the copying goroutines
// at once (Jobs of them): it must be safe for concurrent use, and quick.
// The bytes of a copy that then fails were told too (they went to its
// temporary file, which is removed). If f panics, the file's copy fails
// with the panic as a *task.PanicError in its FileError. f must not be
// nil: Copy refuses OnBytes(nil) with an error matching [ErrInvalid].
func OnBytes(f func(n int64)) Option {
	return func(c *config) {
		if f == nil {
			c.fail("cp: OnBytes(nil): must not be nil")
			return
		}
		c.onBytes = f
	}
}

// DefaultJobs is the number of files Copy copies at once unless told.
const DefaultJobs = 8

// tempPrefix starts the names of the temporary files and links.
const tempPrefix = ".spool-cp-"

// chunk is how much one copy_file_range call moves, or a verification
// reads back, before the context is checked again.
const chunk = 8 << 20

// Copy copies srcs to dst like `cp -r` (see the package doc), at most
// [Jobs] files at once, and returns what it did.
//
// The error is nil when every item was copied. Items that failed are
// reported to [OnItem] and joined in the returned error as *FileError
// values, in completion order; the other items are copied all the same. A
// source refused because an earlier one has its destination
// ([ErrSameTarget]) is one failed item, its tree not walked.
// Copy returns ErrNoSources, ErrNotDir or another error (an empty dst, a
// nil or bad Option), having copied nothing, for bad arguments; all but
// ErrNotDir, which depends on the file system, match [ErrInvalid]. Copy
// panics if ctx is nil ("cp: Copy: nil context"). If ctx is done,
// Copy stops starting copies, abandons the ones in flight at their next
// 8 MiB, written or (with [Verify]) read back, removing their temporary
// files, not renaming them into place, and returns ctx's error joined
// with the file errors; items not reached are neither copied nor reported.
//
// Copy runs its workers as tasks of a [task.Group] and waits for all of
// them before it returns.
//
// Cost: the file system's. Per 64 KB file on Linux, Copy makes 13 system
// calls (lstat, 2 openat, the fstat and 2 fcntl that check the source
// (see the package doc), the 2 fcntl of os.NewFile, copy_file_range, 2
// close, utimensat, rename; fchmod too when the umask would change the
// mode), where `cp -r` makes 11 and keeps no times; strace -c on 100
// files. It allocates 22 objects (1.4 KB) per file, against 11 for a bare
// open/create/io.Copy loop (BenchmarkCopy against BenchmarkPlain).
func Copy(ctx context.Context, srcs []string, dst string, opts ...Option) (Summary, error) {
	if ctx == nil {
		panic("cp: Copy: nil context")
	}
	c := &config{jobs: DefaultJobs}
	for i, o := range opts {
		if o == nil {
			return Summary{}, invalidError(fmt.Sprintf("cp: Copy: option must not be nil (got nil at index %d)", i))
		}
		o(c)
	}
	if c.bad != nil {
		return Summary{}, c.bad
	}
	if len(srcs) == 0 {
		return Summary{}, ErrNoSources
	}
	if dst == "" {
		return Summary{}, invalidError(`cp: Copy: dst must not be empty (got "")`)
	}
	dstInfo, err := os.Stat(dst)
	dstIsDir := err == nil && dstInfo.IsDir()
	if len(srcs) > 1 && !dstIsDir {
		return Summary{}, fmt.Errorf("%w: %s", ErrNotDir, quote.Name(dst))
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &run{c: c, cancel: cancel}
	r.umask, r.umaskKnown = umask()
	r.copy(ctx, srcs, dst, dstIsDir)
	return r.sum, r.err()
}

// run is the state of one Copy.
type run struct {
	c *config

	umask      uint32 // the process's umask, read once per Copy
	umaskKnown bool
	cancel     context.CancelCauseFunc // stops the run when OnItem panics

	mu   sync.Mutex // guards sum, errs, panicked and calls to onItem
	sum  Summary
	errs []error
	dirs []dirJob // directories to finish, in the order they were made

	panicked bool // OnItem panicked: it is not called again
}

type job struct {
	src, dst string
	info     fs.FileInfo
	fresh    bool // dst's directory was made by this run: dst cannot exist yet
}

type dirJob = job

func (r *run) copy(ctx context.Context, srcs []string, dst string, dstIsDir bool) {
	// Files go to the workers in batches (see batches), so that a worker
	// wakes once per batch rather than once per file. The buffer lets each
	// worker have its next batch ready: sized by the limit, up to
	// maxQueued. Workers start one per batch sent until there are Jobs of
	// them, so a huge Jobs costs nothing for a few files.
	jobs := make(chan []job, min(r.c.jobs, maxQueued))
	g := task.NewGroup[struct{}](ctx)
	closed := false
	defer func() {
		if !closed { // the walker panicked (a bug): stop the workers first
			close(jobs)
			g.Close()
		}
	}()
	w := &walker{r: r, ctx: ctx, jobs: jobs, workers: g}
	if dstIsDir && len(srcs) > 1 {
		w.claims = make(map[string]string, len(srcs))
	}
	for _, src := range srcs {
		if ctx.Err() != nil {
			break
		}
		// Into a directory, a source goes under its last element, as
		// given (not cleaned: "src/." must not become "src"). ".", ".."
		// and "/" name no entry: their contents go into dst itself.
		target, into := dst, false
		if dstIsDir {
			if b := filepath.Base(src); b == "." || b == ".." || b == string(filepath.Separator) {
				into = true
			} else {
				target = filepath.Join(dst, b)
			}
		}
		w.root(src, target, into)
	}
	close(jobs)
	closed = true
	// Workers end once jobs is drained; a cancelled ctx only makes them fast.
	if _, err := g.Wait(context.WithoutCancel(ctx)); err != nil {
		r.fail(Result{Src: "(worker)"}, err) // unreachable: do recovers panics
	}
	// Children were made after their parents: finish them first, so that
	// a read-only directory gets its mode after its contents are in. An
	// interruption (or a panic in OnItem, told of a directory) stops that
	// too: the rest keep 0700.
	for _, d := range slices.Backward(r.dirs) {
		if ctx.Err() != nil {
			break
		}
		r.finishDir(d)
	}
	if err := ctx.Err(); err != nil {
		r.mu.Lock()
		if cause := context.Cause(ctx); cause != err {
			err = fmt.Errorf("%w: %w", err, cause)
		}
		r.errs = append(r.errs, fmt.Errorf("cp: interrupted: %w", err))
		r.mu.Unlock()
	}
}

// walker walks the sources on Copy's goroutine: it makes directories and
// hands files and links to the workers.
type walker struct {
	r       *run
	ctx     context.Context
	jobs    chan []job
	workers *task.Group[struct{}]
	started int // workers started, up to Jobs

	// claims maps each top-level destination path to the source copied
	// there, so that a later source with the same destination is refused
	// rather than mixed with it (see claim). Only the walker uses it: no
	// lock. It is nil, and costs nothing, with a single source.
	claims map[string]string
	// intoSeen: a contents copy ("DIR/.") has recorded the destination.
	intoSeen bool
}

// maxQueued bounds the batches waiting for a worker, whatever Jobs.
const maxQueued = 1024

// work is a worker: it copies batches until jobs is closed.
func (w *walker) work(ctx context.Context) (struct{}, error) {
	for batch := range w.jobs {
		for _, j := range batch {
			w.r.do(ctx, j)
		}
	}
	return struct{}{}, nil
}

// root copies the tree at src to target. With into, target is the
// destination directory itself, which receives src's entries (src ends in
// "/." or names no entry of its own, as ".." and "/").
func (w *walker) root(src, target string, into bool) {
	r := w.r
	info, err := os.Lstat(src)
	if err != nil {
		r.fail(Result{Src: src, Dst: target}, &FileError{"stat", src, "", unwrapPath(err)})
		return
	}
	if into && !info.IsDir() {
		// Not on Unix, where "f/." and "f/.." do not resolve (Windows
		// takes f\. for f): copy it under its cleaned base name.
		into, target = false, filepath.Join(target, filepath.Base(filepath.Clean(src)))
	}
	if !info.IsDir() {
		if w.claim(target, src, target, info) {
			w.send([]job{{src, target, info, false}})
		}
		return
	}
	if inside(src, target) {
		r.fail(Result{Src: src, Dst: target, Type: fs.ModeDir}, &FileError{"copy", src, target, ErrIntoItself})
		return
	}
	// A directory whose contents are copied claims each of its entries
	// (in dir); the key below, which no path can be (a NUL), only catches
	// the same directory given twice, so that it fails once, not per entry.
	key := target
	if into {
		key = "\x00" + filepath.Clean(src)
	}
	if !w.claim(key, src, target, info) {
		return
	}
	w.dir(src, target, info, into)
}

// claim records that src is copied to target, under key, and reports true;
// or, when an earlier source of this Copy has the same key, it fails src
// with ErrSameTarget, wholesale, and reports false. Whatever goes to one
// destination thus comes from one source: never a mix of two trees, or two
// files racing to one name. It is called for each source, and for each
// entry of a directory whose contents are copied, not per file of a tree.
func (w *walker) claim(key, src, target string, info fs.FileInfo) bool {
	if w.claims == nil {
		return true
	}
	prev, taken := w.claims[key]
	if !taken {
		w.claims[key] = src
		return true
	}
	err := fmt.Errorf("%w, %s", ErrSameTarget, quote.Name(prev))
	if filepath.Clean(prev) == filepath.Clean(src) {
		err = fmt.Errorf("%w, %s (the same source, given twice)", ErrSameTarget, quote.Name(prev))
	}
	w.r.fail(Result{Src: src, Dst: target, Type: info.Mode().Type()}, &FileError{"copy", src, target, err})
	return false
}

// dir makes target for the directory src, sends src's files, then walks
// its subdirectories, in name order. With claim, each entry claims its
// destination first (see claim).
func (w *walker) dir(src, target string, info fs.FileInfo, claim bool) {
	r := w.r
	// The destination of contents copies ("DIR/.") takes the mode and time
	// of the first one only: finishing runs backwards, so a second's would
	// come before the first's subdirectories, which a mode without the
	// owner's x would then make unreachable.
	created, err := r.mkdir(src, target, info, !claim || !w.intoSeen)
	w.intoSeen = w.intoSeen || claim
	if err != nil {
		return
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		// target is made, but src's entries cannot be read: report the
		// directory as failed rather than finish it.
		r.mu.Lock()
		if n := len(r.dirs); n > 0 && r.dirs[n-1].src == src {
			r.dirs = r.dirs[:n-1]
		}
		r.mu.Unlock()
		r.fail(Result{Src: src, Dst: target, Type: fs.ModeDir}, &FileError{"read", src, "", unwrapPath(err)})
		// os.ReadDir returns the entries it read before the error too.
	}
	var files []job
	var subdirs []job
	for _, e := range entries {
		path, to := filepath.Join(src, e.Name()), filepath.Join(target, e.Name())
		fi, err := e.Info()
		if err != nil {
			r.fail(Result{Src: path, Dst: to}, &FileError{"stat", path, "", unwrapPath(err)})
			continue
		}
		if claim && !w.claim(to, path, to, fi) {
			continue
		}
		if fi.IsDir() {
			subdirs = append(subdirs, job{path, to, fi, false})
		} else {
			files = append(files, job{path, to, fi, created})
		}
	}
	w.batches(files)
	for _, d := range subdirs {
		if w.ctx.Err() != nil {
			return
		}
		w.dir(d.src, d.dst, d.info, false)
	}
}

// Batches hold at most maxBatch files and, past their first file,
// maxBatchBytes: many small files share a wake-up, large ones spread.
const (
	maxBatch      = 64
	maxBatchBytes = 4 << 20
)

// batches sends files in about as many batches as there are workers (so
// that a directory's files are shared by all of them), bounded as above.
func (w *walker) batches(files []job) {
	per := min(maxBatch, max(1, (len(files)-1)/w.r.c.jobs+1)) // no overflow for a huge Jobs
	for len(files) > 0 {
		n, size := 0, int64(0)
		for n < len(files) && n < per && (n == 0 || size+files[n].info.Size() <= maxBatchBytes) {
			size += files[n].info.Size()
			n++
		}
		if !w.send(files[:n:n]) {
			return
		}
		files = files[n:]
	}
}

// send hands a batch to a worker. It reports false, dropping the batch,
// if ctx is done first.
func (w *walker) send(batch []job) bool {
	if w.started < w.r.c.jobs {
		w.started++
		// Started whatever ctx says: a worker drains what is sent (fast,
		// once ctx is done), and a Go with a done ctx would not start it.
		w.workers.Go(context.WithoutCancel(w.ctx), w.work)
	}
	p := task.Park(w.ctx)
	defer p.Resume()
	select {
	case w.jobs <- batch:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// mkdir makes the directory to for the source directory src and, with
// record, records it for finishDir. It is made writable by its owner until
// then. created is false when the directory existed already.
func (r *run) mkdir(src, to string, fi fs.FileInfo, record bool) (created bool, err error) {
	err = os.Mkdir(to, 0o700)
	created = err == nil
	if created && (!r.umaskKnown || r.umask&0o700 != 0) {
		// A umask that takes the owner's bits (0777, say) left it
		// unwritable: a user other than root could copy nothing into it.
		// The setgid bit a setgid parent gave it stays (as cp keeps it),
		// or what is made in it would lose the shared group.
		m := fs.FileMode(0o700)
		if st, serr := os.Lstat(to); serr == nil {
			m |= st.Mode() & fs.ModeSetgid
		}
		err = os.Chmod(to, m)
	}
	if errors.Is(err, fs.ErrExist) {
		// Lstat: a symbolic link to a directory is not merged into (it
		// would take the copy outside the destination), as cp -r refuses.
		if st, serr := os.Lstat(to); serr == nil && st.IsDir() {
			err = nil
		} else {
			err = ErrTypeClash
		}
	}
	res := Result{Src: src, Dst: to, Type: fs.ModeDir}
	if err != nil {
		r.fail(res, &FileError{"mkdir", src, to, unwrapPath(err)})
		return false, err
	}
	if record {
		r.mu.Lock()
		r.dirs = append(r.dirs, dirJob{src, to, fi, false})
		r.mu.Unlock()
	}
	return created, nil
}

// finishDir gives a copied directory its source's mode and times, and
// reports it.
func (r *run) finishDir(d dirJob) {
	res := Result{Src: d.src, Dst: d.dst, Type: fs.ModeDir}
	st, err := os.Lstat(d.dst)
	if err != nil {
		r.fail(res, &FileError{"lstat", d.src, d.dst, unwrapPath(err)})
		return
	}
	// setgid on a directory hands its group to new entries, no privilege:
	// the source's is kept, and so is the copy's own, which a setgid
	// parent gave it or a shared directory merged into has, as cp -r
	// keeps them (a copy in a setgid parent, or a merge, lost it).
	m := keepIDs(mode(d.info), d.info, st) | (mode(d.info)|st.Mode())&fs.ModeSetgid
	if op, err := setDir(d.dst, m, d.info.ModTime()); err != nil {
		r.fail(res, &FileError{op, d.src, d.dst, unwrapPath(err)})
		return
	}
	r.done(res)
}

// do copies one file or link. A panic (a bug) fails the item, not the run.
func (r *run) do(ctx context.Context, j job) {
	res := Result{Src: j.src, Dst: j.dst, Type: j.info.Mode().Type()}
	defer func() {
		if v := recover(); v != nil {
			r.fail(res, &FileError{"copy", j.src, j.dst, &task.PanicError{Value: v, Stack: debug.Stack()}})
		}
	}()
	if ctx.Err() != nil {
		return // interrupted: not reached
	}
	var err error
	switch j.info.Mode().Type() {
	case 0:
		res.Bytes, err = r.copyFile(ctx, j)
	case fs.ModeSymlink:
		err = r.copyLink(j)
	default:
		err = &FileError{"copy", j.src, j.dst, ErrUnsupported}
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return // abandoned because of the interruption, which is reported
		}
		r.fail(res, err)
		return
	}
	r.done(res)
}

// copyFile writes j.src to a temporary file next to j.dst and renames it
// into place.
func (r *run) copyFile(ctx context.Context, j job) (n int64, err error) {
	if err := clash(j); err != nil {
		return 0, err
	}
	in, info, err := r.open(j)
	if err != nil {
		return 0, &FileError{"open", j.src, "", unwrapPath(err)}
	}
	defer in.Close()
	j.info = info // another file's if one replaced the walked one
	// Made without setuid and setgid, which the copy keeps only if it has
	// the source's owner (group): see keepIDs.
	m := mode(j.info)
	special := m & (fs.ModeSetuid | fs.ModeSetgid)
	tmp, exact, err := createTemp(filepath.Dir(j.dst), m&^special, r.umask, r.umaskKnown)
	if err != nil {
		return 0, &FileError{"create", j.src, j.dst, unwrapPath(err)}
	}
	renamed := false
	defer func() {
		if !renamed { // an error, or a panic that do recovers
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	if r.c.write != nil {
		w = r.c.write(j.dst, tmp)
	}
	var src io.Reader = in
	var h hash.Hash
	if r.c.verify {
		h = sha256.New()
		src = io.TeeReader(in, h)
	}
	// Copy the size the walk saw: no read to learn of an end already known.
	// A file that says it is empty is read to its end: files of /proc and
	// /sys report size 0 and have content, and were copied empty (with
	// Verify passing, its hash taken of what was read).
	size := j.info.Size()
	if size == 0 {
		size = math.MaxInt64
	}
	for n < size {
		if err := ctx.Err(); err != nil {
			return n, &FileError{"copy", j.src, j.dst, err}
		}
		m, cerr := io.CopyN(w, src, min(chunk, size-n))
		n += m
		if m > 0 && r.c.onBytes != nil {
			r.c.onBytes(m)
		}
		if errors.Is(cerr, io.EOF) {
			break // the file shrank
		}
		if cerr != nil {
			return n, &FileError{"copy", j.src, j.dst, unwrapPath(cerr)}
		}
	}
	if special != 0 {
		st, err := tmp.Stat()
		if err != nil {
			return n, &FileError{"stat", j.src, j.dst, unwrapPath(err)}
		}
		if m = keepIDs(m, j.info, st); m&special != 0 {
			exact = false // kept: set them now
		}
	}
	if !exact {
		if err := tmp.Chmod(m); err != nil {
			return n, &FileError{"chmod", j.src, j.dst, unwrapPath(err)}
		}
	}
	if h != nil {
		if err := check(ctx, tmp, h.Sum(nil)); err != nil {
			return n, &FileError{"verify", j.src, j.dst, err}
		}
	}
	// Through the handle where it can (Linux: futimens, right for any
	// time a 64-bit platform reads; os.Chtimes overflows past 2262 and
	// before 1678), before the close, as cp does; else by name after it.
	timed, err := fileTime(tmp, j.info.ModTime())
	if err != nil {
		return n, &FileError{"chtimes", j.src, j.dst, unwrapPath(err)}
	}
	if err := tmp.Close(); err != nil {
		return n, &FileError{"close", j.src, j.dst, unwrapPath(err)}
	}
	if !timed {
		if err := os.Chtimes(tmp.Name(), time.Time{}, j.info.ModTime()); err != nil {
			return n, &FileError{"chtimes", j.src, j.dst, unwrapPath(err)}
		}
	}
	if err := rename(tmp.Name(), j.dst); err != nil {
		return n, &FileError{"rename", j.src, j.dst, unwrapPath(err)}
	}
	renamed = true
	return n, nil
}

// open opens j.src for copyFile. It returns the FileInfo to copy it by:
// the walk's, or the opened file's when another file has replaced the
// walked one since (an editor saves so), which is then copied whole, with
// its own mode and time, not cut to the old one's size.
func (r *run) open(j job) (io.ReadCloser, fs.FileInfo, error) {
	if r.c.open != nil { // a test's
		in, err := r.c.open(j.src)
		return in, j.info, err
	}
	f, info, err := openFile(j.src, j.info)
	if err != nil {
		return nil, nil, err
	}
	return f, info, nil
}

// clash checks that j.dst is neither j.src itself nor a directory. A file
// whose directory this run made cannot clash: it saves a stat.
func clash(j job) error {
	if j.fresh {
		return nil
	}
	st, err := os.Stat(j.dst)
	switch {
	case err != nil:
		return nil // missing, or the copy will tell
	case os.SameFile(st, j.info):
		return &FileError{"copy", j.src, j.dst, ErrSameFile}
	case st.IsDir():
		return &FileError{"copy", j.src, j.dst, ErrTypeClash}
	}
	return nil
}

// check reads f from the start and compares its SHA-256 with want. It
// returns ctx's error if ctx is done before it starts or between two
// chunks of the read, as the copy does.
func check(ctx context.Context, f *os.File, want []byte) error {
	h := sha256.New()
	r := io.NewSectionReader(f, 0, 1<<62)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := io.CopyN(h, r, chunk)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return unwrapPath(err)
		}
	}
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: copy %x, source %x", ErrMismatch, got[:8], want[:8])
	}
	return nil
}

// copyLink makes a link with j.src's target under a temporary name next to
// j.dst and renames it into place.
func (r *run) copyLink(j job) error {
	to, err := os.Readlink(j.src)
	if err != nil {
		return &FileError{"readlink", j.src, "", unwrapPath(err)}
	}
	if st, serr := os.Lstat(j.dst); serr == nil && st.IsDir() {
		return &FileError{"symlink", j.src, j.dst, ErrTypeClash}
	}
	dir := filepath.Dir(j.dst)
	for range 100 { // a name is taken only if another process races us
		tmp := filepath.Join(dir, fmt.Sprintf("%s%d-%d", tempPrefix, os.Getpid(), nextName()))
		err = os.Symlink(to, tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return &FileError{"symlink", j.src, j.dst, unwrapPath(err)}
		}
		if err := rename(tmp, j.dst); err != nil {
			os.Remove(tmp)
			return &FileError{"rename", j.src, j.dst, unwrapPath(err)}
		}
		return nil
	}
	return &FileError{"symlink", j.src, j.dst, err}
}

var (
	nameMu  sync.Mutex
	nameSeq uint64
)

func nextName() uint64 {
	nameMu.Lock()
	defer nameMu.Unlock()
	nameSeq++
	return nameSeq
}

// done counts a copied item and reports it.
func (r *run) done(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch res.Type {
	case 0:
		r.sum.Files++
		r.sum.Bytes += res.Bytes
	case fs.ModeDir:
		r.sum.Dirs++
	case fs.ModeSymlink:
		r.sum.Links++
	}
	r.report(res)
}

// report tells OnItem of res; r.mu is held. A panic in OnItem stops the
// run, which ends with the panic as a *task.PanicError in its error.
func (r *run) report(res Result) {
	if r.c.onItem == nil || r.panicked {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			r.panicked = true
			// No "cp:": the cause is seen only inside "cp: interrupted: ...".
			r.cancel(fmt.Errorf("OnItem panicked: %w", &task.PanicError{Value: v, Stack: debug.Stack()}))
		}
	}()
	r.c.onItem(res)
}

// fail counts a failed item and reports it.
func (r *run) fail(res Result, err error) {
	res.Err = err
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Failed++
	r.errs = append(r.errs, err)
	r.report(res)
}

func (r *run) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// mode is the part of a source's mode that a copy keeps.
func mode(fi fs.FileInfo) fs.FileMode {
	return fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// inside reports whether target is dir itself or lies under it.
func inside(dir, target string) bool {
	d, err1 := filepath.Abs(dir)
	t, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return false
	}
	if rd, err := filepath.EvalSymlinks(d); err == nil {
		d = rd
	}
	t = resolveExisting(t)
	rel, err := filepath.Rel(d, t)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolveExisting resolves the symbolic links of the longest existing
// prefix of the absolute path p.
func resolveExisting(p string) string {
	var rest []string
	for q := p; ; q = filepath.Dir(q) {
		if r, err := filepath.EvalSymlinks(q); err == nil {
			slices.Reverse(rest)
			return filepath.Join(append([]string{r}, rest...)...)
		}
		if filepath.Dir(q) == q {
			return p
		}
		rest = append(rest, filepath.Base(q))
	}
}

// unwrapPath drops the *fs.PathError around err: FileError names the paths.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
