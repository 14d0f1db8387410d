package main

import (
	"errors"
	"fmt"
	"io"
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
	keepHelpWriteErrors(root)
	return root
}

// helpErrKey is the key of the context value, an *error, in which
// execute collects the error of writing help.
type helpErrKey struct{}

// keepHelpWriteErrors makes help that cannot be written (spool cp --help
// > /dev/full) an error, as any other output that cannot be written is:
// cobra writes help to standard output ignoring write errors, from --help,
// the help command, and a command that only groups others, and exits 0.
// The first error goes to the *error that execute puts in the root's
// context (under helpErrKey), which returns it; without one (a caller of
// ExecuteContext), it is printed on standard error.
func keepHelpWriteErrors(root *cobra.Command) {
	show := root.HelpFunc() // cobra's
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		out := c.OutOrStdout()
		w := &firstError{w: out}
		c.SetOut(w)
		show(c, args)
		c.SetOut(out)
		if w.err == nil {
			return
		}
		// The help command shows another command's help: that command
		// has no context of its own, the root has.
		if ctx := c.Root().Context(); ctx != nil {
			if p, ok := ctx.Value(helpErrKey{}).(*error); ok {
				if *p == nil {
					*p = w.err
				}
				return
			}
		}
		fmt.Fprintf(c.ErrOrStderr(), "spool: writing help: %v\n", w.err)
	})
}

// firstError writes to w and keeps the first error, so that writers that
// ignore errors (fmt.Fprint) can be checked once they are done. After an
// error it writes nothing more.
type firstError struct {
	w   io.Writer
	err error
}

func (f *firstError) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	f.err = err
	return n, err
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
