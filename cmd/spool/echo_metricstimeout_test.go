package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestEchoServeMetricsConnTimeouts: echo serve's --metrics-addr does not
// keep a connection longer than a scrape needs (--max-conns does not count
// them): a keep-alive connection left idle after its scrape is closed
// after metricsIdleTimeout, and one whose client never reads the answer
// after metricsIOTimeout. In the synctest bubble the clock moves only when
// every goroutine waits, so the test waits no real time and asserts none:
// whether the server closed the connection, after the client's sleep, is
// what it checks. Both used to be kept open until the server stopped.
func TestEchoServeMetricsConnTimeouts(t *testing.T) {
	tests := []struct {
		name       string
		readAnswer bool          // the client reads the answer, then idles
		sleep      time.Duration // how long the client then waits
	}{
		{"idle after its scrape", true, metricsIdleTimeout + time.Second},
		{"answer never read", false, metricsIOTimeout + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				ml, _, _, served := serveOnPipes(ctx)
				c := ml.dial(t)
				defer c.Close()
				go io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: metrics\r\n\r\n") // a pipe's write waits for the read
				br := bufio.NewReader(c)
				if tt.readAnswer {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("reading the answer: %v", err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || resp.Close {
						t.Fatalf("got status %d, Close %v; want 200 on a connection kept alive", resp.StatusCode, resp.Close)
					}
				}
				time.Sleep(tt.sleep)
				// Closed by the server: a read ends with EOF at once,
				// rather than waiting for its deadline or reading the
				// answer.
				c.SetReadDeadline(time.Now().Add(time.Second))
				if n, err := br.Read(make([]byte, 1)); err != io.EOF {
					t.Errorf("after %v: read got %d bytes, %v; want io.EOF, the connection closed by the server", tt.sleep, n, err)
				}
				cancel() // SIGINT
				if err := <-served; err != nil {
					t.Errorf("echoServeOn = %v; want nil", err)
				}
			})
		})
	}
}
