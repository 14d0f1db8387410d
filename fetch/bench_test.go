package fetch_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/spool-go/spool/fetch"
)

// benchURLs serves a small body at once, so the benchmarks measure the
// cost of the machinery around each request.
func benchURLs(b *testing.B, n int) []string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	b.Cleanup(srv.Close)
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/%d", srv.URL, i)
	}
	return urls
}

// BenchmarkRun fetches 100 URLs from a local server at concurrency 8; one
// op is one URL.
func BenchmarkRun(b *testing.B) {
	urls := benchURLs(b, 100)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	for b.Loop() {
		for r := range fetch.Run(context.Background(), slices.Values(urls), fetch.Concurrency(8), fetch.Client(client)) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(urls)), "ns/url")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPlain is the same with 8 goroutines calling client.Get: the
// difference is what Run adds per URL (validation, retry policy, attempt
// timeout, result records).
func BenchmarkPlain(b *testing.B) {
	urls := benchURLs(b, 100)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan string)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for u := range ch {
					resp, err := client.Get(u)
					if err != nil {
						b.Error(err)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		for _, u := range urls {
			ch <- u
		}
		close(ch)
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(urls)), "ns/url")
	b.ReportMetric(0, "ns/op")
}
