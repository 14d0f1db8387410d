package cp_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestResumeAfterInterrupt runs the resume the package doc gives for an
// interrupted copy and checks that it finishes the job: the tree whole,
// with the source's modes and times (the destination's too), and nothing
// nested. The doc used to say to run "the same copy again", which, for a
// directory copied to a new name, copies it into the partial copy
// (backup/photos) and leaves backup itself partial, with mode 0700.
func TestResumeAfterInterrupt(t *testing.T) {
	tests := []struct {
		name   string
		into   bool                           // dst is an existing directory, which receives photos
		resume func(src, dst string) []string // the sources of the second run
		copyTo func(dst string) string        // where the copy of photos lands
	}{
		{"to a new name: copy the contents, photos/.", false,
			func(src, _ string) []string { return []string{src + string(filepath.Separator) + "."} },
			func(dst string) string { return dst }},
		{"into an existing directory: the same copy", true,
			func(src, _ string) []string { return []string{src} },
			func(dst string) string { return filepath.Join(dst, "photos") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "photos"), filepath.Join(dir, "backup")
			es := []entry{{"ro/", 0o555}}
			for d := range 3 {
				es = append(es, entry{fmt.Sprintf("d%d/", d), 0o750})
				for f := range 10 {
					es = append(es, entry{fmt.Sprintf("d%d/f%d", d, f), 0o644})
				}
			}
			es = append(es, entry{"ro/f", 0o444})
			build(t, src, es...)
			if tt.into {
				if err := os.Mkdir(dst, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { chmodAll(dst) })

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			_, err := cp.Copy(ctx, []string{src}, dst, cp.Jobs(1), cp.OnItem(func(cp.Result) {
				if n++; n == 12 { // Ctrl-C, mid-tree
					cancel()
				}
			}))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: got error %v; want context.Canceled", err)
			}
			if _, err := cp.Copy(context.Background(), tt.resume(src, dst), dst); err != nil {
				t.Fatalf("resume: got error %v; want nil", err)
			}
			same(t, src, tt.copyTo(dst))
			if _, err := os.Lstat(filepath.Join(tt.copyTo(dst), "photos")); !os.IsNotExist(err) {
				t.Errorf("Lstat(%s/photos) = %v; want it missing: the resume nested the tree in the partial copy", tt.copyTo(dst), err)
			}
		})
	}
}
