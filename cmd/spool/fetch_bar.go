package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"github.com/spool-go/spool/internal/progress"
)

// fetchBar is fetch's progress bar on stderr, which stays silent when
// stderr is not a terminal. When stdout is that same terminal, the records
// are written through Print: the bar's line is cleared before them and the
// bar drawn again after them, so that a record never lands in the bar's
// line ("fetch  33% |█████ | (1/3) [0s:0s]{"url":...}").
//
// internal/progress's bar cannot be cleared and drawn again at will, so
// for a shared terminal fetchBar draws one of its own, alike, through a
// barLine that knows what the bar shows. The bar's methods and Print are called
// from one goroutine; the bar may also draw from one of its own (the
// spinner of a count not known in advance), which barLine keeps apart.
type fetchBar struct {
	bar    *progress.Bar            // stdout is elsewhere (nil: no bar)
	shared *progressbar.ProgressBar // stdout is the bar's terminal
	line   *barLine                 // what shared draws on
}

func newFetchBar(stdout, stderr io.Writer, total int64) *fetchBar {
	if !progress.IsTerminal(stderr) || !sameFile(stdout, stderr) {
		return &fetchBar{bar: progress.New(stderr, total, "fetch", progress.Items)}
	}
	line := &barLine{w: stderr}
	// The options of progress.New for progress.Items, but for its
	// throttle: each step here comes with a record printed above the bar,
	// and a bar that skipped drawing it would count fewer URLs than the
	// records it sits under.
	shared := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(line),
		progressbar.OptionSetDescription("fetch"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionShowCount(),
	)
	return &fetchBar{shared: shared, line: line}
}

// Add records n more URLs done.
func (b *fetchBar) Add(n int64) {
	if b.shared != nil {
		_ = b.shared.Add64(n)
		return
	}
	b.bar.Add(n)
}

// Finish completes and clears the bar.
func (b *fetchBar) Finish() {
	if b.shared != nil {
		_ = b.shared.Finish()
		return
	}
	b.bar.Finish()
}

// Print calls write, which writes whole lines to stdout, with the bar off
// the screen when they share it, and returns its error.
func (b *fetchBar) Print(write func() error) error {
	if b.line == nil {
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

// barLine is the writer of a bar that shares its terminal with other
// output. It keeps what the bar's line shows, its text since the last
// carriage return or line feed, so that around can clear the line and draw
// the bar again. The bar draws on its line alone, with carriage returns
// (its clearing is spaces between two).
type barLine struct {
	mu    sync.Mutex // the bar may draw from a goroutine of its own
	w     io.Writer
	shown []byte
}

func (l *barLine) Write(p []byte) (int, error) {
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
func (l *barLine) around(write func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.shown) == 0 {
		return write()
	}
	// Errors of stderr are the bar's, which ignores them too.
	io.WriteString(l.w, "\r"+strings.Repeat(" ", utf8.RuneCount(l.shown))+"\r")
	err := write()
	l.w.Write(l.shown)
	return err
}
