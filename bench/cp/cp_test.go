//go:build unix

// Package cp times `spool cp` against `cp -r` on the same tree (on Unix,
// where cp is).
//
// The default `go test` run copies a small tree (200 files of 4 KB) with
// both tools, once each, and checks the copies: it proves the harness
// works without taking long. The comparison, 2,000 files of 64 KB,
// seven repetitions each, medians reported:
//
//	./run.sh                 # same as: go test -run TestCompare -count=1 -v . -full
//
// BenchmarkCopy measures the library alone (no process start):
//
//	go test -run '^$' -bench Copy -benchmem -count 6 .
package cp

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/internal/stats"
)

var (
	full     = flag.Bool("full", false, "run the issue's comparison: 2,000 files of 64 KB, 7 repetitions")
	files    = flag.Int("files", 0, "files in the tree (default 200, or 2000 with -full)")
	size     = flag.Int("size", 0, "bytes per file (default 4096, or 65536 with -full)")
	reps     = flag.Int("reps", 0, "repetitions of each tool (default 1, or 7 with -full)")
	jobs     = flag.Int("jobs", cp.DefaultJobs, "spool cp --jobs")
	spoolBin = flag.String("spool", "", "spool binary to run (default: build ../../cmd/spool)")
	treeDir  = flag.String("dir", "", "where to build the tree and copies (default: the test's temp dir; try /dev/shm for tmpfs)")
)

// makeTree writes n files of size bytes under root, 100 to a directory.
func makeTree(tb testing.TB, root string, n, size int) {
	tb.Helper()
	buf := make([]byte, size)
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				tb.Fatal(err)
			}
		}
		for j := range buf {
			buf[j] = byte(i + j)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.bin", i)), buf, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// buildSpool builds the spool command from the root module, unless -spool
// names a binary.
func buildSpool(tb testing.TB) string {
	tb.Helper()
	if *spoolBin != "" {
		return *spoolBin
	}
	bin := filepath.Join(tb.TempDir(), "spool")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/spool")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestCompare(t *testing.T) {
	n, sz, r := pick(*files, 200, 2000), pick(*size, 4096, 65536), pick(*reps, 1, 7)
	if _, err := exec.LookPath("cp"); err != nil {
		t.Skip("no cp(1) on this machine")
	}
	bin := buildSpool(t)
	dir := workDir(t)
	src := filepath.Join(dir, "src")
	makeTree(t, src, n, sz)
	tools := []struct {
		name string
		argv func(dst string) []string
	}{
		{"cp -r", func(dst string) []string { return []string{"cp", "-r", src, dst} }},
		{"cp -a", func(dst string) []string { return []string{"cp", "-a", src, dst} }},
		{fmt.Sprintf("spool cp --jobs %d", *jobs), func(dst string) []string {
			return []string{bin, "cp", "--jobs", fmt.Sprint(*jobs), src, dst}
		}},
	}
	times := make([][]float64, len(tools))
	cpu := make([][]float64, len(tools)) // user+sys of the copying process
	for rep := range r {
		for i, tool := range tools { // interleaved, so drift hits all alike
			dst := filepath.Join(dir, fmt.Sprintf("dst%d-%d", i, rep))
			argv := tool.argv(dst)
			syscall.Sync() // start each run with no dirty pages left by the last
			start := time.Now()
			cmd := exec.Command(argv[0], argv[1:]...)
			out, err := cmd.CombinedOutput()
			times[i] = append(times[i], time.Since(start).Seconds()*1e3)
			if cmd.ProcessState != nil {
				cpu[i] = append(cpu[i], (cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()).Seconds()*1e3)
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", tool.name, err, out)
			}
			if rep == 0 {
				sameTree(t, src, dst)
			}
			if err := os.RemoveAll(dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d files of %d bytes in %s, %d repetitions, in ms:", n, sz, dir, r)
	for i, tool := range tools {
		s, c := stats.Summarize(times[i]), stats.Summarize(cpu[i])
		t.Logf("  %-20s wall median %7.1f  min %7.1f  max %7.1f   cpu (user+sys) median %7.1f",
			tool.name, s.Median, s.Min, s.Max, c.Median)
	}
	base, ours := stats.Summarize(times[0]).Median, stats.Summarize(times[2]).Median
	t.Logf("spool cp / cp -r = %.2f (target <= 1.00)", ours/base)
}

// workDir returns a directory for trees and copies: the test's temp dir,
// or a new one under -dir, removed at the end.
func workDir(tb testing.TB) string {
	if *treeDir == "" {
		return tb.TempDir()
	}
	dir, err := os.MkdirTemp(*treeDir, "bench-cp-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func pick(flagV, small, big int) int {
	switch {
	case flagV > 0:
		return flagV
	case *full:
		return big
	}
	return small
}

// sameTree fails t unless every file under want has an equal copy under got.
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	var count int
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		wb, _ := os.ReadFile(p)
		gb, err := os.ReadFile(filepath.Join(got, filepath.Base(want), rel))
		if err != nil {
			// cp -r and spool cp to a missing dst make dst itself the copy.
			gb, err = os.ReadFile(filepath.Join(got, rel))
		}
		if err != nil || !bytes.Equal(gb, wb) {
			t.Errorf("%s: copy differs or is missing (%v)", rel, err)
		}
		count++
		return nil
	})
	if err != nil || count == 0 {
		t.Fatalf("walked %d files: %v", count, err)
	}
}

// BenchmarkCopy copies a tree of 2,000 files of 64 KB with the library,
// at a few job counts.
func BenchmarkCopy(b *testing.B) {
	src := filepath.Join(workDir(b), "src")
	makeTree(b, src, 2000, 64<<10)
	for _, j := range []int{1, 2, 4, 8, 16} {
		b.Run(fmt.Sprint("jobs=", j), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(2000 * 64 << 10)
			dir := workDir(b)
			i := 0
			for b.Loop() {
				dst := filepath.Join(dir, fmt.Sprint(i))
				i++
				if _, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(j)); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				syscall.Sync()
				b.StartTimer()
			}
		})
	}
}
