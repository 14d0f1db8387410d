package cp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spool-go/spool/cp"
)

// The chapter's file_io: read input.txt, write output.txt. Copy does it
// through a temporary file renamed into place, so output.txt is never seen
// half written.
func Example_fileIO() {
	dir, err := os.MkdirTemp("", "file_io")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "input.txt"), filepath.Join(dir, "output.txt")
	if err := os.WriteFile(in, []byte("hello from file_io\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	sum, err := cp.Copy(context.Background(), []string{in}, out)
	if err != nil {
		fmt.Println(err)
		return
	}
	contents, err := os.ReadFile(out)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s", contents)
	fmt.Printf("%d file, %d bytes\n", sum.Files, sum.Bytes)
	// Output:
	// hello from file_io
	// 1 file, 19 bytes
}

// Copying a tree into an existing directory, as `cp -r src dst` does, with
// four copies at once and checksums compared.
func ExampleCopy() {
	dir, err := os.MkdirTemp("", "cp")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.Mkdir(dst, 0o755)
	for i, name := range []string{"a.txt", "b.txt", "sub/c.txt"} {
		os.WriteFile(filepath.Join(src, name), []byte(fmt.Sprint("file ", i)), 0o644)
	}
	os.Symlink("a.txt", filepath.Join(src, "link"))

	sum, err := cp.Copy(context.Background(), []string{src}, dst, cp.Jobs(4), cp.Verify(true))
	fmt.Printf("%+v %v\n", sum, err)
	target, _ := os.Readlink(filepath.Join(dst, "src", "link"))
	fmt.Println("link ->", target)
	// Output:
	// {Files:3 Dirs:2 Links:1 Bytes:18 Failed:0} <nil>
	// link -> a.txt
}
