// Command pools runs the executor comparison of package pools: every peer
// on every workload, each run in a fresh process (this binary again, with
// -run-one), and writes the markdown report.
//
// Usage, from the bench module's folder:
//
//	go run ./pools/cmd/pools [-runs 5] [-out results/pools.md] [-filter regexp] [-small]
//
// or bench/pools/run.sh, which does the same.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/spool-go/spool/bench/pools"
	"github.com/spool-go/spool/internal/workload"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "pools:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("pools", flag.ContinueOnError)
	var (
		runOne  = fs.Bool("run-one", false, "internal: measure one run of -peer on -spec and print it as JSON")
		peer    = fs.String("peer", "", "with -run-one: the peer")
		spec    = fs.String("spec", "", "with -run-one: the spec, as JSON")
		runs    = fs.Int("runs", 5, "runs per peer and workload")
		out     = fs.String("out", "results/pools.md", "markdown report to write ('-' for standard output)")
		raw     = fs.String("json", "", "also write every sample as JSON to this file")
		filter  = fs.String("filter", "", "run only cells whose \"peer workload limit\" matches this regexp")
		small   = fs.Bool("small", false, "run the tiny plan the package test uses (a smoke test of the runner)")
		timeout = fs.Duration("timeout", 2*time.Minute, "time limit for one run")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runOne {
		return measureOne(*peer, *spec)
	}
	if *runs <= 0 {
		return fmt.Errorf("-runs %d: must be positive", *runs)
	}
	var re *regexp.Regexp
	if *filter != "" {
		var err error
		if re, err = regexp.Compile(*filter); err != nil {
			return fmt.Errorf("-filter: %w", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	env := pools.Env{
		Date:      time.Now(),
		GoVersion: runtime.Version(),
		CPU:       cpuModel(),
		NumCPU:    runtime.NumCPU(),
		Procs:     pools.Procs(),
		Rounds:    workload.Rounds(time.Microsecond),
		Runs:      *runs,
		Command:   command(args),
		LoadStart: uptime(),
	}
	type cell struct {
		peer string
		spec pools.Spec
	}
	var cells []cell
	for _, c := range pools.Plan(env.Procs, env.Rounds, *small) {
		for _, p := range c.Peers {
			if re == nil || re.MatchString(fmt.Sprintf("%s %s %d", p, c.Spec.Name, c.Spec.Limit)) {
				cells = append(cells, cell{p, c.Spec})
			}
		}
	}
	if len(cells) == 0 {
		return errors.New("no cell matches -filter")
	}
	results := make([]pools.Result, len(cells))
	for i, c := range cells {
		results[i] = pools.Result{Peer: c.peer, Spec: c.spec}
	}
	start := time.Now()
	total := *runs * len(cells)
	for r := range *runs {
		for i, c := range cells {
			res := &results[i]
			if res.Err != "" {
				continue // a cell that failed once is not run again
			}
			s, err := child(self, c.peer, c.spec, *timeout)
			done := r*len(cells) + i + 1
			if err != nil {
				res.Err = err.Error()
				fmt.Fprintf(os.Stderr, "[%d/%d] %-10s %v: %v\n", done, total, c.peer, c.spec, err)
				continue
			}
			res.Samples = append(res.Samples, s)
			fmt.Fprintf(os.Stderr, "[%d/%d] %-10s %-12s limit %-6d %8.0f ms %12.0f tasks/s %6.1f MiB\n",
				done, total, c.peer, c.spec.Name, c.spec.Limit, float64(s.Elapsed)/1e6, s.TasksPerSec(),
				float64(s.PeakRSS)/(1<<20))
		}
	}
	env.Took = time.Since(start)
	env.LoadEnd = uptime()

	var buf bytes.Buffer
	if err := pools.Report(&buf, env, results); err != nil {
		return err
	}
	if *raw != "" {
		j, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*raw, j, 0o644); err != nil {
			return err
		}
	}
	if *out == "-" {
		_, err := os.Stdout.Write(buf.Bytes())
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %v\n", *out, env.Took.Round(time.Second))
	return nil
}

// child measures one run of peer on spec in a fresh process.
func child(self, peer string, spec pools.Spec, timeout time.Duration) (pools.Sample, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return pools.Sample{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-run-one", "-peer", peer, "-spec", string(js))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return pools.Sample{}, fmt.Errorf("timed out after %v", timeout)
		}
		return pools.Sample{}, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var s pools.Sample
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		return pools.Sample{}, fmt.Errorf("reading the child's sample: %w", err)
	}
	return s, nil
}

func measureOne(peer, spec string) error {
	p, ok := pools.PeerByName(peer)
	if !ok {
		return fmt.Errorf("-peer %q: no such peer", peer)
	}
	var s pools.Spec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		return fmt.Errorf("-spec: %w", err)
	}
	sample, err := pools.Measure(p, s)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(sample)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v) + " (" + runtime.GOARCH + ")"
		}
	}
	return runtime.GOARCH
}

func uptime() string {
	b, err := exec.Command("uptime").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// command is how the report says it was made.
func command(args []string) string {
	if c := os.Getenv("POOLS_COMMAND"); c != "" {
		return c
	}
	return strings.TrimSpace("go run ./pools/cmd/pools " + strings.Join(args, " "))
}
