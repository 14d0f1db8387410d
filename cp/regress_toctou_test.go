package cp_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// TestNoSwappedToSymlinkIsFollowed: a regular file that the walk saw and
// that became a symbolic link before its worker opened it is refused, not
// copied through the link (links are never followed); it used to be.
func TestNoSwappedToSymlinkIsFollowed(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	secret := filepath.Join(dir, "secret")
	build(t, src, entry{"a", 0o644}, entry{"b", 0o644}) // b: 100 bytes
	if err := os.WriteFile(secret, []byte(strings.Repeat("SECRET-CONTENT ", 7)[:100]), 0o600); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	_, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(1),
		cp.WithWriter(func(d string, f *os.File) io.Writer {
			// While "a" is copied, "b" (already walked, same batch) turns into a link.
			once.Do(func() {
				b := filepath.Join(src, "b")
				if err := os.Remove(b); err != nil {
					t.Error(err)
				}
				if err := os.Symlink(secret, b); err != nil {
					t.Error(err)
				}
			})
			return f
		}))
	t.Logf("err: %v", err)
	got, _ := os.ReadFile(filepath.Join(dst, "b"))
	if strings.Contains(string(got), "SECRET") {
		t.Errorf("d/b holds the symlink target's contents %q: the link was followed", got)
	}
}

// TestNoSwappedToFIFOBlocksOpen: a regular file that became a FIFO before
// its worker opened it is reported as unsupported. An open without
// O_NONBLOCK used to wait for a writer forever, whatever ctx said.
func TestNoSwappedToFIFOBlocksOpen(t *testing.T) {
	dir := t.TempDir()
	if err := mkfifo(filepath.Join(dir, "probe")); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644}, entry{"b", 0o644})
	fifo := filepath.Join(src, "b")
	var once sync.Once
	_, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(1),
		cp.WithWriter(func(d string, f *os.File) io.Writer {
			once.Do(func() {
				if err := os.Remove(fifo); err != nil {
					t.Error(err)
				}
				if err := mkfifo(fifo); err != nil {
					t.Error(err)
				}
			})
			return f
		}))
	if !errors.Is(err, cp.ErrUnsupported) {
		t.Errorf("Copy with a file that became a FIFO: got %v; want an error matching ErrUnsupported", err)
	}
}

// TestNoDestSymlinkDirFollowed: a destination directory that is a symbolic
// link to a directory elsewhere is a type clash. It used to be merged
// into: the copy wrote outside the destination tree and chmodded the
// link's target.
func TestNoDestSymlinkDirFollowed(t *testing.T) {
	dir := t.TempDir()
	src, dst, elsewhere := filepath.Join(dir, "s"), filepath.Join(dir, "d"), filepath.Join(dir, "elsewhere")
	build(t, src, entry{"sub/", 0o500}, entry{"sub/f", 0o644})
	build(t, dir, entry{"d/", 0o755}, entry{"elsewhere/", 0o755}, entry{"d/sub->" + elsewhere, 0}) // d/sub -> elsewhere
	// Copy s into an existing d whose "sub" is a link to a directory elsewhere.
	_, err := cp.Copy(context.Background(), []string{filepath.Join(src, "sub")}, dst)
	t.Logf("err: %v", err)
	if _, serr := os.Stat(filepath.Join(elsewhere, "f")); serr == nil {
		t.Errorf("the copy wrote %s through the destination's symbolic link", filepath.Join(elsewhere, "f"))
	}
	if fi, _ := os.Stat(elsewhere); fi.Mode().Perm() == 0o500 {
		t.Errorf("the copy chmodded the link's target %s to %v", elsewhere, fi.Mode().Perm())
	}
}

// TestNoPanicLeavesTemp: a panic between createTemp and the rename (a bug;
// here in the writer hook) removes the temporary file; it used to be left
// behind, its descriptor open.
func TestNoPanicLeavesTemp(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644})
	_, err := cp.Copy(context.Background(), []string{src}, dst,
		cp.WithWriter(func(d string, f *os.File) io.Writer { panic("boom") }))
	var pe *task.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err %v", err)
	}
	noTemps(t, dst)
}

// TestNoCauseInsteadOfCtxErr: when ctx was cancelled with a cause, Copy's
// error matches both context.Canceled and the cause; it used to wrap only
// the cause.
func TestNoCauseInsteadOfCtxErr(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644})
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("user pressed stop"))
	_, err := cp.Copy(ctx, []string{src}, dst)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want an error matching ctx.Err() (context.Canceled), as the doc says", err)
	}
}

// TestNoErrorDroppedAfterCancel: a real failure (here ErrUnsupported for a
// FIFO) of an item processed after ctx is done is counted and returned; it
// used to be dropped as if the cancel had caused it.
func TestNoErrorDroppedAfterCancel(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := cp.Copy(ctx, []string{src}, dst, cp.Jobs(1), cp.WithOpen(func(name string) (io.ReadCloser, error) {
		cancel() // the interrupt arrives while the open fails for its own reason
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}))
	if !errors.Is(err, syscall.EACCES) || sum.Failed != 1 {
		t.Errorf("got %+v, %v; the EACCES of s/a is lost", sum, err)
	}
}
