package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spool-go/spool/internal/progress"
	"github.com/spool-go/spool/lab"
)

// labFlags are the flags of `spool lab` and its subcommands.
type labFlags struct {
	quick, full bool
	json        bool
	html        string
	htmlSet     bool // --html was given, perhaps as ""
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

// check rejects flags that contradict each other or name no file, before
// anything runs.
func (f labFlags) check() error {
	switch {
	case f.quick && f.full:
		return errors.New("lab: --quick and --full exclude each other")
	case f.htmlSet && f.html == "":
		return errors.New(`lab: --html "": give the page a file name`)
	case f.html == "-":
		return errors.New("lab: --html -: standard output carries the report; give the page a file name")
	}
	return nil
}

// newLabCmd builds `spool lab`, `spool lab list` and `spool lab run NAME...`.
func newLabCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "measure the chapter's performance claims on this machine",
		Long: `spool lab runs the experiments behind the chapter's claims (memory per thread and per task,
spawn cost, context switch cost, sequential vs joined awaits, CPU and I/O scaling of the two models, shared
state, channels, the blocking pitfall, async vs sync mutex) and prints each claim next to what
it measured here, with a verdict, then one table per experiment.

The default run takes under a minute on 2 cores; --quick under 15 seconds, --full several minutes.
Progress goes to standard error; the report to standard output. --html FILE also writes a
self-contained page with charts: FILE is created (or checked writable) before the run starts, and
must be a file name (not "" and not -, as standard output carries the report).

On SIGINT or SIGTERM the experiment in progress is cut short and the report, text, JSON and page
alike, says the run was interrupted and which experiments did not run; a second signal exits at
once, removing FILE if the run created it. Exit status: 0 when every experiment ran, 1 when some
failed, 2 on bad usage or when interrupted.`,
		Example: `  spool lab                      # every experiment, default size
  spool lab --quick              # a fast pass, e.g. in CI
  spool lab list                 # the experiments and how long each takes
  spool lab run switch memory    # only these
  spool lab --json > lab.json    # for machines
  spool lab --html lab.html      # a self-contained page with a chart per experiment`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.htmlSet = cmd.Flags().Changed("html")
			return runLab(cmd.Context(), f, nil, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	pf := cmd.PersistentFlags()
	pf.BoolVar(&f.quick, "quick", false, "small and fast (under 15 s): for CI")
	pf.BoolVar(&f.full, "full", false, "larger and longer: up to 100,000 units (several minutes)")
	// Only the commands that run experiments write a report.
	outputFlags := func(c *cobra.Command) {
		c.Flags().BoolVar(&f.json, "json", false, "print the report as JSON instead of tables")
		c.Flags().StringVar(&f.html, "html", "", "also write a self-contained HTML page with charts to `FILE` (a file name; not -)")
	}
	outputFlags(cmd)

	list := &cobra.Command{
		Use:   "list",
		Short: "list the experiments",
		Long: `List the experiments in the order a run runs them: the name to give
spool lab run, about how long each takes at the chosen size (--quick, the
default, or --full) on a 2-core machine, and what it measures.`,
		Example: "  spool lab list\n  spool lab list --full",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if err := lab.WriteList(cmd.OutOrStdout(), f.size()); err != nil {
				return fmt.Errorf("lab list: %w", err)
			}
			return nil
		},
	}
	run := &cobra.Command{
		Use:   "run NAME...",
		Short: "run only the named experiments (see spool lab list)",
		Long: `Run only the named experiments, in the order given (each once), and report
them as spool lab does: text, or JSON with --json, on standard output, and the
page with --html FILE. The names are those of spool lab list.`,
		Example: "  spool lab run switch\n  spool lab run --quick cpu io --json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("lab run: name at least one experiment (known: %s)", strings.Join(lab.Names(), ", "))
			}
			return nil
		},
		ValidArgs: lab.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.htmlSet = cmd.Flags().Changed("html")
			return runLab(cmd.Context(), f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	outputFlags(run)
	cmd.AddCommand(list, run)
	return cmd
}

// runLab runs the lab and writes its report: text or JSON on stdout, and
// the HTML page if asked. Progress goes to stderr. The page's file is
// opened before the run, so that a bad path fails at once, not after
// minutes of measuring.
func runLab(ctx context.Context, f labFlags, names []string, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := f.check(); err != nil {
		return err
	}
	var page *labPageFile
	unhook := func() {}
	if f.html != "" {
		var err error
		if page, err = openLabPage(f.html); err != nil {
			return err
		}
		// A second signal exits at once, without the page: it must not
		// leave the empty file made for it behind.
		unhook = atExit(ctx, page.removeNew)
	}
	opts := []lab.Option{lab.Scale(f.size()), lab.Progress(labMeter(stderr))}
	if len(names) > 0 {
		opts = append(opts, lab.Only(names...))
	}
	rep, err := lab.Run(ctx, opts...)
	if rep == nil {
		unhook()
		page.discard()
		return err // bad input: nothing ran
	}
	var werr error
	if f.json {
		werr = lab.WriteJSON(stdout, rep)
	} else {
		werr = lab.WriteText(stdout, rep)
	}
	if page != nil {
		err := page.write(rep)
		unhook() // written (or failed, and said so): the page stays
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "lab: wrote %s\n", f.html)
	}
	if werr != nil {
		return fmt.Errorf("lab: writing the report: %w", werr)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return err // interrupted: what ran is printed above, marked so
	}
	return labFailed{err}
}

// labFailed is the error of a run in which some experiments failed: the
// report shows which and why; main prints the summary and exits 1.
type labFailed struct{ err error }

func (e labFailed) Error() string   { return e.err.Error() }
func (e labFailed) Unwrap() []error { return []error{e.err, errFailed} }

// labPageFile is the file of --html, opened before the run.
type labPageFile struct {
	path    string
	f       *os.File
	created bool // the file did not exist before
}

// openLabPage opens path for writing, creating it (mode 0666 less the
// umask) if need be, without truncating an existing page: that waits
// until there is a report to replace it with.
func openLabPage(path string) (*labPageFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("lab: --html %s: is a directory", path)
	} else if err == nil && !fi.Mode().IsRegular() {
		// /dev/null cannot be truncated at the end of a run, and a FIFO
		// would block the open before it.
		return nil, fmt.Errorf("lab: --html %s: not a regular file; give the page a file name", path)
	}
	_, statErr := os.Lstat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lab: --html: %w", err)
	}
	return &labPageFile{path: path, f: f, created: errors.Is(statErr, fs.ErrNotExist)}, nil
}

// write replaces the file's contents with the page of rep. The page is
// made in memory first: the file is truncated and written only once it
// is whole, so a second signal (which exits at once) during the making
// leaves an existing page as it was.
func (p *labPageFile) write(rep *lab.Report) error {
	var page bytes.Buffer
	err := writeLabHTML(&page, rep)
	if err == nil {
		err = p.f.Truncate(0)
	}
	if err == nil {
		_, err = p.f.Write(page.Bytes())
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lab: writing %s: %w", p.path, err)
	}
	return nil
}

// removeNew removes the file if it was made for this run, leaving it
// open: for a process about to exit, on another goroutine than the one
// that may be writing it.
func (p *labPageFile) removeNew() {
	if p.created {
		os.Remove(p.path)
	}
}

// discard closes the file, removing it if it was made for this run. It
// does nothing on a nil page.
func (p *labPageFile) discard() {
	if p == nil {
		return
	}
	p.f.Close()
	if p.created {
		os.Remove(p.path)
	}
}

// labMeter shows lab's progress on w: a bar with the time left when w is a
// terminal, otherwise a plain line as each experiment starts.
func labMeter(w io.Writer) lab.Meter {
	if !progress.IsTerminal(w) {
		return lab.Lines(w)
	}
	return &barMeter{w: w}
}

// barMeter draws lab's progress as a bar, in ms of the estimated time.
type barMeter struct {
	w   io.Writer
	bar *progress.Bar
}

func (m *barMeter) Start(total time.Duration) {
	m.bar = progress.New(m.w, total.Milliseconds(), "lab", progress.Percent)
}

func (m *barMeter) Begin(i, n int, name string, _, _ time.Duration) {
	m.bar.Describe(fmt.Sprintf("lab %d/%d: %s", i, n, name))
}

func (m *barMeter) Advance(d time.Duration) { m.bar.Add(d.Milliseconds()) }
func (m *barMeter) Finish()                 { m.bar.Finish() }
