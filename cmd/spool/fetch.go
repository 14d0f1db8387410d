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
	"github.com/spool-go/spool/internal/quote"
)

// newFetchCmd builds `spool fetch`; see package fetch for the semantics.
func newFetchCmd() *cobra.Command {
	var o fetchOpts
	cmd := &cobra.Command{
		Use:   "fetch [flags] URL... | -",
		Short: "fetch many URLs concurrently, printing one JSON record per URL",
		Long: `Fetch URLs (arguments, or one per line on standard input with -; blank lines
and lines starting with # are skipped, as is a UTF-8 byte order mark at the
start) with at most N requests in flight, each
attempt limited to D.

Failed attempts are retried --retries times with exponential back-off (from
100 ms, doubling up to 10 s, with jitter) when another attempt may succeed:
connection errors, timeouts, a body cut short, and statuses 408, 425, 429,
500, 502, 503 and 504, honouring Retry-After up to 1 minute (plus up to
a tenth of it at random, so that clients told the same Retry-After do not
all come back together; a wait cut to the minute is spread below it
instead). Not retried: other
statuses, a host name that does not resolve, more than 10 redirects (a loop),
TLS certificate errors, and a body that cannot be saved.

One JSON object per URL on stdout, in completion order (input order with
--ordered): url, status (0 when no response came), bytes, attempts,
duration_ms, error (null on success; else what failed, as "404 Not Found"
or "timed out after 5s (gave up after 3 attempts)"), and path with --out.
A password in a URL (http://user:pw@host/) is printed masked, as
user:xxxxx, in the records and in the notes on stderr; so is anything that
may be one: from the first ':' after the scheme and its slashes to the last
'@' (ann:pw@host, http:/ann:pw@host, http://host:8080/@me all mask).
A URL needs its scheme: 127.0.0.1:8080/x is refused, with a suggestion.
Bodies are saved under --out (mode 0666 less the umask) by a temporary file
renamed into place; names come from the URL (host_port_path_<24 hex of its
SHA-256>.ext), and a URL whose name an earlier URL of the run already has
fails unrequested ("fetch: file name clash"), never overwriting its file.
A URL given again is fetched and reported once: each repeat is skipped
with a note on stderr (on a terminal, printed when the progress bar is
done).

A body longer than --max-bytes (default 1 GiB) fails its URL, unretried,
leaving no file: "fetch: body too large". The bytes counted are those
saved, after the gzip that servers are asked for is undone, so a response
of a few hundred KB can count a thousand times that.

On a terminal a progress bar is drawn on stderr; when stdout is that
terminal too, the records are printed above the bar.

On SIGINT or SIGTERM the requests in flight are cancelled and reported, with
the URLs already read, as "fetch: cancelled: " and the signal ("interrupt
signal received"); standard input is not read any further. A second signal
exits at once.

Exit status: 0 when every URL was fetched, 1 when any failed (all are still
reported), 2 on bad usage, empty input, when stdout cannot be written, or
when interrupted.`,
		Example: `  spool fetch https://example.com/ https://example.org/
  spool fetch -c 32 --retries 0 --timeout 5s -o pages/ - < urls.txt
  spool fetch --ordered - < urls.txt | jq -r 'select(.error != null) | .url'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.outSet = cmd.Flags().Changed("out")
			return runFetch(cmd.Context(), args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	intFlag(f, &o.concurrency, "concurrency", "c", fetch.DefaultConcurrency, "at most `N` requests in flight (1 to 10,000)")
	f.DurationVar(&o.timeout, "timeout", fetch.DefaultTimeout, "time limit `D` of each attempt, body included")
	intFlag(f, &o.retries, "retries", "", fetch.DefaultRetries, "retries after the first attempt (`N`: 0 for none, at most 100)")
	f.StringVarP(&o.out, "out", "o", "", "save bodies under `DIR` (made if missing)")
	f.Int64Var(&o.maxBytes, "max-bytes", defaultFetchMaxBytes, "fail a URL whose body, once decompressed, is over `N` bytes (must be positive; 1 GiB by default)")
	f.BoolVar(&o.ordered, "ordered", false, "print records in input order instead of completion order")
	return cmd
}

type fetchOpts struct {
	concurrency int
	timeout     time.Duration
	retries     int
	out         string
	outSet      bool // --out was given, perhaps as ""
	maxBytes    int64
	ordered     bool
}

// Bounds of spool fetch's flags. More requests in flight than
// maxFetchConcurrency overrun the file descriptors and ports of one
// machine; more retries than maxFetchRetries, each up to 10 s of back-off
// apart, keep a dead URL for over a quarter of an hour.
const (
	maxFetchConcurrency = 10_000
	maxFetchRetries     = 100
)

// defaultFetchMaxBytes is --max-bytes's default: a body of more than 1 GiB,
// likely a mistake or a gzip bomb, fails rather than fill the disk.
const defaultFetchMaxBytes = 1 << 30

func runFetch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, o fetchOpts) error {
	switch {
	case o.concurrency <= 0:
		return fmt.Errorf("fetch: --concurrency %d: must be positive", o.concurrency)
	case o.concurrency > maxFetchConcurrency:
		return fmt.Errorf("fetch: --concurrency %d: too large (at most %d)", o.concurrency, maxFetchConcurrency)
	case o.timeout <= 0:
		return fmt.Errorf("fetch: --timeout %v: must be positive", o.timeout)
	case o.retries < 0:
		return fmt.Errorf("fetch: --retries %d: must not be negative", o.retries)
	case o.retries > maxFetchRetries:
		return fmt.Errorf("fetch: --retries %d: too large (at most %d)", o.retries, maxFetchRetries)
	case o.maxBytes <= 0:
		return fmt.Errorf("fetch: --max-bytes %d: must be positive", o.maxBytes)
	case o.outSet && o.out == "":
		return errors.New(`fetch: --out "": give a directory (. for this one)`)
	case len(args) == 0:
		return errors.New("fetch: no URLs given (pass URLs, or - to read them from standard input)")
	case len(args) > 1 && slices.Contains(args, "-"):
		return errors.New("fetch: - (standard input) comes alone: no URL arguments and no second -")
	}
	opts := []fetch.Option{fetch.Concurrency(o.concurrency), fetch.Timeout(o.timeout), fetch.Retries(o.retries), fetch.MaxBytes(o.maxBytes)}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("fetch: --out: %w", err)
		}
		// A directory the user cannot write to would fail every URL, one
		// by one, after fetching it: say so once, before any request.
		probe, err := os.CreateTemp(o.out, ".spool-fetch-probe-*")
		if err != nil {
			return fmt.Errorf("fetch: --out %s: cannot write there: %w", quote.Name(o.out), err)
		}
		probe.Close()
		os.Remove(probe.Name())
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
	// On the terminal of stdout too, the bar steps aside for each record.
	bar := progress.NewAbove(stderr, stdout, total, "fetch", progress.Items)
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var n, failed int
	var writeErr error
	// On a terminal the notes wait until the bar is gone, so that they are
	// not written into its line; elsewhere they go out at once.
	var notes []string
	onTerminal := progress.IsTerminal(stderr)
	for r := range fetch.Run(ctx, urls, opts...) {
		bar.Add(1)
		if errors.Is(r.Err, fetch.ErrDuplicate) {
			note := fmt.Sprintf("spool fetch: skipped %s: %v\n", quote.Name(fetch.Redact(r.URL)), strings.TrimPrefix(r.Err.Error(), "fetch: "))
			if onTerminal {
				notes = append(notes, note)
			} else {
				io.WriteString(stderr, note)
			}
			continue
		}
		n++
		if r.Err != nil {
			failed++
		}
		writeErr = bar.Print(func() error {
			if err := enc.Encode(r); err != nil {
				return err
			}
			return w.Flush() // one line at a time, for a reader downstream
		})
		if writeErr != nil {
			break // nobody reads the records: stop fetching (Run cancels the rest)
		}
	}
	bar.Finish()
	for _, note := range notes {
		io.WriteString(stderr, note)
	}
	switch {
	case writeErr != nil:
		return fmt.Errorf("fetch: writing records: %w", writeErr)
	case inputErr != nil:
		return fmt.Errorf("fetch: reading standard input: %w", inputErr)
	case ctx.Err() != nil && args[0] == "-":
		return fmt.Errorf("fetch: interrupted (%s reported, %d failed or cancelled; input not read further): %w", plural(int64(n), "URL"), failed, context.Cause(ctx))
	case ctx.Err() != nil:
		return fmt.Errorf("fetch: interrupted (%s reported, %d failed or cancelled): %w", plural(int64(n), "URL"), failed, context.Cause(ctx))
	case n == 0:
		return errors.New("fetch: no URLs in standard input")
	case failed > 0:
		return errFailed
	}
	return nil
}

// fetchLines yields the URLs in r, one per line, skipping blank lines and
// lines starting with #, and a UTF-8 byte order mark at the start of r; a
// read error is left in *errp.
//
// Once ctx is done, r is not read further: a pipe whose writer never
// closes it (tail -f, a socket, a FIFO) must not keep an interrupted run
// alive, nor may a terminal. As a read cannot be interrupted, r is read on
// a goroutine of its own: on interrupt, one blocked in a read is left
// there until the read returns or the process exits, which it does right
// after.
// maxLine bounds a line of fetch's standard input.
const maxLine = 1 << 20

func fetchLines(ctx context.Context, r io.Reader, errp *error) iter.Seq[string] {
	return func(yield func(string) bool) {
		lines := make(chan string)
		errc := make(chan error, 1)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 0, 64<<10), maxLine)
			n := 0
			for sc.Scan() {
				n++
				line := sc.Text()
				if n == 1 {
					// A UTF-8 byte order mark, as some editors write: it
					// would make the first URL malformed, and not show.
					line = strings.TrimPrefix(line, "\uFEFF")
				}
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				case <-stop:
					return
				}
			}
			err := sc.Err()
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("line %d is longer than %d bytes (1 MiB); the lines after it were not read", n+1, maxLine)
			}
			errc <- err
		}()
		for {
			// The consumer gets what was read before ctx ended, not more.
			select {
			case <-ctx.Done():
				return
			default:
			}
			select {
			case l, ok := <-lines:
				if !ok {
					select {
					case *errp = <-errc:
					default: // ended by ctx
					}
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
