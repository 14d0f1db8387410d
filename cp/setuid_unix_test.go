//go:build unix

package cp_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestSetuidKeptOnlyWithOwner: the copy keeps a setuid bit only if it has
// the source's owner, and a setgid bit only if it has the source's group,
// for files and directories. Run as root, a copy of another user's setuid
// program used to be a setuid-root program. Needs root, to own files as
// another user.
func TestSetuidKeptOnlyWithOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	const nobody = 65534
	for _, tt := range []struct {
		name     string
		dir      bool
		uid, gid int
		want     fs.FileMode // the copy's mode bits beyond the permissions
	}{
		{"file of another user and group", false, nobody, nobody, 0},
		{"file of root, another group", false, 0, nobody, fs.ModeSetuid},
		{"file of another user, root's group", false, nobody, 0, fs.ModeSetgid},
		{"file of root and its group", false, 0, 0, fs.ModeSetuid | fs.ModeSetgid},
		{"directory of another user and group", true, nobody, nobody, fs.ModeSetgid}, // setgid: inheritance, kept
		{"directory of root and its group", true, 0, 0, fs.ModeSetuid | fs.ModeSetgid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
			build(t, src, entry{"prog", 0o755}, entry{"sub/", 0o755})
			item := filepath.Join(src, "prog")
			if tt.dir {
				item = filepath.Join(src, "sub")
			}
			if err := os.Chown(item, tt.uid, tt.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(item, fs.ModeSetuid|fs.ModeSetgid|0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := cp.Copy(context.Background(), []string{src}, dst); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(filepath.Join(dst, filepath.Base(item)))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() &^ (fs.ModePerm | fs.ModeType); got != tt.want || fi.Mode().Perm() != 0o755 {
				t.Errorf("copy of a setuid, setgid %s: got mode %v; want %v", tt.name, fi.Mode(), tt.want|fi.Mode().Type()|0o755)
			}
		})
	}
}

// TestSetgidDirInSetgidParent: a setgid directory copied into a setgid
// parent of another group keeps its setgid bit, as cp -r does: the copy
// takes the parent's group, and the bit (which hands the group on) was
// dropped because that group is not the source's. Needs root, to give
// the directories other groups.
func TestSetgidDirInSetgidParent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	src, parent := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	for _, d := range []struct {
		path string
		gid  int
		mode fs.FileMode
	}{{src, 100, fs.ModeSetgid | 0o755}, {parent, 50, fs.ModeSetgid | 0o775}} {
		if err := os.Mkdir(d.path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d.path, 0, d.gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cp.Copy(context.Background(), []string{src}, filepath.Join(parent, "copy")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(parent, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode(), fs.ModeDir|fs.ModeSetgid|0o755; got != want {
		t.Errorf("got mode %v; want %v", got, want)
	}
}

// TestSetgidOfTheCopyKept: the setgid bit a directory of the copy has of
// its own, inherited from a setgid parent or on a shared directory merged
// into, is kept, as cp -r keeps it, though the source has none: it was
// cleared, and the tree stopped handing its group on. Needs root.
func TestSetgidOfTheCopyKept(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, tt := range []struct {
		name  string
		merge bool // copy src/. into the shared directory itself
		umask int  // around Copy
	}{
		{"new tree in a setgid parent", false, 0o022},
		{"merge into a setgid directory", true, 0o022},
		// mkdir's chmod 0700, for a umask that takes the owner's bits,
		// cleared the bit the parent gave, and the group below it.
		{"new tree in a setgid parent, umask 0277", false, 0o277},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, shared := filepath.Join(dir, "src"), filepath.Join(dir, "shared")
			build(t, src, entry{"sub/", 0o755}, entry{"sub/f", 0o644})
			if err := os.Chmod(src, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(shared, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(shared, 0, 50); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(shared, fs.ModeSetgid|0o775); err != nil {
				t.Fatal(err)
			}
			from, to, check := []string{src}, filepath.Join(shared, "copy"), []string{"copy", "copy/sub"}
			if tt.merge {
				from, to, check = []string{src + "/."}, shared, []string{".", "sub"}
			}
			old := syscall.Umask(tt.umask)
			_, err := cp.Copy(context.Background(), from, to)
			syscall.Umask(old)
			if err != nil {
				t.Fatal(err)
			}
			for _, rel := range check {
				fi, err := os.Lstat(filepath.Join(shared, rel))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode()&fs.ModeSetgid == 0 {
					t.Errorf("%s: got mode %v; want the setgid bit kept", rel, fi.Mode())
				}
			}
		})
	}
}
