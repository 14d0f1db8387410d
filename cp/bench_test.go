package cp_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spool-go/spool/cp"
)

// benchTree makes 100 files of 4 KB in two directories.
func benchTree(b *testing.B) string {
	src := filepath.Join(b.TempDir(), "src")
	buf := make([]byte, 4096)
	for i := range 100 {
		d := filepath.Join(src, fmt.Sprint(i%2))
		os.MkdirAll(d, 0o755)
		if err := os.WriteFile(filepath.Join(d, fmt.Sprint(i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return src
}

// BenchmarkCopy copies the tree with 4 jobs; one op is one file.
func BenchmarkCopy(b *testing.B) {
	src := benchTree(b)
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dst := filepath.Join(dir, fmt.Sprint(i))
		i++
		if _, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(4)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/file")
}

// BenchmarkPlain copies the same tree with 4 goroutines doing open,
// create, io.Copy, close: no temporary name, no mode, no times. The
// difference is what Copy's guarantees cost per file.
func BenchmarkPlain(b *testing.B) {
	src := benchTree(b)
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dst := filepath.Join(dir, fmt.Sprint(i))
		i++
		ch := make(chan [2]string)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for p := range ch {
					in, err := os.Open(p[0])
					if err != nil {
						b.Error(err)
						continue
					}
					out, err := os.Create(p[1])
					if err != nil {
						b.Error(err)
						in.Close()
						continue
					}
					io.Copy(out, in)
					in.Close()
					out.Close()
				}
			})
		}
		filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			rel, _ := filepath.Rel(src, p)
			if d.IsDir() {
				return os.Mkdir(filepath.Join(dst, rel), 0o755)
			}
			ch <- [2]string{p, filepath.Join(dst, rel)}
			return nil
		})
		close(ch)
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/file")
}
