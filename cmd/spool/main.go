// Command spool runs the spool lab and the spool programs; see doc.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signalContext(os.Stderr, os.Exit, time.Now)
	err := execute(ctx, newRoot())
	stop()
	if err != nil {
		if !errors.Is(err, errFailed) { // a failed run has printed its own report
			fmt.Fprintln(os.Stderr, "spool:", err)
		}
		os.Exit(exitCode(err))
	}
}

// execute runs root, as ExecuteContext does, and fails (exit 2) when the
// help it was asked for could not be written (see keepHelpWriteErrors).
func execute(ctx context.Context, root *cobra.Command) error {
	var helpErr error
	err := root.ExecuteContext(context.WithValue(ctx, helpErrKey{}, &helpErr))
	if err == nil && helpErr != nil {
		return fmt.Errorf("writing help: %w", helpErr)
	}
	return err
}

// sameSignal is how soon after the first a signal is taken for the same
// interrupt (see signalContext).
const sameSignal = 100 * time.Millisecond

// signalContext returns a context that the first SIGINT or SIGTERM
// cancels, with "interrupt signal received" (or "terminated ...") as its
// cause, so that the command stops gracefully. A second signal does not
// wait for that stop, which may hang (a peer that never reads, a pipe that
// never ends): it says so on stderr and calls exit with 128 plus the
// signal's number, 130 for SIGINT and 143 for SIGTERM, the status a shell
// reports for a process the signal killed. The same signal again within
// sameSignal of the first is taken for the same interrupt, not a second
// one (a different signal is a second one, however soon): a terminal's
// Ctrl-C and timeout(1) signal the process group as well as the process,
// microseconds apart, and counted as two they threw away the report the
// first had asked for. Before it calls exit, it runs the functions that
// the command registered with atExit on ctx. now reads the clock. stop
// releases the signals and cancels ctx.
func signalContext(stderr io.Writer, exit func(code int), now func() time.Time) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	hooks := new(exitHooks)
	ctx = context.WithValue(ctx, exitHooksKey{}, hooks)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		var (
			first    time.Time
			firstSig os.Signal
		)
		for n := 0; ; n++ {
			select {
			case s := <-sigs:
				if n == 0 {
					first, firstSig = now(), s
					cancel(fmt.Errorf("%v signal received", s))
					continue
				}
				if at := now(); s == firstSig && at.Sub(first) < sameSignal {
					continue // the same interrupt, delivered twice
				}
				fmt.Fprintf(stderr, "spool: %v signal received again: exiting at once\n", s)
				code := 130
				if s, ok := s.(syscall.Signal); ok {
					code = 128 + int(s)
				}
				hooks.run()
				exit(code)
				return
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			<-ended
			cancel(context.Canceled)
		})
	}
}

// exitHooks are the functions a second signal runs before it exits at once
// (see signalContext): they undo what the command must not leave behind.
type exitHooks struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

type exitHooksKey struct{}

// atExit registers f to run if a second signal makes the command exit at
// once, on the signal handler's goroutine; f must be quick and must not
// call remove. remove unregisters f; after it returns, f neither runs nor
// is running. Without signalContext's ctx (in tests) atExit does nothing.
func atExit(ctx context.Context, f func()) (remove func()) {
	h, _ := ctx.Value(exitHooksKey{}).(*exitHooks)
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fns == nil {
		h.fns = make(map[int]func())
	}
	id := h.next
	h.next++
	h.fns[id] = f
	return func() {
		h.mu.Lock()
		delete(h.fns, id)
		h.mu.Unlock()
	}
}

// run runs the registered functions, once.
func (h *exitHooks) run() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.fns {
		f()
	}
	clear(h.fns)
}
