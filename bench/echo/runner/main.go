// Command runner measures spool's echo.Server against the stdlib baseline
// server (package echobench), each in a process of its own so that its
// resident memory is its own, with echo.Load as the instrument. See
// ../run.sh.
//
//	runner [-conns 50] [-msgs 20000] [-sizes 64,4096] [-idle 10000] [-hold 3s] [-rounds 3]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spool-go/spool/bench/echo"
	"github.com/spool-go/spool/echo"
	"github.com/spool-go/spool/internal/stats"
)

var servers = []string{"baseline", "spool", "spool-park"}

func main() {
	serve := flag.String("serve", "", "internal: run this server (baseline, spool or spool-park) and print its address")
	only := flag.String("servers", strings.Join(servers, ","), "servers to compare: baseline, spool (a goroutine per connection), spool-park (echo.ParkIdle(1s))")
	conns := flag.Int("conns", 50, "connections in message mode")
	msgs := flag.Int("msgs", 20000, "messages per connection")
	sizes := flag.String("sizes", "64,4096", "message sizes, comma-separated")
	idle := flag.Int("idle", 10000, "idle connections (0: skip the idle run)")
	hold := flag.Duration("hold", 3*time.Second, "how long the idle connections are held")
	rounds := flag.Int("rounds", 3, "rounds; each server runs once a round, in alternating order")
	asJSON := flag.Bool("json", false, "print every report as JSON lines too")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	servers = strings.Split(*only, ",")
	var err error
	if *serve != "" {
		err = runServer(ctx, *serve)
	} else {
		err = runAll(ctx, *conns, *msgs, *sizes, *idle, *hold, *rounds, *asJSON)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}

// runServer is the child process: it serves until stdin closes.
func runServer(ctx context.Context, kind string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr())
	ctx, cancel := context.WithCancel(ctx)
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	switch kind {
	case "baseline":
		var b echobench.Baseline
		go func() { <-ctx.Done(); l.Close() }()
		_ = b.Serve(l)
		return nil // connections end when the parent closes them or exits
	case "spool", "spool-park":
		var opts []echo.Option
		if kind == "spool-park" {
			opts = append(opts, echo.ParkIdle(time.Second))
		}
		s := echo.New(opts...)
		go func() { <-ctx.Done(); _ = s.Close() }()
		if err := s.Serve(l); !errors.Is(err, echo.ErrServerClosed) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown server %q", kind)
}

// child is a server process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
}

func startServer(kind string) (*child, error) {
	cmd := exec.Command(os.Args[0], "-serve", kind)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		in.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s server: %w", kind, err)
	}
	return &child{cmd: cmd, stdin: in, addr: strings.TrimSpace(addr)}, nil
}

func (c *child) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

type run struct {
	workload, server string
	round            int
	r                echo.Report
}

func runAll(ctx context.Context, conns, msgs int, sizeList string, idle int, hold time.Duration, rounds int, asJSON bool) error {
	var sizes []int
	for f := range strings.SplitSeq(sizeList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", f)
		}
		sizes = append(sizes, n)
	}
	var runs []run
	round := 0
	measure := func(workload, kind string, cfg echo.Config) error {
		c, err := startServer(kind)
		if err != nil {
			return err
		}
		defer c.stop()
		cfg.Addr = c.addr
		cfg.PID = c.cmd.Process.Pid
		r, err := echo.Load(ctx, cfg)
		if err != nil {
			return fmt.Errorf("%s %s: %w", workload, kind, err)
		}
		runs = append(runs, run{workload, kind, round, r})
		fmt.Fprintf(os.Stderr, "round done: %-22s %-8s %s\n", workload, kind, brief(r))
		if asJSON {
			b, _ := json.Marshal(map[string]any{"workload": workload, "server": kind, "report": r})
			fmt.Println(string(b))
		}
		return nil
	}
	for round = range rounds {
		order := slices.Clone(servers)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, size := range sizes {
			for _, kind := range order {
				w := fmt.Sprintf("%dx%d msgs of %dB", conns, msgs, size)
				if err := measure(w, kind, echo.Config{Conns: conns, Msgs: msgs, Size: size}); err != nil {
					return err
				}
			}
		}
		if idle > 0 {
			for _, kind := range order {
				w := fmt.Sprintf("%d idle conns", idle)
				if err := measure(w, kind, echo.Config{Conns: idle, Idle: true, Hold: hold}); err != nil {
					return err
				}
			}
		}
	}
	summarize(runs)
	return nil
}

func brief(r echo.Report) string {
	if r.Idle {
		return fmt.Sprintf("held %d, %.0f B/conn, errors %d", r.Held, r.BytesPerConn, r.Errors)
	}
	return fmt.Sprintf("%.0f msgs/s, server cpu %v/msg, p50 %v, p99 %v, errors %d", r.MsgsPerSec, r.CPUPerMsg, r.P50, r.P99, r.Errors)
}

// summarize prints the median of each workload and server, and the ratios.
func summarize(runs []run) {
	var workloads []string
	for _, r := range runs {
		if !slices.Contains(workloads, r.workload) {
			workloads = append(workloads, r.workload)
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tserver\truns\tmsgs/s (median)\tspread\tserver CPU/msg\tMB/s\tp50\tp99\tmax\tB/conn (median)\terrors\t")
	for _, w := range workloads {
		med, cpuMed := map[string]float64{}, map[string]float64{}
		for _, kind := range servers {
			var xs, mb, p50, p99, mx, mem, cpu []float64
			var errs int64
			for _, r := range runs {
				if r.workload != w || r.server != kind {
					continue
				}
				xs = append(xs, r.r.MsgsPerSec)
				mb = append(mb, r.r.MBPerSec)
				p50 = append(p50, float64(r.r.P50))
				p99 = append(p99, float64(r.r.P99))
				mx = append(mx, float64(r.r.Max))
				mem = append(mem, r.r.BytesPerConn)
				cpu = append(cpu, float64(r.r.CPUPerMsg))
				errs += r.r.Errors
			}
			if len(xs) == 0 {
				continue
			}
			s := stats.Summarize(xs)
			m := stats.Summarize(mem).Median
			if strings.Contains(w, "idle") {
				med[kind] = m
				fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t-\t-\t-\t-\t-\t%.0f\t%d\t\n", w, kind, len(xs), m, errs)
				continue
			}
			med[kind] = s.Median
			cpuMed[kind] = stats.Summarize(cpu).Median
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f%%\t%v\t%.1f\t%v\t%v\t%v\t-\t%d\t\n", w, kind, len(xs), s.Median, 100*s.Spread,
				time.Duration(cpuMed[kind]).Round(10*time.Nanosecond), stats.Summarize(mb).Median,
				dur(stats.Summarize(p50).Median), dur(stats.Summarize(p99).Median), dur(stats.Summarize(mx).Median), errs)
		}
		if med["baseline"] > 0 {
			what := "msgs/s"
			if strings.Contains(w, "idle") {
				what = "memory per conn"
			}
			for _, kind := range servers {
				if kind != "baseline" && med[kind] > 0 {
					cpu := ""
					if cpuMed["baseline"] > 0 {
						cpu = fmt.Sprintf("CPU/msg %.2fx", cpuMed[kind]/cpuMed["baseline"])
					}
					fmt.Fprintf(tw, "%s\t%s/baseline\t\t%s %.2fx\t\t%s\t\t\t\t\t\t\t\n", w, kind, what, med[kind]/med["baseline"], cpu)
					if x, c, n := paired(runs, w, kind); n > 1 {
						cpu := ""
						if c > 0 {
							cpu = fmt.Sprintf("CPU/msg %.2fx", c)
						}
						fmt.Fprintf(tw, "%s\t%s/baseline, paired\t%d\t%s %.2fx\t\t%s\t\t\t\t\t\t\t\n", w, kind, n, what, x, cpu)
					}
				}
			}
		}
	}
	tw.Flush()
}

func dur(ns float64) time.Duration { return time.Duration(ns).Round(time.Microsecond) }

// paired returns the median, over the rounds, of kind's figure divided by
// the baseline's in the same round (msgs/s, or memory per connection for
// idle workloads), the same for CPU per message, and the number of
// rounds. The two servers of a round run minutes apart at most, so on a
// machine whose speed drifts these ratios move less than the ratio of
// the two medians does.
func paired(runs []run, workload, kind string) (x, cpu float64, n int) {
	type pair struct{ base, other *echo.Report }
	byRound := map[int]*pair{}
	for i := range runs {
		r := &runs[i]
		if r.workload != workload {
			continue
		}
		p := byRound[r.round]
		if p == nil {
			p = &pair{}
			byRound[r.round] = p
		}
		switch r.server {
		case "baseline":
			p.base = &r.r
		case kind:
			p.other = &r.r
		}
	}
	var xs, cs []float64
	for _, p := range byRound {
		if p.base == nil || p.other == nil {
			continue
		}
		if p.base.Idle {
			if p.base.BytesPerConn > 0 {
				xs = append(xs, p.other.BytesPerConn/p.base.BytesPerConn)
			}
			continue
		}
		if p.base.MsgsPerSec > 0 {
			xs = append(xs, p.other.MsgsPerSec/p.base.MsgsPerSec)
		}
		if p.base.CPUPerMsg > 0 {
			cs = append(cs, float64(p.other.CPUPerMsg)/float64(p.base.CPUPerMsg))
		}
	}
	if len(xs) == 0 {
		return 0, 0, 0
	}
	x = stats.Summarize(xs).Median
	if len(cs) > 0 {
		cpu = stats.Summarize(cs).Median
	}
	return x, cpu, len(xs)
}
