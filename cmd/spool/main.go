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

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signalContext(os.Stderr, os.Exit)
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

// signalContext returns a context that the first SIGINT or SIGTERM
// cancels, with "interrupt signal received" (or "terminated ...") as its
// cause, so that the command stops gracefully. A second signal does not
// wait for that stop, which may hang (a peer that never reads, a pipe that
// never ends): it says so on stderr and calls exit with 128 plus the
// signal's number, 130 for SIGINT and 143 for SIGTERM, the status a shell
// reports for a process the signal killed. stop releases the signals and
// cancels ctx.
func signalContext(stderr io.Writer, exit func(code int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		for n := 0; ; n++ {
			select {
			case s := <-sigs:
				if n == 0 {
					cancel(fmt.Errorf("%v signal received", s))
					continue
				}
				fmt.Fprintf(stderr, "spool: %v signal received again: exiting at once\n", s)
				code := 130
				if s, ok := s.(syscall.Signal); ok {
					code = 128 + int(s)
				}
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
