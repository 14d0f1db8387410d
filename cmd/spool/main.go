// Command spool runs the spool lab and the spool programs; see doc.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		if !errors.Is(err, errFailed) { // a failed run has printed its own report
			fmt.Fprintln(os.Stderr, "spool:", err)
		}
		os.Exit(exitCode(err))
	}
}
