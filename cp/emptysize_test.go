package cp_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestFileThatSaysItIsEmpty: a file whose size is 0 is read to its end,
// since it may not be empty: files of /proc and /sys report 0 and have
// content. They were copied empty and reported copied, Verify passing.
func TestFileThatSaysItIsEmpty(t *testing.T) {
	proc, _ := os.ReadFile("/proc/version")
	tests := []struct {
		name    string
		src     string // "" for a file of size 0 made here
		content string // what opening it gives ("" for the file itself)
		want    string
	}{
		{"empty", "", "", ""},
		{"size 0, with content", "", "hello, world\n", "hello, world\n"},
		{"/proc/version", "/proc/version", "", string(proc)},
	}
	for _, tt := range tests {
		for _, verify := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "", true: "/verify"}[verify], func(t *testing.T) {
				src := tt.src
				if src == "" {
					src = filepath.Join(t.TempDir(), "src")
					if err := os.WriteFile(src, nil, 0o644); err != nil {
						t.Fatal(err)
					}
				} else if len(proc) == 0 {
					t.Skip("no /proc/version here")
				}
				opts := []cp.Option{cp.Verify(verify)}
				if tt.content != "" {
					opts = append(opts, cp.WithOpen(func(string) (io.ReadCloser, error) {
						return io.NopCloser(strings.NewReader(tt.content)), nil
					}))
				}
				dst := filepath.Join(t.TempDir(), "dst")
				sum, err := cp.Copy(context.Background(), []string{src}, dst, opts...)
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want || sum.Bytes != int64(len(tt.want)) || sum.Files != 1 {
					t.Errorf("copy has %q, summary %+v; want %q, %d bytes in 1 file", got, sum, tt.want, len(tt.want))
				}
			})
		}
	}
}
