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
		Long: `echo serve runs a TCP echo server until SIGINT or SIGTERM, then shuts down
gracefully. echo load drives an echo server with many connections and
reports throughput, latency and errors, or, with --idle, holds connections
open and reports the server's memory per connection.`,
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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var opts []echo.Option
			switch {
			case maxConns < 0:
				return fmt.Errorf("--max-conns must not be negative, got %d", maxConns)
			case idle < 0:
				return fmt.Errorf("--idle-timeout must not be negative, got %v", idle)
			case write <= 0:
				return fmt.Errorf("--write-timeout must be positive, got %v", write)
			case bufSize <= 0:
				return fmt.Errorf("--buffer must be positive, got %d", bufSize)
			case grace <= 0:
				return fmt.Errorf("--grace must be positive, got %v", grace)
			case park < 0:
				return fmt.Errorf("--park-idle must not be negative, got %v", park)
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
			return echoServe(cmd.Context(), cmd.OutOrStdout(), addr, metricsAddr, grace, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:7000", "address to listen on")
	f.IntVar(&maxConns, "max-conns", 0, "connections served at once; more are closed at once (0: no limit)")
	f.DurationVar(&idle, "idle-timeout", 5*time.Minute, "close connections silent for this long (0: never)")
	f.DurationVar(&write, "write-timeout", echo.DefaultWriteTimeout, "drop a client that does not read its echo for this long")
	f.DurationVar(&park, "park-idle", time.Second, "a connection quiet this long gives up its goroutine until it speaks (Linux; 0: never)")
	f.IntVar(&bufSize, "buffer", echo.DefaultBufferSize, "bytes read at once by a busy connection")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9100)")
	f.DurationVar(&grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long echoes in flight may take before connections are cut")
	f.BoolVar(&verbose, "verbose", false, "log every connection's end")
	return cmd
}

// echoServe is `spool echo serve`: the chapter's select! between the
// accept loop and ctrl_c.
func echoServe(ctx context.Context, out io.Writer, addr, metricsAddr string, grace time.Duration, opts []echo.Option) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("echo serve: %w", err)
	}
	var ml net.Listener
	if metricsAddr != "" {
		if ml, err = net.Listen("tcp", metricsAddr); err != nil {
			l.Close()
			return fmt.Errorf("echo serve: metrics: %w", err)
		}
	}
	s := echo.New(opts...)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	var hs *http.Server
	metricsDone := make(chan error, 1)
	if ml != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.MetricsHandler())
		hs = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
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
	forced := ""
	if err := s.Shutdown(sctx); err != nil {
		forced = fmt.Sprintf(" (cut %d connections after --grace %v)", s.Metrics().Active, grace)
		s.Close()
	}
	if serveErr == nil {
		if err := <-served; !errors.Is(err, echo.ErrServerClosed) {
			serveErr = err
		}
	}
	if hs != nil {
		_ = hs.Shutdown(sctx)
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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			if cfg.Idle {
				if f.Changed("msgs") || f.Changed("size") {
					return errors.New("--msgs and --size do not apply with --idle")
				}
				cfg.Msgs, cfg.Size = 0, 0
			} else if f.Changed("hold") {
				return errors.New("--hold needs --idle")
			}
			return echoLoad(cmd, cfg, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:7000", "the echo server's address")
	f.IntVar(&cfg.Conns, "conns", 50, "connections, each on its own goroutine")
	f.IntVar(&cfg.Msgs, "msgs", 1000, "messages per connection, sent one at a time")
	f.IntVar(&cfg.Size, "size", 64, "bytes per message")
	f.BoolVar(&cfg.Idle, "idle", false, "hold the connections open instead of sending messages")
	f.DurationVar(&cfg.Hold, "hold", 10*time.Second, "with --idle: how long to hold them")
	f.IntVar(&cfg.PID, "pid", 0, "the server's process id, to report its CPU per message, or with --idle its memory per connection (Linux)")
	f.DurationVar(&cfg.Stall, "stall", 10*time.Second, "fail connections when nothing is echoed for this long")
	f.DurationVar(&cfg.DialTimeout, "dial-timeout", 5*time.Second, "bound on each connection attempt")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func echoLoad(cmd *cobra.Command, cfg echo.Config, asJSON bool) error {
	switch {
	case cfg.Stall <= 0:
		return fmt.Errorf("--stall must be positive, got %v", cfg.Stall)
	case cfg.DialTimeout <= 0:
		return fmt.Errorf("--dial-timeout must be positive, got %v", cfg.DialTimeout)
	}
	total := int64(cfg.Conns)
	desc := "connecting"
	if !cfg.Idle {
		total *= int64(cfg.Msgs)
		desc = "echoing"
	}
	var bar *progress.Bar
	if cfg.Conns > 0 && total > 0 {
		bar = progress.New(cmd.ErrOrStderr(), total, desc, progress.Items)
	}
	var shown int64
	cfg.Progress = func(done, _ int64) {
		bar.Add(done - shown)
		shown = done
	}
	r, err := echo.Load(cmd.Context(), cfg)
	bar.Finish()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printLoad(out, cfg, r)
	}
	if r.Errors > 0 {
		return errFailed
	}
	return nil
}

func printLoad(out io.Writer, cfg echo.Config, r echo.Report) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\t%s\n", r.Addr)
	if r.Idle {
		fmt.Fprintf(tw, "held\t%d of %d connections for %v\n", r.Held, r.Conns, cfg.Hold)
		if r.RSSAfter > 0 {
			fmt.Fprintf(tw, "server memory\t%.1f MB before, %.1f MB after: %.0f B per connection\n",
				float64(r.RSSBefore)/1e6, float64(r.RSSAfter)/1e6, r.BytesPerConn)
		}
	} else {
		fmt.Fprintf(tw, "messages\t%d of %d (%d conns x %d msgs of %d B)\n", r.Messages, int64(r.Conns)*int64(r.Msgs), r.Conns, r.Msgs, r.Size)
		fmt.Fprintf(tw, "elapsed\t%v\n", r.Elapsed.Round(time.Millisecond))
		fmt.Fprintf(tw, "throughput\t%.0f msgs/s, %.1f MB/s\n", r.MsgsPerSec, r.MBPerSec)
		fmt.Fprintf(tw, "latency\tp50 %v, p99 %v, max %v\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
		if r.ServerCPU > 0 {
			fmt.Fprintf(tw, "server CPU\t%v, %v per message\n", r.ServerCPU, r.CPUPerMsg)
		}
	}
	fmt.Fprintf(tw, "errors\t%d\n", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(tw, "first error\t%s\n", r.FirstError)
	}
	tw.Flush()
}
