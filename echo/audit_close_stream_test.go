package echo_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

// TestAuditCloseEndsStreamingConnection: Close ends a connection whose
// client sends without pause and reads every echo, so the server's reads
// keep filling its buffer and its writes never block. The raw loop used
// to read on for as long as the reads filled the buffer, never looking at
// the state Close had set: Close waited for it forever.
func TestAuditCloseEndsStreamingConnection(t *testing.T) {
	eachMode(t, func(t *testing.T, mode []echo.Option) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := echo.New(with(mode, echo.BufferSize(1))...)
		wait := serve(t, s, l)
		c := dial(t, l.Addr().String())
		var wg sync.WaitGroup
		defer wg.Wait()
		defer c.Close() // ends the client's loops, and the echo if Close hangs
		// The client writes until the connection ends, and reads every echo.
		wg.Go(func() {
			b := pattern(1 << 20)
			for {
				if _, err := c.Write(b); err != nil {
					return
				}
			}
		})
		wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
		waitFor(t, "the echo to stream", func() bool { return s.Metrics().BytesOut > 16<<10 })

		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("Close = %v; want nil", err)
			}
		case <-time.After(safety):
			c.Close()
			<-closed
			t.Fatalf("Close did not return while the client streamed (it returned once the client closed)")
		}
		if got := s.Metrics().Active; got != 0 {
			t.Errorf("active after Close = %d; want 0", got)
		}
		if err := wait(); err != echo.ErrServerClosed {
			t.Errorf("Serve = %v; want ErrServerClosed", err)
		}
	})
}
