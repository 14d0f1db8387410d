// Package progress draws progress bars on standard error for the spool
// commands, and stays silent when standard error is not a terminal (a pipe,
// a file, CI), so machine-readable output is never mixed with bars.
package progress

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts work done. A nil *Bar is valid and does nothing.
type Bar struct{ b *progressbar.ProgressBar }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a bar of total items (or bytes when bytes is true) labelled
// desc, drawn on w, or nil when w is not a terminal.
func New(w io.Writer, total int64, desc string, bytes bool) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(65_000_000), // 65 ms
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return &Bar{progressbar.NewOptions64(total, opts...)}
}

// Add records n more items done.
func (b *Bar) Add(n int64) {
	if b != nil {
		_ = b.b.Add64(n)
	}
}

// Describe changes the bar's label.
func (b *Bar) Describe(desc string) {
	if b != nil {
		b.b.Describe(desc)
	}
}

// Finish completes and clears the bar.
func (b *Bar) Finish() {
	if b != nil {
		_ = b.b.Finish()
	}
}
