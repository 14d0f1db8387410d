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
	"testing"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// TestMutOnItemNotCalledAfterPanic: once OnItem has panicked, it is not
// called again, even for an item that another worker fails afterwards.
// Two files go to two workers; b's open waits until OnItem has been
// called for a (whose open fails at once), then fails too.
func TestMutOnItemNotCalledAfterPanic(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(src, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bEntered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	open := cp.WithOpen(func(name string) (io.ReadCloser, error) {
		switch filepath.Base(name) {
		case "a":
			<-bEntered
			return nil, errors.New("a: unreadable")
		default:
			close(bEntered)
			<-release
			return nil, errors.New("b: unreadable")
		}
	})
	var mu sync.Mutex
	var calls []string
	onItem := cp.OnItem(func(r cp.Result) {
		mu.Lock()
		calls = append(calls, r.Src)
		mu.Unlock()
		if filepath.Base(r.Src) == "a" {
			once.Do(func() { close(release) })
			panic("OnItem bug")
		}
	})
	_, err := cp.Copy(context.Background(), []string{src + "/."}, dst, cp.Jobs(2), open, onItem)
	if _, ok := errors.AsType[*task.PanicError](err); !ok {
		t.Errorf("Copy = %v; want an error holding a *task.PanicError", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 {
		t.Errorf("OnItem called for %q; want once, for a, and not again after it panicked", calls)
	}
}

// TestMutDoneCtxCopiesNothing: with ctx done before Copy starts, no
// source is reached: nothing is made under dst, and the error matches
// ctx's.
func TestMutDoneCtxCopiesNothing(t *testing.T) {
	tests := []struct {
		name string
		srcs []string // under the source root; a trailing "/" makes a directory
	}{
		{"one dir", []string{"d/"}},
		{"file then dir", []string{"f", "d/"}},
		{"dir then dir", []string{"d/", "e/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, dst := t.TempDir(), t.TempDir()
			var srcs []string
			for _, s := range tt.srcs {
				p := filepath.Join(root, strings.TrimSuffix(s, "/"))
				if strings.HasSuffix(s, "/") {
					if err := os.MkdirAll(filepath.Join(p, "sub"), 0o755); err != nil {
						t.Fatal(err)
					}
					p2 := filepath.Join(p, "x")
					if err := os.WriteFile(p2, []byte("x"), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(p, []byte("f"), 0o644); err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, p)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			sum, err := cp.Copy(ctx, srcs, dst)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Copy = %v; want an error matching context.Canceled", err)
			}
			if sum != (cp.Summary{}) {
				t.Errorf("got summary %+v; want nothing done", sum)
			}
			var made []string
			filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
				if p != dst {
					made = append(made, p)
				}
				return nil
			})
			if len(made) != 0 {
				t.Errorf("got %q made under dst; want nothing", made)
			}
		})
	}
}

// TestMutLinkOverDirIsTypeClash: a symbolic link whose destination is an
// existing directory fails with ErrTypeClash, and the directory stays.
func TestMutLinkOverDirIsTypeClash(t *testing.T) {
	tests := []struct {
		name     string
		dirEntry string // "" for an empty directory
	}{
		{"empty dir", ""},
		{"full dir", "keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			link := filepath.Join(src, "l")
			if err := os.Symlink("target", link); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dst, "l"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.dirEntry != "" {
				os.WriteFile(filepath.Join(dst, "l", tt.dirEntry), nil, 0o644)
			}
			sum, err := cp.Copy(context.Background(), []string{link}, dst)
			if !errors.Is(err, cp.ErrTypeClash) {
				t.Errorf("Copy = %v; want an error matching ErrTypeClash", err)
			}
			if sum.Failed != 1 || sum.Links != 0 {
				t.Errorf("got summary %+v; want 1 failed, no link", sum)
			}
			if st, err := os.Lstat(filepath.Join(dst, "l")); err != nil || !st.IsDir() {
				t.Errorf("destination: got %v, %v; want the directory kept", st, err)
			}
			ents, _ := os.ReadDir(dst)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".spool-cp-") {
					t.Errorf("got temporary %s left in dst", e.Name())
				}
			}
		})
	}
}

// TestMutContentsIntoParent: "a/b/." copied into a, b's parent, is no
// copy into itself: b's entries land in a, as cp -r a/b/. a does.
func TestMutContentsIntoParent(t *testing.T) {
	a := t.TempDir()
	b := filepath.Join(a, "b")
	if err := os.Mkdir(b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(b, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
	}{
		{"b/.", b + "/."},
		{"b/sub/..", b + "/sub/.."}, // b again, spelt through a subdirectory
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(filepath.Join(a, "x"))
			if _, err := cp.Copy(context.Background(), []string{tt.src}, a); err != nil {
				t.Fatalf("Copy(%s, %s) = %v; want nil", tt.src, a, err)
			}
			if got, err := os.ReadFile(filepath.Join(a, "x")); err != nil || string(got) != "x" {
				t.Errorf("a/x: got %q, %v; want %q", got, err, "x")
			}
		})
	}
}
