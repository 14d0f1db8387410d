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

// Unit says what a bar counts and how it shows the count.
type Unit int

const (
	Items   Unit = iota // shows "done/total"
	Bytes               // shows sizes and a rate
	Percent             // shows only the percentage: for estimates (time)
)

// New returns a bar of total units labelled desc, drawn on w, or nil when
// w is not a terminal.
func New(w io.Writer, total int64, desc string, u Unit) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(65_000_000), // 65 ms
	}
	switch u {
	case Items:
		opts = append(opts, progressbar.OptionShowCount())
	case Bytes:
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowBytes(true))
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
