package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// errFailed marks a run that printed its own report of what failed: main
// exits non-zero without printing it again.
var errFailed = errors.New("some items failed")

func exitCode(err error) int {
	if errors.Is(err, errFailed) {
		return 1
	}
	return 2
}

// newRoot builds the command tree. Each subcommand lives in its own file.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "spool",
		Short:         "spool measures Go's two concurrency models and runs programs built on them",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newLabCmd(), newEchoCmd(), newFetchCmd(), newCpCmd())
	return root
}
