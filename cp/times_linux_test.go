// 32-bit platforms keep times in 32 bits: 2300 does not fit there.

//go:build !386 && !arm && !mips && !mipsle

package cp_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/cp"
)

// TestTimesOutsideUnixNano checks that modification times UnixNano cannot
// hold (after 2262, before 1678) are copied exactly, for files and
// directories: 2300-01-01 came out as 1901-12-13. (On Linux: elsewhere the
// copy sets them with os.Chtimes, which overflows, as os.Chtimes would here
// in setting the source's: syscall.UtimesNano sets them.)
func TestTimesOutsideUnixNano(t *testing.T) {
	for _, when := range []time.Time{
		time.Date(2300, 1, 1, 0, 0, 0, 123456789, time.UTC),
		time.Date(2020, 5, 6, 7, 8, 9, 987654321, time.UTC),
	} {
		dir := t.TempDir()
		src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
		if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(src, "sub", "f")
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{f, filepath.Join(src, "sub")} {
			ts := syscall.Timespec{Sec: when.Unix(), Nsec: int64(when.Nanosecond())}
			if err := syscall.UtimesNano(p, []syscall.Timespec{ts, ts}); err != nil {
				t.Fatal(err)
			}
		}
		got0, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if !got0.ModTime().Equal(when) {
			t.Skipf("the file system keeps %v as %v", when, got0.ModTime())
		}
		if _, err := cp.Copy(context.Background(), []string{src}, dst); err != nil {
			t.Fatal(err)
		}
		for _, rel := range []string{"sub", "sub/f"} {
			fi, err := os.Stat(filepath.Join(dst, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !fi.ModTime().Equal(when) {
				t.Errorf("%s: got mtime %v; want %v", rel, fi.ModTime().UTC(), when)
			}
		}
	}
}
