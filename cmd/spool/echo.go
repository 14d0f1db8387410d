package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/spool-go/spool/echo"
	"github.com/spool-go/spool/internal/progress"
)

// newEchoCmd builds `spool echo serve` and `spool echo load`. Go raises the
// soft limit on open files to the hard limit at startup (package syscall,
// Go 1.19+), so thousands of connections need no setup here.
func newEchoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "echo",
		Short: "TCP echo server and load client (the chapter's tcp_server)",
		Long: `A TCP echo server and the load client that measures it.

echo serve runs a TCP echo server until SIGINT or SIGTERM, then shuts down
gracefully and prints a one-line summary. echo load drives a running echo
server with many connections and reports throughput, latency and errors, or,
with --idle, holds connections open and reports the server's memory per
connection. See spool echo serve --help and spool echo load --help.`,
		Example: `  spool echo serve &                                  # listen on 127.0.0.1:7000
  spool echo load --conns 50 --msgs 20000 --size 64   # drive it
  spool echo load --conns 10000 --idle --hold 5s --pid $!`,
		Args: cobra.NoArgs, // "spool echo sevre" is an unknown command, not a request for help
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newEchoServeCmd(), newEchoLoadCmd())
	return cmd
}

func newEchoServeCmd() *cobra.Command {
	var (
		addr, metricsAddr        string
		maxConns, bufSize        int
		idle, write, grace, park time.Duration
		verbose                  bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run a TCP echo server until SIGINT or SIGTERM",
		Long: `Run a TCP echo server: every byte a client sends is sent back to it.

On start it prints "spool echo: serving on ADDR; ctrl-c stops". The first
SIGINT or SIGTERM stops accepting, closes idle connections and gives echoes
in flight up to --grace to finish (then cuts the connections left), saying
so on standard error if connections are open; it then prints a one-line
summary (connections served, rejected, idle-closed, errors, bytes echoed,
time to shut down) and exits 0: for a server a signal is the normal way to
stop. --metrics-addr serves until the echo connections are done, then closes
its own connections at once, whatever they are doing; before that, it
closes a connection idle for 30s, or whose request takes over 10s to come
or whose answer takes over 10s to be read (--max-conns counts only echo
connections). A second SIGINT or SIGTERM ends it at once. It exits 2 when
it cannot listen or on bad usage. Logs (connection errors; each
connection's end with --verbose) go to standard error.

--addr is HOST:PORT: the default, 127.0.0.1:7000, is reachable only from
this machine; an empty host (:PORT), 0.0.0.0:PORT or [::]:PORT listens on
every interface, and port 0 takes any free port.`,
		Example: `  spool echo serve                                  # 127.0.0.1:7000
  spool echo serve --addr 127.0.0.1:0 --max-conns 10000 --park-idle 1s
  spool echo serve --metrics-addr 127.0.0.1:9100    # Prometheus text at /metrics`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var opts []echo.Option
			switch {
			case addr == "":
				return errors.New(`echo serve: --addr "": give HOST:PORT (e.g. 127.0.0.1:7000; 0.0.0.0:7000 for every interface)`)
			case maxConns < 0:
				return fmt.Errorf("echo serve: --max-conns %d: must not be negative", maxConns)
			case idle < 0:
				return fmt.Errorf("echo serve: --idle-timeout %v: must not be negative", idle)
			case write <= 0:
				return fmt.Errorf("echo serve: --write-timeout %v: must be positive", write)
			case bufSize <= 0:
				return fmt.Errorf("echo serve: --buffer %d: must be positive", bufSize)
			case bufSize > echo.MaxBufferSize:
				return fmt.Errorf("echo serve: --buffer %d: at most %d (16 MiB; a read never returns more than the socket holds)", bufSize, echo.MaxBufferSize)
			case grace <= 0:
				return fmt.Errorf("echo serve: --grace %v: must be positive", grace)
			case park < 0:
				return fmt.Errorf("echo serve: --park-idle %v: must not be negative", park)
			}
			if park > 0 {
				opts = append(opts, echo.ParkIdle(park))
			}
			if maxConns > 0 {
				opts = append(opts, echo.MaxConns(maxConns))
			}
			if idle > 0 {
				opts = append(opts, echo.IdleTimeout(idle))
			}
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			opts = append(opts, echo.WriteTimeout(write), echo.BufferSize(bufSize), echo.Logger(log))
			return echoServe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), addr, metricsAddr, grace, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:7000", "address to listen on (host:port; not empty)")
	intFlag(f, &maxConns, "max-conns", "", 0, "connections served at once; more are closed at once (0: no limit)")
	f.DurationVar(&idle, "idle-timeout", 5*time.Minute, "close connections silent for this long (0: never)")
	f.DurationVar(&write, "write-timeout", echo.DefaultWriteTimeout, "drop a client that does not read its echo for this long")
	f.DurationVar(&park, "park-idle", time.Second, "a connection quiet this long gives up its goroutine until it speaks (Linux; 0: never)")
	intFlag(f, &bufSize, "buffer", "", echo.DefaultBufferSize, "bytes read at once by a busy connection (at most 16 MiB)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9100)")
	f.DurationVar(&grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long echoes in flight may take before connections are cut")
	f.BoolVar(&verbose, "verbose", false, "log every connection's end")
	return cmd
}

// echoServe is `spool echo serve`: the chapter's select! between the
// accept loop and ctrl_c. The summary goes to out; the notice that the
// shutdown waits for open connections goes to errOut.
func echoServe(ctx context.Context, out, errOut io.Writer, addr, metricsAddr string, grace time.Duration, opts []echo.Option) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("echo serve: --addr %s: %w", addr, err)
	}
	var ml net.Listener
	if metricsAddr != "" {
		if ml, err = net.Listen("tcp", metricsAddr); err != nil {
			l.Close()
			return fmt.Errorf("echo serve: --metrics-addr %s: %w", metricsAddr, err)
		}
	}
	return echoServeOn(ctx, out, errOut, l, ml, grace, opts)
}

// Time limits of echo serve's --metrics-addr connections: to read a
// request, to write its answer, and to wait for the next request.
const (
	metricsIOTimeout   = 10 * time.Second
	metricsIdleTimeout = 30 * time.Second
)

// echoServeOn is echoServe on listeners already open: l for echo, ml (nil
// for none) for the metrics. It closes both.
func echoServeOn(ctx context.Context, out, errOut io.Writer, l, ml net.Listener, grace time.Duration, opts []echo.Option) error {
	s := echo.New(opts...)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	var hs *http.Server
	metricsDone := make(chan error, 1)
	if ml != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.MetricsHandler())
		// Its connections are not echo's, so --max-conns does not count
		// them: none is kept longer than a scrape needs. A scraper's
		// keep-alive connection is closed after 30 s idle (one that
		// scrapes every minute reconnects, at little cost), and one that
		// is slow to send its request or to read the page after 10 s.
		hs = &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       metricsIOTimeout,
			WriteTimeout:      metricsIOTimeout,
			IdleTimeout:       metricsIdleTimeout,
		}
		go func() { metricsDone <- hs.Serve(ml) }()
		fmt.Fprintf(out, "spool echo: serving on %s, metrics on http://%s/metrics; ctrl-c stops\n", l.Addr(), ml.Addr())
	} else {
		metricsDone <- nil
		fmt.Fprintf(out, "spool echo: serving on %s; ctrl-c stops\n", l.Addr())
	}

	var serveErr error
	select {
	case serveErr = <-served: // the listener failed
	case <-ctx.Done():
	}
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	// The shutdown may take up to --grace: say what it waits for, lest the
	// server look hung.
	if n := s.Metrics().Active; n > 0 {
		again := ""
		if serveErr == nil {
			again = " (interrupt again to stop now)"
		}
		fmt.Fprintf(errOut, "spool echo: shutting down: waiting up to %v for %d open %s%s\n", grace, n, connections(n), again)
	}
	forced := ""
	if err := s.Shutdown(sctx); err != nil {
		n := s.Metrics().Active
		forced = fmt.Sprintf(" (cut %d %s after --grace %v)", n, connections(n), grace)
		s.Close()
	}
	if serveErr == nil {
		if err := <-served; !errors.Is(err, echo.ErrServerClosed) {
			serveErr = err
		}
	}
	if serveErr != nil {
		serveErr = cmdErr(serveErr, "echo serve: ", "")
	}
	if hs != nil {
		// At once, not by Shutdown: a scrape takes no time, and Shutdown
		// would wait up to 5 s for a connection that has sent nothing yet
		// (net/http's rule), with no echo connection left to wait for.
		_ = hs.Close()
	}
	if err := <-metricsDone; err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
		serveErr = fmt.Errorf("echo serve: metrics: %w", err)
	}
	m := s.Metrics()
	fmt.Fprintf(out, "spool echo: served %d connections (%d rejected, %d idle-closed, %d errors), %d bytes echoed; shut down in %v%s\n",
		m.Accepted, m.Rejected, m.IdleClosed, m.Errors, m.BytesOut, time.Since(t0).Round(time.Millisecond), forced)
	return serveErr
}

func newEchoLoadCmd() *cobra.Command {
	var (
		cfg    echo.Config
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "drive an echo server and report throughput and latency (or, with --idle, memory per connection)",
		Long: `Drive a running echo server (spool echo serve, or any TCP echo server) at
--addr. Each of --conns connections, on a goroutine of its own, sends --msgs
messages of --size bytes one at a time and checks every echo byte for byte.
The report, a table (or JSON with --json) on standard output, gives the
messages echoed, the elapsed time (from the first send to the last echo;
the messages are made before), msgs/s and MB/s, p50/p99/max latency and the
connections that failed with the first error; with --pid (Linux), also the
server's CPU time per message.

With --idle, the connections are opened, each echoes one byte, then they
are held open for --hold and checked again: the report gives how many
survived and, with --pid, the server's resident memory per connection. If
the server closes every connection (it crashed or shut down), the hold ends
early and the report says how long it lasted.

Measure memory against a freshly started server: the figure is the growth
of the server's resident memory during the run, and a server that ran a
load before reuses the memory that load freed. When the growth is too small
to stand for the connections (under 1 MiB, or 1 KiB a connection), the
report gives no figure per connection but a note saying so. With --pid and
no --idle, a server that used less CPU than one clock tick (10 ms) is
reported as below it ("<10ms").

On a terminal, a progress bar on standard error shows the messages echoed;
with --idle, the connections opened ("connecting"), then the seconds held
("holding N connections"). The bar is cleared when the run ends or is
interrupted, before the report.

Limits: --conns at most 1,048,576 (each also needs a file descriptor),
--size at most 64 MiB, and --conns x --size at most 1 GiB.

Exit status: 0 when every connection succeeded, 1 when any failed (the
report says how many and why), 2 on bad usage, when the first connection
cannot be made (nothing listens at --addr, or its host cannot be resolved)
or when interrupted (after printing the figures measured so far, marked
interrupted).`,
		Example: `  spool echo load --conns 50 --msgs 20000 --size 64
  spool echo load --addr 127.0.0.1:7000 --pid $(pgrep -n spool) --json
  spool echo load --conns 10000 --idle --hold 5s --pid 4242`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			if cfg.Idle {
				if f.Changed("msgs") || f.Changed("size") {
					return errors.New("echo load: --msgs and --size do not apply with --idle")
				}
				cfg.Msgs, cfg.Size = 0, 0
			} else if f.Changed("hold") {
				return errors.New("echo load: --hold needs --idle")
			}
			return echoLoad(cmd, cfg, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:7000", "the echo server's address")
	intFlag(f, &cfg.Conns, "conns", "", 50, "connections, each on its own goroutine (at most 1,048,576)")
	intFlag(f, &cfg.Msgs, "msgs", "", 1000, "messages per connection, sent one at a time")
	intFlag(f, &cfg.Size, "size", "", 64, "bytes per message (at most 64 MiB, and conns x size at most 1 GiB)")
	f.BoolVar(&cfg.Idle, "idle", false, "hold the connections open instead of sending messages (with --pid: against a freshly started server)")
	f.DurationVar(&cfg.Hold, "hold", 10*time.Second, "with --idle: how long to hold them")
	intFlag(f, &cfg.PID, "pid", "", 0, "the server's process id, to report its CPU per message, or with --idle its memory per connection (Linux; for memory, start the server afresh)")
	f.DurationVar(&cfg.Stall, "stall", 10*time.Second, "fail connections when nothing is echoed for this long")
	f.DurationVar(&cfg.DialTimeout, "dial-timeout", 5*time.Second, "bound on each connection attempt")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func echoLoad(cmd *cobra.Command, cfg echo.Config, asJSON bool) error {
	// Load checks the rest, naming each setting as the flags do; the CLI
	// only asks more of these two, where the library takes 0 for its default.
	switch {
	case cfg.Stall <= 0:
		return fmt.Errorf("echo load: --stall %v: must be positive", cfg.Stall)
	case cfg.DialTimeout <= 0:
		return fmt.Errorf("echo load: --dial-timeout %v: must be positive", cfg.DialTimeout)
	}
	stderr := cmd.ErrOrStderr()
	total := int64(cfg.Conns)
	desc := "connecting"
	if !cfg.Idle {
		total *= int64(cfg.Msgs)
		desc = "echoing"
	}
	// A bar is made at the first progress report: a config that Load
	// refuses draws none. With --idle there are two, one after the other
	// on the same line: the connections opened, then the seconds held.
	// Both callbacks run on Load's goroutine.
	var (
		bar     *progress.Bar // the one drawn now, if any
		shown   int64         // what bar shows as done
		holding bool          // bar is the hold's
	)
	cfg.Progress = func(done, _ int64) {
		if bar == nil && shown == 0 {
			bar = progress.New(stderr, total, desc, progress.Items)
		}
		bar.Add(done - shown)
		shown = done
	}
	if cfg.Idle {
		cfg.HoldProgress = func(held, hold time.Duration) {
			s := int64(held / time.Second) // whole seconds held; the last one only at the end
			if held >= hold {
				s = holdSeconds(hold)
			}
			if !holding {
				bar.Finish() // clears the connections' bar (a no-op if none or already full)
				desc := fmt.Sprintf("holding %d connections (seconds)", shown)
				holding = true
				bar = progress.New(stderr, holdSeconds(hold), desc, progress.Items)
				bar.Add(s) // drawn at once, even at 0
				shown = s
				return
			}
			// Only as a second passes: the bar's estimate of the time left
			// comes from its rate of steps, which the reports in between
			// (steps of 0) would drag down.
			if s != shown {
				bar.Add(s - shown)
				shown = s
			}
		}
	}
	r, err := echo.Load(cmd.Context(), cfg)
	bar.Finish()
	if err != nil && !r.Interrupted {
		if ce, ok := errors.AsType[*echo.ConfigError](err); ok {
			if ce.Field == "conns x size" {
				return fmt.Errorf("echo load: --conns %d x --size %d bytes: %s", cfg.Conns, cfg.Size, ce.Problem)
			}
			return fmt.Errorf("echo load: --%s %s: %s", ce.Field, ce.Value, ce.Problem)
		}
		return dialErr(cfg, err)
	}
	out := cmd.OutOrStdout()
	var werr error
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		werr = enc.Encode(r)
	} else {
		werr = printLoad(out, cfg, r)
	}
	if werr != nil { // the report is lost: not a success, even if the run was
		return fmt.Errorf("echo load: writing the report: %w", werr)
	}
	if err != nil {
		return cmdErr(err, "echo load: ", "") // interrupted: the partial report is printed above
	}
	if r.Errors > 0 {
		return errFailed
	}
	return nil
}

// holdSeconds is the length of the hold's bar: d in seconds, a part of
// one counting as one.
func holdSeconds(d time.Duration) int64 {
	return max(1, int64((d+time.Second-1)/time.Second))
}

// cmdError is an error of package echo told under the command's name, as
// spool's commands tell theirs ("spool: echo load: ..."), rather than
// under the package's ("spool: echo: load: ..."); it matches what it wraps.
type cmdError struct {
	msg string
	err error
}

func (e *cmdError) Error() string { return e.msg }
func (e *cmdError) Unwrap() error { return e.err }

// cmdErr returns err, an error of package echo, as a command's: head,
// err's message without the package's prefix, then tail.
func cmdErr(err error, head, tail string) error {
	m := err.Error()
	for _, p := range []string{"echo: load: ", "echo: "} {
		if rest, ok := strings.CutPrefix(m, p); ok {
			m = rest
			break
		}
	}
	return &cmdError{msg: head + m + tail, err: err}
}

// dialErr is echo load's error for an error of echo.Load other than a bad
// config or an interrupt: most often the first connection failed. It hints
// at a missing server only when that can be the cause: the connection was
// refused, or timed out.
func dialErr(cfg echo.Config, err error) error {
	if _, ok := errors.AsType[*net.AddrError](err); ok {
		return cmdErr(err, "echo load: --addr "+cfg.Addr+": ", " (give HOST:PORT, e.g. 127.0.0.1:7000)")
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		what := fmt.Sprintf("cannot resolve host %q", host)
		if strings.Trim(host, "0123456789.") == "" { // 256.1.1.1, 1.2.3
			what = fmt.Sprintf("%q is not an IP address, nor a host name that resolves", host)
		}
		return cmdErr(err, "echo load: --addr "+cfg.Addr+": "+what+" (", ")")
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return cmdErr(err, "echo load: ", fmt.Sprintf(" (is a server listening at %s? start one with: spool echo serve --addr %s)", cfg.Addr, cfg.Addr))
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return cmdErr(err, "echo load: ", fmt.Sprintf(" (no answer within --dial-timeout %v: is a server listening at %s? a slow one may need a longer --dial-timeout)", cfg.DialTimeout, cfg.Addr))
	}
	return cmdErr(err, "echo load: ", "")
}

// connections is "connection" or "connections", to follow n.
func connections(n int64) string {
	if n == 1 {
		return "connection"
	}
	return "connections"
}

// roundHeld rounds the time a hold lasted for the report: to 100 ms, or
// to the millisecond under a second.
func roundHeld(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func printLoad(out io.Writer, cfg echo.Config, r echo.Report) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\t%s\n", r.Addr)
	if r.Interrupted {
		fmt.Fprintf(tw, "interrupted\tyes: the figures below cover the run until it was stopped\n")
	}
	switch {
	case r.Idle && r.Interrupted:
		fmt.Fprintf(tw, "held\t- (stopped before the %v hold ended; %d of %d connections opened)\n", cfg.Hold, r.Opened, r.Conns)
	case r.Idle:
		if r.HoldEndedEarly && r.Hold == 0 {
			fmt.Fprintf(tw, "held\t0 of %d connections: none passed its first ping (see the first error), so there was nothing to hold\n", r.Conns)
		} else if r.HoldEndedEarly {
			fmt.Fprintf(tw, "held\t%d of %d connections; the hold ended early, after %v of %v: the server had closed every connection (it crashed or shut down)\n",
				r.Held, r.Conns, roundHeld(r.Hold), cfg.Hold)
		} else {
			fmt.Fprintf(tw, "held\t%d of %d connections for %v\n", r.Held, r.Conns, cfg.Hold)
		}
		if r.RSSAfter > 0 {
			mem := fmt.Sprintf("%.1f MB before, %.1f MB after", float64(r.RSSBefore)/1e6, float64(r.RSSAfter)/1e6)
			switch {
			case r.BytesPerConn > 0:
				fmt.Fprintf(tw, "server memory\t%s: %.0f B per connection\n", mem, r.BytesPerConn)
			case r.MemoryNote != "":
				fmt.Fprintf(tw, "server memory\t%s: no figure per connection\n", mem)
				fmt.Fprintf(tw, "note\t%s\n", r.MemoryNote)
			default: // no connection held
				fmt.Fprintf(tw, "server memory\t%s\n", mem)
			}
		}
	default:
		fmt.Fprintf(tw, "messages\t%d of %d (%d conns x %d msgs of %d B)\n", r.Messages, int64(r.Conns)*int64(r.Msgs), r.Conns, r.Msgs, r.Size)
		fmt.Fprintf(tw, "elapsed\t%v\n", r.Elapsed.Round(time.Millisecond))
		fmt.Fprintf(tw, "throughput\t%.0f msgs/s, %.1f MB/s\n", r.MsgsPerSec, r.MBPerSec)
		fmt.Fprintf(tw, "latency\tp50 %v, p99 %v, max %v\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
		switch {
		case r.CPUResolution > 0 && r.ServerCPU < r.CPUResolution:
			// Less than one tick of the clock that counts it: give bounds.
			perMsg := ""
			if r.Messages > 0 {
				perMsg = fmt.Sprintf(", <%v per message", r.CPUResolution/time.Duration(r.Messages))
			}
			fmt.Fprintf(tw, "server CPU\t<%v (less than one tick of the clock that counts it)%s\n", r.CPUResolution, perMsg)
		case r.CPUResolution > 0 || r.ServerCPU > 0:
			fmt.Fprintf(tw, "server CPU\t%v, %v per message\n", r.ServerCPU, r.CPUPerMsg)
		}
	}
	fmt.Fprintf(tw, "errors\t%d\n", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(tw, "first error\t%s\n", r.FirstError)
	}
	return tw.Flush()
}
