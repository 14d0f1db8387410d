// Package fetch times `spool fetch` against the floor its workload allows:
// N URLs from a local server that answers each in a fixed latency, at
// concurrency C, cannot take less than N/C x latency.
//
// The default `go test` run fetches 200 URLs (20 ms each, concurrency 100)
// once with the built command and once with ./baseline (errgroup and
// http.Get, no retries or checks: the least a fetcher does), and checks
// every record: it proves the harness without taking long. The measurement, 1,000 URLs at
// concurrency 100 with 20 ms latency (floor 200 ms), 7 repetitions:
//
//	./run.sh                 # same as: go test -run TestCLI -count=1 -v . -full
//
// BenchmarkRun measures the library alone (no process start, no JSON):
//
//	go test -run '^$' -bench Run -benchmem -count 6 .
package fetch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spool-go/spool/fetch"
	"github.com/spool-go/spool/internal/stats"
	"golang.org/x/sync/errgroup"
)

var (
	full        = flag.Bool("full", false, "run the issue's measurement: 1,000 URLs, 7 repetitions")
	urlCount    = flag.Int("urls", 0, "URLs to fetch (default 200, or 1000 with -full)")
	reps        = flag.Int("reps", 0, "repetitions (default 1, or 7 with -full)")
	concurrency = flag.Int("c", 100, "spool fetch --concurrency")
	latency     = flag.Duration("latency", 20*time.Millisecond, "server latency per request")
	spoolBin    = flag.String("spool", "", "spool binary to run (default: build ../../cmd/spool)")
)

// slowServer answers every request after latency with a small body.
func slowServer(tb testing.TB, latency time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		w.Write([]byte("item " + r.URL.Path))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func urlList(base string, n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/item/%d", base, i)
	}
	return urls
}

func TestCLI(t *testing.T) {
	n, r := *urlCount, *reps
	if n == 0 {
		n = map[bool]int{false: 200, true: 1000}[*full]
	}
	if r == 0 {
		r = map[bool]int{false: 1, true: 7}[*full]
	}
	bin := *spoolBin
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "spool")
		build := exec.Command("go", "build", "-o", bin, "./cmd/spool")
		build.Dir = filepath.Join("..", "..")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	base := filepath.Join(t.TempDir(), "baseline")
	if out, err := exec.Command("go", "build", "-o", base, "./baseline").CombinedOutput(); err != nil {
		t.Fatalf("go build ./baseline: %v\n%s", err, out)
	}
	srv := slowServer(t, *latency)
	input := strings.Join(urlList(srv.URL, n), "\n") + "\n"
	tools := []struct {
		name string
		argv []string
	}{
		{"spool fetch", []string{bin, "fetch", "--concurrency", fmt.Sprint(*concurrency), "-"}},
		{"baseline", []string{base, "-c", fmt.Sprint(*concurrency)}},
	}
	ms := make([][]float64, len(tools))
	for range r {
		for i, tool := range tools { // interleaved, so the machine's load hits both alike
			cmd := exec.Command(tool.argv[0], tool.argv[1:]...)
			cmd.Stdin = strings.NewReader(input)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			ms[i] = append(ms[i], time.Since(start).Seconds()*1e3)
			if err != nil {
				t.Fatalf("%s: %v\n%s", tool.name, err, stderr.String())
			}
			check(t, stdout.Bytes(), n)
		}
	}
	floor := float64(n) / float64(*concurrency) * float64(*latency) / 1e6
	t.Logf("%d URLs, concurrency %d, latency %v, %d runs; floor %.0f ms", n, *concurrency, *latency, r, floor)
	for i, tool := range tools {
		s := stats.Summarize(ms[i])
		t.Logf("  %-12s median %6.1f ms  min %6.1f  max %6.1f   median/floor %.2f  min/floor %.2f",
			tool.name, s.Median, s.Min, s.Max, s.Median/floor, s.Min/floor)
	}
	t.Logf("target: spool fetch median/floor <= 1.20")
}

// check fails t unless out holds n successful records, one per URL.
func check(t *testing.T, out []byte, n int) {
	t.Helper()
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var rec struct {
			URL    string  `json:"url"`
			Status int     `json:"status"`
			Error  *string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("record %q: %v", sc.Text(), err)
		}
		if rec.Status != 200 || rec.Error != nil || seen[rec.URL] {
			t.Fatalf("record %q: want status 200, no error, URL once", sc.Text())
		}
		seen[rec.URL] = true
	}
	if len(seen) != n {
		t.Fatalf("got %d records; want %d", len(seen), n)
	}
}

// BenchmarkRun fetches 1,000 URLs at concurrency 100 from a server with
// 20 ms latency, in process: the floor is 200 ms per op.
func BenchmarkRun(b *testing.B) {
	srv := slowServer(b, 20*time.Millisecond)
	urls := urlList(srv.URL, 1000)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for r := range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(100)) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			n++
		}
		if n != len(urls) {
			b.Fatalf("got %d results; want %d", n, len(urls))
		}
	}
}

// BenchmarkBaseline is the same workload written by hand: errgroup with a
// limit of 100, one shared transport, bodies discarded, no retries. It is
// the yardstick for fetch.Run's own overhead on a busy machine.
func BenchmarkBaseline(b *testing.B) {
	srv := slowServer(b, 20*time.Millisecond)
	urls := urlList(srv.URL, 1000)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	for b.Loop() {
		var g errgroup.Group
		g.SetLimit(100)
		for _, u := range urls {
			g.Go(func() error {
				resp, err := client.Get(u)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				_, err = io.Copy(io.Discard, resp.Body)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
