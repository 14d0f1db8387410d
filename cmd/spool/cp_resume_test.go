package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestCpInterruptedSaysHowToFinish: the message of an interrupted spool cp
// ends with how to finish the copy, and that way does finish it: the tree
// whole, with its modes, and not nested in the partial copy. The message
// used to end with the signal, and the docs said to run the same copy
// again, which for a tree copied to a new name copies it into the partial
// copy (DST/photos) and leaves DST with mode 0700.
func TestCpInterruptedSaysHowToFinish(t *testing.T) {
	tests := []struct {
		name     string
		dstName  string // under the test's directory
		into     bool   // DST exists: the tree is copied into it
		wantHint string // SRC and DST stand for the paths
		resume   func(src, dst string) []string
	}{
		{"to a new name", "backup", false, "; to finish, copy its contents: spool cp SRC/. DST",
			func(src, dst string) []string { return []string{src + "/.", dst} }},
		{"to a new name with a space", "my backup", false, "; to finish, copy its contents: spool cp SRC/. 'DST'",
			func(src, dst string) []string { return []string{src + "/.", dst} }},
		{"into an existing directory", "backup", true, "; to finish, run the same command again",
			func(src, dst string) []string { return []string{src, dst} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "photos"), filepath.Join(dir, tt.dstName)
			for d := range 3 {
				sub := filepath.Join(src, fmt.Sprint("d", d))
				if err := os.MkdirAll(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				for f := range 10 {
					if err := os.WriteFile(filepath.Join(sub, fmt.Sprint("f", f)), []byte(sub), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			copyTo := dst
			if tt.into {
				if err := os.Mkdir(dst, 0o755); err != nil {
					t.Fatal(err)
				}
				copyTo = filepath.Join(dst, "photos")
			}
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			n := 0
			interrupt := cp.OnItem(func(cp.Result) {
				if n++; n == 12 {
					cancel(errors.New("interrupt signal received"))
				}
			})
			err := cpResult(ctx, []string{src}, dst, []cp.Option{cp.Jobs(1), interrupt})
			want := strings.NewReplacer("SRC", src, "DST", dst).Replace(tt.wantHint)
			if err == nil || !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("interrupted copy: got error %v; want it to end with %q", err, want)
			}

			var out bytes.Buffer
			args := append([]string{"cp"}, tt.resume(src, dst)...)
			if err := run(context.Background(), &out, &out, args...); err != nil {
				t.Fatalf("spool %q: got error %v (output %q); want nil", args, err, out.String())
			}
			err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(src, p)
				wi, _ := os.Lstat(p)
				gi, err := os.Lstat(filepath.Join(copyTo, rel))
				if err != nil {
					t.Errorf("%s: %v", rel, err)
					return nil
				}
				if gi.Mode() != wi.Mode() {
					t.Errorf("%s: got mode %v; want %v", rel, gi.Mode(), wi.Mode())
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(filepath.Join(copyTo, "photos")); !os.IsNotExist(err) {
				t.Errorf("Lstat(%s/photos) = %v; want it missing: the resume nested the tree in the partial copy", copyTo, err)
			}
		})
	}
}
