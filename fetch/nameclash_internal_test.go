package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestNameClash: two different URLs of one run never write one file.
// With FileName forced to give them one name (a 96-bit hash clash, out of
// reach of a search), the later URL fails with ErrNameClash, naming the
// name and the earlier URL's index, without a request, and the earlier
// URL's body stays in the file. Both used to be reported saved, with the
// same Path, the second body silently replacing the first.
func TestNameClash(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte("body of " + r.URL.Path))
	}))
	defer srv.Close()
	// names maps a URL's path to its forced name.
	tests := []struct {
		name      string
		paths     []string
		names     map[string]string
		dir       bool
		wantClash map[int]string // index -> the error wanted
		wantFile  map[string]string
		wantReqs  int64
	}{
		{"two URLs, one name", []string{"/a", "/b"}, map[string]string{"/a": "same", "/b": "same"}, true,
			map[int]string{1: "fetch: file name clash: same is the name of the URL at index 0"},
			map[string]string{"same": "body of /a"}, 1},
		{"the third takes the first's", []string{"/a", "/b", "/c"}, map[string]string{"/a": "x", "/b": "y", "/c": "x"}, true,
			map[int]string{2: "fetch: file name clash: x is the name of the URL at index 0"},
			map[string]string{"x": "body of /a", "y": "body of /b"}, 2},
		{"a duplicate is a duplicate", []string{"/a", "/a"}, map[string]string{"/a": "same"}, true,
			map[int]string{1: "fetch: duplicate URL (first at index 0)"},
			map[string]string{"same": "body of /a"}, 1},
		{"no Dir, no file to clash over", []string{"/a", "/b"}, map[string]string{"/a": "same", "/b": "same"}, false,
			nil, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			dir := t.TempDir()
			forced := Option(func(c *config) {
				c.fileName = func(u string) string { return tt.names[strings.TrimPrefix(u, srv.URL)] }
			})
			opts := []Option{forced, Concurrency(1), Ordered(), Retries(0)}
			if tt.dir {
				opts = append(opts, Dir(dir))
			}
			var urls []string
			for _, p := range tt.paths {
				urls = append(urls, srv.URL+p)
			}
			n := 0
			for r := range Run(context.Background(), slices.Values(urls), opts...) {
				n++
				want, clash := tt.wantClash[r.Index]
				switch {
				case !clash && r.Err != nil:
					t.Errorf("URL %d (%s): got error %v; want none", r.Index, r.URL, r.Err)
				case clash && (r.Err == nil || r.Err.Error() != want):
					t.Errorf("URL %d (%s): got error %v; want %q", r.Index, r.URL, r.Err, want)
				case clash && strings.Contains(want, "clash") && (!errors.Is(r.Err, ErrNameClash) || r.Attempts != 0 || r.Path != ""):
					t.Errorf("URL %d: got error %v, %d attempts, Path %q; want ErrNameClash, no attempt, no Path", r.Index, r.Err, r.Attempts, r.Path)
				}
			}
			if n != len(urls) {
				t.Errorf("got %d results; want %d", n, len(urls))
			}
			if got := requests.Load(); got != tt.wantReqs {
				t.Errorf("got %d requests; want %d", got, tt.wantReqs)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != len(tt.wantFile) {
				t.Errorf("got %d files in Dir; want %d", len(ents), len(tt.wantFile))
			}
			for name, want := range tt.wantFile {
				if got, err := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
					t.Errorf("file %s: got %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
}
