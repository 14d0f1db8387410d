// Command baseline is the hand-written yardstick for `spool fetch`: it
// reads URLs from standard input and GETs them with errgroup and a limit,
// one shared transport, printing one JSON line per URL. No retries, no
// timeouts, no validation, no files: the least a fetcher can do.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	c := flag.Int("c", 100, "concurrency")
	flag.Parse()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = *c
	client := &http.Client{Transport: tr}
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(*c)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		u := sc.Text()
		g.Go(func() error {
			start := time.Now()
			rec := struct {
				URL      string  `json:"url"`
				Status   int     `json:"status"`
				Bytes    int64   `json:"bytes"`
				Attempts int     `json:"attempts"`
				Duration float64 `json:"duration_ms"`
				Error    *string `json:"error"`
			}{URL: u, Attempts: 1}
			resp, err := client.Get(u)
			if err == nil {
				rec.Status = resp.StatusCode
				rec.Bytes, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil {
				s := err.Error()
				rec.Error = &s
			}
			rec.Duration = float64(time.Since(start).Microseconds()) / 1e3
			mu.Lock()
			defer mu.Unlock()
			enc.Encode(rec)
			return out.Flush()
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
