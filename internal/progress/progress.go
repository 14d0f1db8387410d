// Package progress draws progress bars on standard error for the spool
// commands, and stays silent when standard error is not a terminal (a pipe,
// a file, CI), so machine-readable output is never mixed with bars.
package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts work done. A nil *Bar is valid and does nothing.
type Bar struct {
	b    *progressbar.ProgressBar
	line *line // set when the bar shares its terminal with the output
}

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
	return &Bar{b: progressbar.NewOptions64(total, options(w, desc, u, true)...)}
}

// NewAbove is New for a command that prints its results on out while the
// bar runs. When out is w's terminal too, the results go through
// [Bar.Print], which clears the bar's line before them and draws the bar
// again below them, so that a result never lands in the bar's line; the
// bar then draws at every step, so that it never counts fewer items than
// the results above it.
func NewAbove(w, out io.Writer, total int64, desc string, u Unit) *Bar {
	if !IsTerminal(w) || !sameFile(w, out) {
		return New(w, total, desc, u)
	}
	l := &line{w: w}
	return &Bar{b: progressbar.NewOptions64(total, options(l, desc, u, false)...), line: l}
}

func options(w io.Writer, desc string, u Unit, throttle bool) []progressbar.Option {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	}
	if throttle {
		opts = append(opts, progressbar.OptionThrottle(65_000_000)) // 65 ms
	}
	switch u {
	case Items:
		opts = append(opts, progressbar.OptionShowCount())
	case Bytes:
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowBytes(true))
	}
	return opts
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

// Print calls write, which writes whole lines to the output of NewAbove,
// with the bar off the screen if they share it, and returns write's error.
// Print and the bar's other methods are called from one goroutine.
func (b *Bar) Print(write func() error) error {
	if b == nil || b.line == nil {
		return write()
	}
	return b.line.around(write)
}

// sameFile reports whether a and b are the same open file (or device): the
// terminal that both stdout and stderr are, say.
func sameFile(a, b io.Writer) bool {
	fa, ok := a.(*os.File)
	if !ok {
		return false
	}
	fb, ok := b.(*os.File)
	if !ok {
		return false
	}
	sa, err := fa.Stat()
	if err != nil {
		return false
	}
	sb, err := fb.Stat()
	return err == nil && os.SameFile(sa, sb)
}

// line is the writer of a bar that shares its terminal with other output.
// It keeps what the bar's line shows, its text since the last carriage
// return or line feed, so that around can clear the line and draw the bar
// again. The bar draws on its line alone, with carriage returns (its
// clearing is spaces between two).
type line struct {
	mu    sync.Mutex // the bar may draw from a goroutine of its own (a spinner)
	w     io.Writer
	shown []byte
}

func (l *line) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := bytes.LastIndexAny(p, "\r\n"); i >= 0 {
		l.shown = append(l.shown[:0], p[i+1:]...)
	} else {
		l.shown = append(l.shown, p...)
	}
	return l.w.Write(p)
}

// around clears the bar's line, calls write, which writes whole lines
// (ending in a line feed) to the same terminal, and draws the bar again
// below them. The bar cannot draw in between.
func (l *line) around(write func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.shown) == 0 {
		return write()
	}
	// Errors of the bar's terminal are the bar's, which ignores them too.
	io.WriteString(l.w, "\r"+strings.Repeat(" ", utf8.RuneCount(l.shown))+"\r")
	err := write()
	l.w.Write(l.shown)
	return err
}
