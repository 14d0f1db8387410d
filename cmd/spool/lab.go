package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/spool-go/spool/lab"
)

// labFlags are the flags of `spool lab` and its subcommands.
type labFlags struct {
	quick, full bool
	json        bool
	html        string
}

func (f labFlags) size() lab.Size {
	switch {
	case f.quick:
		return lab.Quick
	case f.full:
		return lab.Full
	}
	return lab.Default
}

// newLabCmd builds `spool lab`, `spool lab list` and `spool lab run NAME...`.
func newLabCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "measure the chapter's performance claims on this machine",
		Long: `spool lab runs the experiments behind the chapter's claims (memory per thread and per task,
context switch cost, sequential vs joined awaits, CPU and I/O scaling of the two models, shared
state, channels, the blocking pitfall, async vs sync mutex) and prints each claim next to what
it measured here, with a verdict, then one table per experiment.

The default run takes under a minute on 2 cores; --quick under 15 seconds, --full several minutes.
Progress goes to standard error; the report to standard output.`,
		Example: `  spool lab                      # every experiment, default size
  spool lab --quick              # a fast pass, e.g. in CI
  spool lab list                 # the experiments and how long each takes
  spool lab run switch memory    # only these
  spool lab --json > lab.json    # for machines
  spool lab --html lab.html      # a self-contained page with a chart per experiment`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLab(cmd.Context(), f, nil, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	pf := cmd.PersistentFlags()
	pf.BoolVar(&f.quick, "quick", false, "small and fast (under 15 s): for CI")
	pf.BoolVar(&f.full, "full", false, "larger and longer: up to 100,000 units (several minutes)")
	pf.BoolVar(&f.json, "json", false, "print the report as JSON instead of tables")
	pf.StringVar(&f.html, "html", "", "also write a self-contained HTML page with charts to `FILE`")
	cmd.MarkFlagsMutuallyExclusive("quick", "full")

	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "list the experiments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return lab.WriteList(cmd.OutOrStdout(), f.size())
		},
	}, &cobra.Command{
		Use:       "run NAME...",
		Short:     "run only the named experiments (see spool lab list)",
		Example:   "  spool lab run switch\n  spool lab run --quick cpu io",
		Args:      cobra.MinimumNArgs(1),
		ValidArgs: lab.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLab(cmd.Context(), f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	})
	return cmd
}

// runLab runs the lab and writes its report: text or JSON on stdout, and
// the HTML page if asked. Progress goes to stderr.
func runLab(ctx context.Context, f labFlags, names []string, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.quick && f.full {
		return errors.New("lab: --quick and --full exclude each other")
	}
	rep, err := lab.Run(ctx, lab.Scale(f.size()), lab.Only(names...), lab.Progress(stderr))
	if rep == nil {
		return err // bad input: nothing ran
	}
	var werr error
	if f.json {
		werr = lab.WriteJSON(stdout, rep)
	} else {
		werr = lab.WriteText(stdout, rep)
	}
	if werr != nil {
		return fmt.Errorf("lab: writing the report: %w", werr)
	}
	if f.html != "" {
		if err := writeLabHTMLFile(f.html, rep); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "lab: wrote %s\n", f.html)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return err // interrupted: what ran is printed above
	}
	return labFailed{err}
}

// labFailed is the error of a run in which some experiments failed: the
// report shows which and why; main prints the summary and exits 1.
type labFailed struct{ err error }

func (e labFailed) Error() string   { return e.err.Error() }
func (e labFailed) Unwrap() []error { return []error{e.err, errFailed} }

func writeLabHTMLFile(path string, rep *lab.Report) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := writeLabHTML(out, rep); err != nil {
		out.Close()
		return fmt.Errorf("lab: writing %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}
