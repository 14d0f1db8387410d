package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestCpMeasure: cpMeasure, the walk that sizes spool cp's progress bar on
// a terminal, counts the regular files and their bytes, and stops when ctx
// is done. It used to ignore ctx: Ctrl-C during it was heard only once it
// had walked every source, minutes on a big tree.
func TestCpMeasure(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint("f", i)), []byte("abc"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name             string
		ctx              context.Context
		wantFiles, wantB int64
	}{
		{"live", context.Background(), 10, 30},
		{"done", done, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, size := cpMeasure(tt.ctx, []string{dir, dir})
			if files != tt.wantFiles || size != tt.wantB {
				t.Errorf("cpMeasure = %d files, %d bytes; want %d, %d", files, size, tt.wantFiles, tt.wantB)
			}
		})
	}
}
