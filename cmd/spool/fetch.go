package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/internal/progress"
)

// newFetchCmd builds `spool fetch`; see package fetch for the semantics.
func newFetchCmd() *cobra.Command {
	var o fetchOpts
	cmd := &cobra.Command{
		Use:   "fetch [--concurrency N] [--timeout D] [--retries N] [--out DIR] [--ordered] URL... | -",
		Short: "fetch many URLs concurrently, printing one JSON record per URL",
		Long: `Fetch URLs (arguments, or one per line on standard input with -) with at most N
requests in flight, each attempt limited to D, failed attempts retried (connection
errors, 408, 425, 429 and 5xx, honouring Retry-After). One JSON object per URL on
stdout: url, status, bytes, attempts, duration_ms, error (null on success), and
path with --out. Bodies are saved under --out by a temporary file renamed into
place; names come from the URL (host_port_path_<12 hex of its SHA-256>.ext).
Exit status 1 when any URL failed; every URL is reported exactly once, even
when interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFetch(cmd.Context(), args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.concurrency, "concurrency", "c", fetch.DefaultConcurrency, "at most `N` requests in flight")
	f.DurationVar(&o.timeout, "timeout", fetch.DefaultTimeout, "time limit `D` of each attempt, body included")
	f.IntVar(&o.retries, "retries", fetch.DefaultRetries, "retries after the first attempt (`N`, 0 for none)")
	f.StringVarP(&o.out, "out", "o", "", "save bodies under `DIR` (made if missing)")
	f.BoolVar(&o.ordered, "ordered", false, "print records in input order instead of completion order")
	return cmd
}

type fetchOpts struct {
	concurrency int
	timeout     time.Duration
	retries     int
	out         string
	ordered     bool
}

func runFetch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, o fetchOpts) error {
	switch {
	case o.concurrency <= 0:
		return fmt.Errorf("fetch: --concurrency %d: must be positive", o.concurrency)
	case o.timeout <= 0:
		return fmt.Errorf("fetch: --timeout %v: must be positive", o.timeout)
	case o.retries < 0:
		return fmt.Errorf("fetch: --retries %d: must not be negative", o.retries)
	case len(args) == 0:
		return errors.New("fetch: no URLs given (pass URLs, or - to read them from standard input)")
	case len(args) > 1 && slices.Contains(args, "-"):
		return errors.New("fetch: - (standard input) cannot be mixed with URL arguments")
	}
	opts := []fetch.Option{fetch.Concurrency(o.concurrency), fetch.Timeout(o.timeout), fetch.Retries(o.retries)}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("fetch: --out: %w", err)
		}
		opts = append(opts, fetch.Dir(o.out))
	}
	if o.ordered {
		opts = append(opts, fetch.Ordered())
	}

	urls, total := slices.Values(args), int64(len(args))
	var inputErr error
	if args[0] == "-" {
		urls, total = fetchLines(ctx, stdin, &inputErr), -1
	}
	bar := progress.New(stderr, total, "fetch", progress.Items)
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var n, failed int
	var writeErr error
	for r := range fetch.Run(ctx, urls, opts...) {
		n++
		if r.Err != nil {
			failed++
		}
		if writeErr == nil {
			if writeErr = enc.Encode(r); writeErr == nil {
				writeErr = w.Flush() // one line at a time, for a reader downstream
			}
		}
		bar.Add(1)
	}
	bar.Finish()
	switch {
	case writeErr != nil:
		return fmt.Errorf("fetch: writing records: %w", writeErr)
	case inputErr != nil:
		return fmt.Errorf("fetch: reading standard input: %w", inputErr)
	case ctx.Err() != nil:
		return fmt.Errorf("fetch: interrupted (%d URLs reported, %d failed or cancelled): %w", n, failed, context.Cause(ctx))
	case n == 0:
		return errors.New("fetch: no URLs in standard input")
	case failed > 0:
		return errFailed
	}
	return nil
}

// fetchLines yields the URLs in r, one per line, skipping blank lines and
// lines starting with #; a read error is left in *errp.
//
// Once ctx is done, a pipe or file is still read to its end, so that every
// URL in it is reported (cancelled); a terminal is not, as nobody will
// type the rest. A terminal is read on a goroutine of its own, as a read
// from it cannot be interrupted: on Ctrl-C that goroutine is left blocked
// until the process exits, which it does right after.
func fetchLines(ctx context.Context, r io.Reader, errp *error) iter.Seq[string] {
	if !isTerminalReader(r) {
		return func(yield func(string) bool) {
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
			for sc.Scan() {
				if u := strings.TrimSpace(sc.Text()); u != "" && !strings.HasPrefix(u, "#") && !yield(u) {
					return
				}
			}
			*errp = sc.Err()
		}
	}
	return func(yield func(string) bool) {
		lines := make(chan string)
		errc := make(chan error, 1)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				select {
				case lines <- sc.Text():
				case <-ctx.Done():
					return
				case <-stop:
					return
				}
			}
			errc <- sc.Err()
			close(lines)
		}()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					*errp = <-errc
					return
				}
				if u := strings.TrimSpace(l); u != "" && !strings.HasPrefix(u, "#") && !yield(u) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && progress.IsTerminal(f)
}
