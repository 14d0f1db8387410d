// Package echobench compares spool's echo.Server with the minimal stdlib
// echo server every Go tutorial shows (a goroutine per connection, a 1 KB
// buffer, a read-write loop), using echo.Load as the instrument. The heavy
// comparison runs in ./run.sh (the runner in ./runner); the tests here are
// quick checks that both servers echo correctly.
package echobench

import (
	"net"
	"sync"
)

// Baseline is the minimal stdlib echo server: the chapter's tcp_server as
// most Go code would write it, the yardstick for echo.Server.
type Baseline struct {
	wg sync.WaitGroup
}

// Serve accepts connections on l until it fails (close l to stop), serving
// each on its own goroutine with a 1 KB buffer, as io.Copy would. It does
// not track connections: after Serve returns, Wait waits until their
// clients have closed them.
func (b *Baseline) Serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		b.wg.Go(func() {
			defer c.Close()
			buf := make([]byte, 1024)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		})
	}
}

// Wait waits for the goroutines of every connection to end.
func (b *Baseline) Wait() { b.wg.Wait() }
