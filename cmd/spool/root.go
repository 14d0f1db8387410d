package main

import (
	"errors"
	"fmt"
	"strings"

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
	strictHelpAndCompletion(root)
	return root
}

// strictHelpAndCompletion makes cobra's own `help` and `completion`
// commands fail (exit 2) on an unknown topic or shell, as every other
// command does, instead of printing help and exiting 0.
func strictHelpAndCompletion(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "completion":
			// Its Args (NoArgs) are checked only when it can run.
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		case "help":
			c.RunE = func(c *cobra.Command, args []string) error {
				cmd, rest, err := c.Root().Find(args)
				switch {
				case err != nil:
					return fmt.Errorf("unknown help topic %q: %w", strings.Join(args, " "), err)
				case len(rest) > 0:
					return fmt.Errorf("unknown help topic %q: %q is not a command of %q", strings.Join(args, " "), rest[0], cmd.CommandPath())
				}
				cmd.InitDefaultHelpFlag()
				return cmd.Help()
			}
		}
	}
}
