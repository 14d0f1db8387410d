package cp

import (
	"io"
	"os"
)

// WithOpen replaces how sources are opened (tests simulate unreadable files).
func WithOpen(f func(name string) (io.ReadCloser, error)) Option {
	return func(c *config) { c.open = f }
}

// WithWriter wraps the temporary file each copy writes to (tests simulate
// a full or failing disk).
func WithWriter(f func(dst string, tmp *os.File) io.Writer) Option {
	return func(c *config) { c.write = f }
}
