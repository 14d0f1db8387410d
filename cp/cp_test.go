package cp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// tree describes files to make: a path ending in "/" is a directory, one
// with "->" a symbolic link, anything else a file with its path as content.
type entry struct {
	path string
	mode fs.FileMode
}

var mtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// build makes the entries under root, with modes and a fixed mtime. Dirs
// get their mode last, so read-only ones can still be filled.
func build(t *testing.T, root string, entries ...entry) {
	t.Helper()
	var dirs []entry
	for _, e := range entries {
		p := filepath.Join(root, e.path)
		switch {
		case strings.HasSuffix(e.path, "/"):
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, e)
		case strings.Contains(e.path, "->"):
			name, target, _ := strings.Cut(e.path, "->")
			if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Repeat(e.path, 100)), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, e.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		p := filepath.Join(root, dirs[i].path)
		if err := os.Chmod(p, dirs[i].mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { chmodAll(root) })
}

// chmodAll makes a tree removable by t.TempDir's cleanup.
func chmodAll(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

// same fails t unless the tree at got matches the one at want: types,
// contents, modes, modification times and link targets.
func same(t *testing.T, want, got string) {
	t.Helper()
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		q := filepath.Join(got, rel)
		wi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		gi, err := os.Lstat(q)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if gi.Mode() != wi.Mode() {
			t.Errorf("%s: got mode %v; want %v", rel, gi.Mode(), wi.Mode())
		}
		switch wi.Mode().Type() {
		case fs.ModeSymlink:
			wt, _ := os.Readlink(p)
			gt, _ := os.Readlink(q)
			if gt != wt {
				t.Errorf("%s: got link to %q; want %q", rel, gt, wt)
			}
			return nil
		case 0:
			wb, _ := os.ReadFile(p)
			gb, err := os.ReadFile(q)
			if err != nil || !bytes.Equal(gb, wb) {
				t.Errorf("%s: got %d bytes (err %v); want %d equal bytes", rel, len(gb), err, len(wb))
			}
		}
		if !gi.ModTime().Equal(wi.ModTime()) {
			t.Errorf("%s: got mtime %v; want %v", rel, gi.ModTime(), wi.ModTime())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	noTemps(t, got)
}

// noTemps fails t if a temporary file is left under root.
func noTemps(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".spool-cp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

var sample = []entry{
	{"a.txt", 0o644},
	{"exec.sh", 0o755},
	{"private", 0o600},
	{"setgid", fs.ModeSetgid | 0o755},
	{"sticky", fs.ModeSticky | 0o644},
	{"empty/", 0o755},
	{"sub/", 0o750},
	{"sub/b.txt", 0o640},
	{"sub/deep/", 0o700},
	{"sub/deep/c.txt", 0o444},
	{"ro/", 0o555},
	{"ro/d.txt", 0o644},
	{"rel->a.txt", 0},
	{"sub/up->../exec.sh", 0},
	{"dangling->nowhere", 0},
	{"abs->/etc/hostname", 0},
	{"dirlink->sub", 0},
}

func TestCopyTree(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
			build(t, src, sample...)
			var items atomic.Int64
			sum, err := cp.Copy(context.Background(), []string{src}, dst,
				cp.Jobs(3), cp.Verify(verify), cp.OnItem(func(cp.Result) { items.Add(1) }))
			if err != nil {
				t.Fatalf("got error %v; want nil", err)
			}
			t.Cleanup(func() { chmodAll(dst) })
			want := cp.Summary{Files: 8, Dirs: 5, Links: 5, Bytes: sum.Bytes}
			if sum != want || sum.Bytes == 0 {
				t.Errorf("got summary %+v; want %+v with bytes > 0", sum, want)
			}
			if got := items.Load(); got != 18 {
				t.Errorf("got %d OnItem calls; want 18", got)
			}
			same(t, src, dst)
		})
	}
}

func TestCopySemantics(t *testing.T) {
	type tc struct {
		name    string
		setup   []entry  // under dir
		srcs    []string // relative to dir
		dst     string
		wantErr error             // errors.Is
		check   map[string]string // path -> content prefix ("" = must not exist, "DIR" = dir, "->x" = link to x)
	}
	tests := []tc{
		{"file to new name", []entry{{"f", 0o644}}, []string{"f"}, "g", nil, map[string]string{"g": "f"}},
		{"file into dir", []entry{{"f", 0o644}, {"d/", 0o755}}, []string{"f"}, "d", nil, map[string]string{"d/f": "f"}},
		{"file over file", []entry{{"f", 0o644}, {"g", 0o644}}, []string{"f"}, "g", nil, map[string]string{"g": "ff"}},
		{"dir to new name", []entry{{"s/x", 0o644}}, []string{"s"}, "n", nil, map[string]string{"n/x": "s/x", "n/s": ""}},
		{"dir into dir", []entry{{"s/x", 0o644}, {"d/", 0o755}}, []string{"s"}, "d", nil, map[string]string{"d/s/x": "s/x"}},
		{"dir merges", []entry{{"s/x", 0o644}, {"d/s/y", 0o644}}, []string{"s"}, "d", nil, map[string]string{"d/s/x": "s/x", "d/s/y": "d/s/y"}},
		{"several into dir", []entry{{"f", 0o644}, {"s/x", 0o644}, {"d/", 0o755}}, []string{"f", "s"}, "d", nil, map[string]string{"d/f": "f", "d/s/x": "s/x"}},
		{"several to non-dir", []entry{{"f", 0o644}, {"g", 0o644}}, []string{"f", "g"}, "h", cp.ErrNotDir, map[string]string{"h": ""}},
		{"several to file", []entry{{"f", 0o644}, {"g", 0o644}}, []string{"f", "g"}, "g", cp.ErrNotDir, map[string]string{"g": "gg"}},
		{"no sources", nil, nil, "d", cp.ErrNoSources, nil},
		{"missing source", []entry{{"f", 0o644}, {"d/", 0o755}}, []string{"nope", "f"}, "d", fs.ErrNotExist, map[string]string{"d/f": "f", "d/nope": ""}},
		{"into itself", []entry{{"s/x", 0o644}}, []string{"s"}, "s", cp.ErrIntoItself, map[string]string{"s/s": ""}},
		{"into own child", []entry{{"s/sub/x", 0o644}}, []string{"s"}, "s/sub", cp.ErrIntoItself, map[string]string{"s/sub/s": ""}},
		{"same file", []entry{{"d/f", 0o644}}, []string{"d/f"}, "d", cp.ErrSameFile, map[string]string{"d/f": "d/f"}},
		{"dir over file", []entry{{"s/x", 0o644}, {"f", 0o644}}, []string{"s"}, "f", cp.ErrTypeClash, map[string]string{"f": "ff"}},
		{"file over dir", []entry{{"f", 0o644}, {"d/f/", 0o755}}, []string{"f"}, "d", cp.ErrTypeClash, map[string]string{"d/f": "DIR"}},
		{"link as source", []entry{{"f", 0o644}, {"l->f", 0}}, []string{"l"}, "m", nil, map[string]string{"m": "->f"}},
		{"link over file", []entry{{"f", 0o644}, {"l->f", 0}, {"d/l", 0o644}}, []string{"l"}, "d", nil, map[string]string{"d/l": "->f"}},
		{"missing parent", []entry{{"f", 0o644}}, []string{"f"}, "no/such/g", fs.ErrNotExist, map[string]string{"no": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			build(t, dir, tt.setup...)
			srcs := make([]string, len(tt.srcs))
			for i, s := range tt.srcs {
				srcs[i] = filepath.Join(dir, s)
			}
			_, err := cp.Copy(context.Background(), srcs, filepath.Join(dir, tt.dst))
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v; want %v", err, tt.wantErr)
			}
			for p, want := range tt.check {
				p = filepath.Join(dir, p)
				fi, lerr := os.Lstat(p)
				switch {
				case want == "":
					if lerr == nil {
						t.Errorf("%s exists; want it not to", p)
					}
				case lerr != nil:
					t.Errorf("%s: %v", p, lerr)
				case want == "DIR":
					if !fi.IsDir() {
						t.Errorf("%s: got mode %v; want a directory", p, fi.Mode())
					}
				case strings.HasPrefix(want, "->"):
					if got, _ := os.Readlink(p); got != want[2:] {
						t.Errorf("%s: got link to %q; want %q", p, got, want[2:])
					}
				default:
					b, _ := os.ReadFile(p)
					if !strings.HasPrefix(string(b), want) {
						t.Errorf("%s: got %.20q; want it to start with %q", p, b, want)
					}
				}
			}
			noTemps(t, dir)
		})
	}
}

func TestCopyFIFO(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, entry{"s/f", 0o644})
	if err := mkfifo(filepath.Join(dir, "s", "pipe")); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	sum, err := cp.Copy(context.Background(), []string{filepath.Join(dir, "s")}, filepath.Join(dir, "d"))
	if !errors.Is(err, cp.ErrUnsupported) {
		t.Fatalf("got error %v; want ErrUnsupported", err)
	}
	if sum.Files != 1 || sum.Failed != 1 {
		t.Errorf("got %+v; want 1 file copied and 1 failed", sum)
	}
}

// failOpen makes opening any file named bad fail with err.
func failOpen(bad string, err error) cp.Option {
	return cp.WithOpen(func(name string) (io.ReadCloser, error) {
		if filepath.Base(name) == bad {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return os.Open(name)
	})
}

func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	build(t, src, entry{"a", 0o644}, entry{"secret", 0o644}, entry{"sub/b", 0o644})
	var failed []cp.Result
	sum, err := cp.Copy(context.Background(), []string{src}, dst, failOpen("secret", fs.ErrPermission),
		cp.OnItem(func(r cp.Result) {
			if r.Err != nil {
				failed = append(failed, r)
			}
		}))
	var fe *cp.FileError
	if !errors.As(err, &fe) || !errors.Is(err, fs.ErrPermission) || fe.Op != "open" {
		t.Fatalf("got error %v; want a *FileError for open with fs.ErrPermission", err)
	}
	if len(failed) != 1 || filepath.Base(failed[0].Src) != "secret" {
		t.Errorf("got failures %+v; want one, for secret", failed)
	}
	if sum.Files != 2 || sum.Failed != 1 {
		t.Errorf("got %+v; want 2 files copied and 1 failed", sum)
	}
	if _, err := os.Lstat(filepath.Join(dst, "secret")); err == nil {
		t.Error("dst/secret exists; want no file for a failed copy")
	}
	for _, f := range []string{"a", "sub/b"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("got %v; want %s copied", err, f)
		}
	}
	noTemps(t, dst)
}

// TestUnreadableFileReal uses real permissions, which root ignores.
func TestUnreadableFileReal(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which reads mode-000 files: TestUnreadableFile covers this with an injected open")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	build(t, src, entry{"a", 0o644}, entry{"secret", 0o000})
	sum, err := cp.Copy(context.Background(), []string{src}, filepath.Join(dir, "dst"))
	if !errors.Is(err, fs.ErrPermission) || sum.Files != 1 || sum.Failed != 1 {
		t.Fatalf("got %+v, %v; want 1 copied, 1 failed with fs.ErrPermission", sum, err)
	}
}

// fullDisk fails every write to the copy of a file named bad after limit
// bytes, as a disk that fills up would.
type fullDisk struct {
	w     io.Writer
	limit int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.limit {
		n, _ := d.w.Write(p[:d.limit])
		d.limit -= n
		return n, syscall.ENOSPC
	}
	d.limit -= len(p)
	return d.w.Write(p)
}

func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	build(t, src, entry{"a", 0o644}, entry{"big", 0o644}, entry{"c", 0o644})
	// Keep the old copy of big: a failed copy must not touch it.
	build(t, dst, entry{"big", 0o644})
	old, _ := os.ReadFile(filepath.Join(dst, "big"))
	sum, err := cp.Copy(context.Background(), []string{src + "/a", src + "/big", src + "/c"}, dst,
		cp.WithWriter(func(to string, f *os.File) io.Writer {
			if filepath.Base(to) == "big" {
				return &fullDisk{f, 100}
			}
			return f
		}))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got error %v; want ENOSPC", err)
	}
	if sum.Files != 2 || sum.Failed != 1 {
		t.Errorf("got %+v; want 2 copied, 1 failed", sum)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "big")); !bytes.Equal(got, old) {
		t.Errorf("dst/big changed to %d bytes; want the old %d untouched", len(got), len(old))
	}
	noTemps(t, dst)
}

func TestDestinationVanishes(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	build(t, src, entry{"a", 0o644}, entry{"b", 0o644}, entry{"c", 0o644})
	sum, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(1),
		cp.WithOpen(func(name string) (io.ReadCloser, error) {
			if filepath.Base(name) == "b" {
				if err := os.RemoveAll(dst); err != nil {
					t.Error(err)
				}
			}
			return os.Open(name)
		}))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got error %v; want fs.ErrNotExist", err)
	}
	// a was copied before dst vanished; b and c fail; the directory
	// cannot be finished either.
	if sum.Files != 1 || sum.Failed != 3 {
		t.Errorf("got %+v; want 1 copied and 3 failed", sum)
	}
	if _, err := os.Lstat(dst); err == nil {
		t.Error("dst exists again; want it gone")
	}
}

// corrupt flips the first byte written.
type corrupt struct {
	w    io.Writer
	done bool
}

func (c *corrupt) Write(p []byte) (int, error) {
	if !c.done && len(p) > 0 {
		c.done = true
		q := append([]byte(nil), p...)
		q[0] ^= 0xff
		return c.w.Write(q)
	}
	return c.w.Write(p)
}

func TestVerifyCatchesCorruption(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, entry{"f", 0o644})
	for _, verify := range []bool{true, false} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			dst := filepath.Join(dir, fmt.Sprint("g", verify))
			_, err := cp.Copy(context.Background(), []string{filepath.Join(dir, "f")}, dst, cp.Verify(verify),
				cp.WithWriter(func(_ string, f *os.File) io.Writer { return &corrupt{w: f} }))
			_, statErr := os.Stat(dst)
			if verify {
				if !errors.Is(err, cp.ErrMismatch) || statErr == nil {
					t.Errorf("got %v, dst exists: %v; want ErrMismatch and no dst", err, statErr == nil)
				}
			} else if err != nil || statErr != nil {
				t.Errorf("got %v, %v; want the corrupt copy in place, unnoticed", err, statErr)
			}
			noTemps(t, dir)
		})
	}
}

// gate is an open hook that counts the files open at once and holds each
// open until n are open (or released), to prove n copies really overlap.
type gate struct {
	n             int
	mu            sync.Mutex
	open, highest int
	full          chan struct{}
	fullOnce      sync.Once
}

type counted struct {
	io.ReadCloser
	g *gate
}

func (c counted) Close() error {
	c.g.mu.Lock()
	c.g.open--
	c.g.mu.Unlock()
	return c.ReadCloser.Close()
}

func (g *gate) opener(ctx context.Context) cp.Option {
	return cp.WithOpen(func(name string) (io.ReadCloser, error) {
		g.mu.Lock()
		g.open++
		g.highest = max(g.highest, g.open)
		if g.open == g.n {
			g.fullOnce.Do(func() { close(g.full) })
		}
		g.mu.Unlock()
		select {
		case <-g.full:
		case <-ctx.Done():
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		return counted{f, g}, nil
	})
}

func TestJobsBoundConcurrency(t *testing.T) {
	for _, jobs := range []int{1, 2, 5} {
		t.Run(fmt.Sprint("jobs=", jobs), func(t *testing.T) {
			dir := t.TempDir()
			var es []entry
			for i := range 30 {
				es = append(es, entry{fmt.Sprintf("s/%02d", i), 0o644})
			}
			build(t, dir, es...)
			g := &gate{n: jobs, full: make(chan struct{})}
			// The deadline is a safety net against a hang, not a timing assertion.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sum, err := cp.Copy(ctx, []string{filepath.Join(dir, "s")}, filepath.Join(dir, "d"), cp.Jobs(jobs), g.opener(ctx))
			if err != nil || sum.Files != 30 {
				t.Fatalf("got %+v, %v; want 30 files, no error", sum, err)
			}
			if g.highest != jobs {
				t.Errorf("got %d files open at once at most; want %d", g.highest, jobs)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	var es []entry
	for i := range 50 {
		es = append(es, entry{fmt.Sprintf("s/%02d", i), 0o644})
	}
	build(t, dir, es...)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var once sync.Once
	dst := filepath.Join(dir, "d")
	sum, err := cp.Copy(ctx, []string{filepath.Join(dir, "s")}, dst, cp.Jobs(4),
		cp.WithWriter(func(_ string, f *os.File) io.Writer {
			once.Do(func() { close(started); cancel() })
			return f
		}))
	<-started
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got error %v; want context.Canceled", err)
	}
	if sum.Files >= 50 || sum.Failed != 0 {
		t.Errorf("got %+v; want fewer than 50 files and no failures counted", sum)
	}
	noTemps(t, dst)
}

// TestRerunAfterCancel interrupts a copy of a tree with read-only
// directories after its first file, checks that the directories it made
// are left writable (0700), and runs the copy again: it must finish, with
// the source's modes and times.
func TestRerunAfterCancel(t *testing.T) {
	for _, jobs := range []int{1, 4} {
		t.Run(fmt.Sprint("jobs=", jobs), func(t *testing.T) {
			// Into an existing directory, so that the same command run
			// twice copies to the same place (as with cp -r).
			dir := t.TempDir()
			src, into := filepath.Join(dir, "src"), filepath.Join(dir, "into")
			dst := filepath.Join(into, "src")
			if err := os.Mkdir(into, 0o755); err != nil {
				t.Fatal(err)
			}
			es := []entry{{"ro/", 0o555}, {"ro/inner/", 0o500}}
			for i := range 20 {
				es = append(es, entry{fmt.Sprintf("ro/inner/%02d", i), 0o444})
			}
			build(t, src, es...)
			t.Cleanup(func() { chmodAll(dst) })
			ctx, cancel := context.WithCancel(context.Background())
			var once sync.Once
			_, err := cp.Copy(ctx, []string{src}, into, cp.Jobs(jobs),
				cp.WithWriter(func(_ string, f *os.File) io.Writer {
					once.Do(cancel)
					return f
				}))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first copy: got error %v; want context.Canceled", err)
			}
			for _, d := range []string{"ro", "ro/inner"} {
				fi, err := os.Stat(filepath.Join(dst, d))
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o700 {
					t.Errorf("after the interrupt, %s: got mode %v; want %v", d, got, fs.FileMode(0o700))
				}
			}
			if _, err := cp.Copy(context.Background(), []string{src}, into, cp.Jobs(jobs)); err != nil {
				t.Fatalf("second copy: got error %v; want nil", err)
			}
			same(t, src, dst)
			noTemps(t, dst)
		})
	}
}

func TestPanicBecomesFileError(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, entry{"s/a", 0o644}, entry{"s/b", 0o644})
	sum, err := cp.Copy(context.Background(), []string{filepath.Join(dir, "s")}, filepath.Join(dir, "d"),
		cp.WithOpen(func(name string) (io.ReadCloser, error) {
			if filepath.Base(name) == "a" {
				panic("boom")
			}
			return os.Open(name)
		}))
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("got error %v; want a *task.PanicError with value boom and a stack", err)
	}
	if sum.Files != 1 || sum.Failed != 1 {
		t.Errorf("got %+v; want 1 copied, 1 failed", sum)
	}
}

func TestFileErrorMessage(t *testing.T) {
	tests := []struct {
		err  *cp.FileError
		want string
	}{
		{&cp.FileError{"open", "a", "", fs.ErrPermission}, "cp: open a: permission denied"},
		{&cp.FileError{"copy", "a", "b", cp.ErrSameFile}, "cp: copy a -> b: source and destination are the same file"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
	}
}

func TestOnItemPanics(t *testing.T) {
	dir := t.TempDir()
	var es []entry
	for i := range 40 {
		es = append(es, entry{fmt.Sprintf("s/%02d", i), 0o644})
	}
	build(t, dir, es...)
	calls := 0
	_, err := cp.Copy(context.Background(), []string{filepath.Join(dir, "s")}, filepath.Join(dir, "d"), cp.Jobs(3),
		cp.OnItem(func(cp.Result) {
			calls++
			panic("callback")
		}))
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "callback" {
		t.Fatalf("got error %v; want a *task.PanicError with value callback", err)
	}
	if calls != 1 {
		t.Errorf("OnItem called %d times; want 1 (not again after its panic)", calls)
	}
	noTemps(t, filepath.Join(dir, "d"))
}

// A huge Jobs starts a worker per batch of files, not Jobs of them: it
// copies a small tree as any other value does.
func TestHugeJobs(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	build(t, src, sample...)
	sum, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(math.MaxInt))
	if err != nil {
		t.Fatalf("got error %v; want nil", err)
	}
	t.Cleanup(func() { chmodAll(dst) })
	if sum.Files != 8 || sum.Failed != 0 {
		t.Errorf("got summary %+v; want 8 files, none failed", sum)
	}
	same(t, src, dst)
}
