package cp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spool-go/spool/cp"
)

// TestAuditNilOption: a nil Option is bad usage, refused with an error
// before anything is copied. It used to panic with a nil dereference.
func TestAuditNilOption(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "s"), filepath.Join(dir, "d")
	build(t, src, entry{"a", 0o644})
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Copy panicked: %v; want an error", r)
			}
		}()
		_, err = cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(2), nil)
	}()
	if err == nil || !strings.Contains(err.Error(), "option must not be nil") {
		t.Errorf("got error %v; want one about a nil Option", err)
	}
	if _, err := os.Lstat(dst); !os.IsNotExist(err) {
		t.Errorf("destination made (%v); want nothing copied", err)
	}
}
