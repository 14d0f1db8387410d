package cp_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
)

// targetCase is a Copy of raw sources (joined to the test's directory
// with a plain "/", not filepath.Join, which would clean "s/." to "s").
type targetCase struct {
	name       string
	setup      []entry
	srcs       []string // relative to dir, as given on a command line
	dst        string
	wantErr    error             // errors.Is; nil for none
	wantFailed int64             // Summary.Failed
	wantMsg    []string          // in the error, with DIR for dir
	check      map[string]string // as in TestCopySemantics
}

func runTargetCases(t *testing.T, tests []targetCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			build(t, dir, tt.setup...)
			srcs := make([]string, len(tt.srcs))
			for i, s := range tt.srcs {
				srcs[i] = dir + "/" + s
			}
			var told []cp.Result
			sum, err := cp.Copy(context.Background(), srcs, filepath.Join(dir, tt.dst), cp.Jobs(4),
				cp.OnItem(func(r cp.Result) {
					if r.Err != nil {
						told = append(told, r)
					}
				}))
			t.Cleanup(func() { chmodAll(dir) })
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v; want %v", err, tt.wantErr)
			}
			if sum.Failed != tt.wantFailed || int64(len(told)) != tt.wantFailed {
				t.Errorf("got %d failed (%d told to OnItem: %v); want %d", sum.Failed, len(told), told, tt.wantFailed)
			}
			for _, m := range tt.wantMsg {
				if m = strings.ReplaceAll(m, "DIR", dir); !strings.Contains(fmt.Sprint(err), m) {
					t.Errorf("got error %q; want it to contain %q", err, m)
				}
			}
			checkPaths(t, dir, tt.check)
			noTemps(t, dir)
		})
	}
}

// checkPaths checks paths under dir as TestCopySemantics does: "" must not
// exist, "DIR" is a directory, "->x" a link to x, anything else a prefix
// of the file's content.
func checkPaths(t *testing.T, dir string, check map[string]string) {
	t.Helper()
	for p, want := range check {
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
}

// treeOf makes n files under root, each holding its own path.
func treeOf(root string, n int) []entry {
	es := make([]entry, n)
	for i := range es {
		es[i] = entry{fmt.Sprintf("%s/%02d", root, i), 0o644}
	}
	return es
}

// Regression: two sources with one base name raced into one target (a
// random one of two files, or a mix of two trees) and Copy said nil.
func TestSameTarget(t *testing.T) {
	trees := append(append(treeOf("o1/data", 40), treeOf("o2/data", 40)...), entry{"t/", 0o755})
	treeCheck := map[string]string{}
	for i := range 40 {
		treeCheck[fmt.Sprintf("t/data/%02d", i)] = fmt.Sprintf("o1/data/%02d", i)
	}
	runTargetCases(t, []targetCase{
		{
			name:  "two files, one base name",
			setup: []entry{{"A/f", 0o644}, {"B/f", 0o644}, {"d/", 0o755}},
			srcs:  []string{"A/f", "B/f"}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"cp: copy DIR/B/f -> DIR/d/f: will not overwrite the copy of an earlier source, DIR/A/f"},
			check:   map[string]string{"d/f": "A/f"},
		},
		{
			name:    "two trees, one base name",
			setup:   trees,
			srcs:    []string{"o1/data", "o2/data"},
			dst:     "t",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"copy DIR/o2/data -> DIR/t/data: will not overwrite the copy of an earlier source, DIR/o1/data"},
			check:   treeCheck,
		},
		{
			name:  "the others still copy",
			setup: []entry{{"A/f", 0o644}, {"B/f", 0o644}, {"C/g", 0o644}, {"C/s/x", 0o644}, {"d/", 0o755}},
			srcs:  []string{"A/f", "B/f", "C/g", "C/s"}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			check: map[string]string{"d/f": "A/f", "d/g": "C/g", "d/s/x": "C/s/x"},
		},
		{
			name:  "a source given twice",
			setup: []entry{{"A/f", 0o644}, {"d/", 0o755}},
			srcs:  []string{"A/f", "A/f"}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"copy DIR/A/f -> DIR/d/f: will not overwrite the copy of an earlier source, DIR/A/f (the same source, given twice)"},
			check:   map[string]string{"d/f": "A/f"},
		},
		{
			name:  "one base name after Clean",
			setup: []entry{{"a/f", 0o644}, {"b/f", 0o644}, {"d/", 0o755}},
			srcs:  []string{"a/f", "./a/../b/f"}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"copy DIR/./a/../b/f -> DIR/d/f: will not overwrite the copy of an earlier source, DIR/a/f"},
			check:   map[string]string{"d/f": "a/f"},
		},
		{
			name:  "an entry of DIR/. after a source of its name",
			setup: []entry{{"o/x", 0o644}, {"s/x", 0o644}, {"s/y", 0o644}, {"d/", 0o755}},
			srcs:  []string{"o/x", "s/."}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"copy DIR/s/x -> DIR/d/x: will not overwrite the copy of an earlier source, DIR/o/x"},
			check:   map[string]string{"d/x": "o/x", "d/y": "s/y"},
		},
		{
			name:  "a source after an entry of DIR/. of its name",
			setup: []entry{{"o/x/", 0o755}, {"o/x/1", 0o644}, {"s/x/", 0o755}, {"s/x/2", 0o644}, {"d/", 0o755}},
			srcs:  []string{"s/.", "o/x"}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"copy DIR/o/x -> DIR/d/x: will not overwrite the copy of an earlier source, DIR/s/x"},
			check:   map[string]string{"d/x/2": "s/x/2", "d/x/1": ""},
		},
		{
			name:  "DIR/. given twice fails once",
			setup: []entry{{"s/x", 0o644}, {"s/y", 0o644}, {"d/", 0o755}},
			srcs:  []string{"s/.", "s/."}, dst: "d",
			wantErr: cp.ErrSameTarget, wantFailed: 1,
			wantMsg: []string{"(the same source, given twice)"},
			check:   map[string]string{"d/x": "s/x", "d/y": "s/y"},
		},
		{
			name:  "two DIR/. with other entries merge",
			setup: []entry{{"s/x", 0o644}, {"u/y", 0o644}, {"d/", 0o755}},
			srcs:  []string{"s/.", "u/."}, dst: "d",
			check: map[string]string{"d/x": "s/x", "d/y": "u/y", "d/s": "", "d/u": ""},
		},
		{
			name:  "other base names are no clash",
			setup: []entry{{"A/f", 0o644}, {"A/g", 0o644}, {"d/", 0o755}},
			srcs:  []string{"A/f", "A/g"}, dst: "d",
			check: map[string]string{"d/f": "A/f", "d/g": "A/g"},
		},
	})
}

// Regression: "src/." copied src into dst/src, not its contents into dst
// as cp -r does, and a source ending in ".." was copied into dst's parent.
func TestContentsSource(t *testing.T) {
	runTargetCases(t, []targetCase{
		{
			name:  "DIR/. into a directory",
			setup: []entry{{"s/x", 0o644}, {"s/sub/y", 0o600}, {"d/", 0o755}},
			srcs:  []string{"s/."}, dst: "d",
			check: map[string]string{"d/x": "s/x", "d/sub/y": "s/sub/y", "d/s": ""},
		},
		{
			name:  "DIR/./ into a directory",
			setup: []entry{{"s/x", 0o644}, {"d/", 0o755}},
			srcs:  []string{"s/./"}, dst: "d",
			check: map[string]string{"d/x": "s/x", "d/s": ""},
		},
		{
			name:  "DIR/. to a new name",
			setup: []entry{{"s/x", 0o644}},
			srcs:  []string{"s/."}, dst: "n",
			check: map[string]string{"n/x": "s/x", "n/s": ""},
		},
		{
			name:  "DIR/. among other sources",
			setup: []entry{{"s/x", 0o644}, {"f", 0o644}, {"d/", 0o755}},
			srcs:  []string{"f", "s/."}, dst: "d",
			check: map[string]string{"d/x": "s/x", "d/f": "f", "d/s": ""},
		},
		{
			name:  "a path ending in .. stays in the destination",
			setup: []entry{{"p/in/", 0o755}, {"p/pf", 0o644}, {"other/d/", 0o755}},
			srcs:  []string{"p/in/.."}, dst: "other/d",
			check: map[string]string{"other/d/pf": "p/pf", "other/d/in": "DIR", "other/pf": "", "other/in": ""},
		},
		{
			name:  "DIR/. into itself",
			setup: []entry{{"s/x", 0o644}},
			srcs:  []string{"s/."}, dst: "s",
			wantErr: cp.ErrIntoItself, wantFailed: 1,
			check: map[string]string{"s/s": "", "s/x": "s/x"},
		},
		{
			name:  "DIR/. into its own child",
			setup: []entry{{"s/x", 0o644}, {"s/sub/", 0o755}},
			srcs:  []string{"s/."}, dst: "s/sub",
			wantErr: cp.ErrIntoItself, wantFailed: 1,
			check: map[string]string{"s/sub/x": ""},
		},
		{
			name:  "DIR/sub/.. into sub",
			setup: []entry{{"s/x", 0o644}, {"s/sub/", 0o755}},
			srcs:  []string{"s/sub/.."}, dst: "s/sub",
			wantErr: cp.ErrIntoItself, wantFailed: 1,
			check: map[string]string{"s/sub/x": "", "s/sub/sub": ""},
		},
	})
	// "/" is a directory everything lies in: refused at once, not walked.
	dir := t.TempDir()
	sum, err := cp.Copy(context.Background(), []string{"/"}, dir)
	if !errors.Is(err, cp.ErrIntoItself) || sum != (cp.Summary{Failed: 1}) {
		t.Errorf("copy / into a directory: got %+v, %v; want 1 failed with %v", sum, err, cp.ErrIntoItself)
	}
}

// A file onto itself, or onto a hard link to it, is refused, not
// truncated (this held before the same-target check; kept as a guard).
func TestSameFileGuards(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, entry{"d/f", 0o644})
	if err := os.Link(filepath.Join(dir, "d/f"), filepath.Join(dir, "h")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ src, dst string }{
		{"d/f", "d/f"},
		{"d/f", "d"},
		{"d/f", "h"},
		{"d/../d/f", "d/./f"},
	} {
		_, err := cp.Copy(context.Background(), []string{dir + "/" + tc.src}, dir+"/"+tc.dst)
		if !errors.Is(err, cp.ErrSameFile) {
			t.Errorf("copy %s to %s: got %v; want %v", tc.src, tc.dst, err, cp.ErrSameFile)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "d/f")); !strings.HasPrefix(string(b), "d/f") {
			t.Errorf("copy %s to %s: d/f now holds %.20q; want it untouched", tc.src, tc.dst, b)
		}
	}
}

// The destination of "DIR/." sources takes the first one's mode and time
// (as a merged directory takes its source's), once.
func TestContentsModeFromFirst(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, entry{"s/", 0o750}, entry{"s/sub/", 0o755}, entry{"s/sub/x", 0o644},
		entry{"u/", 0o711}, entry{"u/y", 0o644}, entry{"d/", 0o755})
	var dirs []string
	sum, err := cp.Copy(context.Background(), []string{dir + "/s/.", dir + "/u/."}, dir+"/d",
		cp.OnItem(func(r cp.Result) {
			if r.Type.IsDir() {
				dirs = append(dirs, r.Src)
			}
		}))
	t.Cleanup(func() { chmodAll(dir) })
	if err != nil || sum.Failed != 0 {
		t.Fatalf("got %+v, %v; want no error", sum, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o750); got != want {
		t.Errorf("got d's mode %v; want s's, %v", got, want)
	}
	if want := mtime.Add(time.Hour); !fi.ModTime().Equal(want) {
		t.Errorf("got d's time %v; want s's, %v", fi.ModTime(), want)
	}
	if want := []string{dir + "/s/sub", dir + "/s/."}; !slices.Equal(dirs, want) {
		t.Errorf("got directories %q told; want %q", dirs, want)
	}
}
