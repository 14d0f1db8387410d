package echo_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/spool-go/spool/echo"
)

// BenchmarkRoundTrip measures one message's round trip through the server
// on one connection, client and server in this process.
func BenchmarkRoundTrip(b *testing.B) {
	for _, m := range modes {
		for _, size := range []struct {
			name string
			n    int
		}{{"64B", 64}, {"4KB", 4096}} {
			b.Run(m.name+"/"+size.name, func(b *testing.B) { benchRoundTrip(b, m.opts, size.n) })
		}
	}
}

func benchRoundTrip(b *testing.B, opts []echo.Option, n int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := echo.New(opts...)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	msg, got := make([]byte, n), make([]byte, n)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	_ = s.Shutdown(context.Background())
	<-served
}

func BenchmarkMetrics(b *testing.B) {
	s := echo.New()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Metrics()
	}
}

// BenchmarkLoad measures Load's own overhead: one connection, 1,000
// messages of 64 bytes a run.
func BenchmarkLoad(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := echo.New()
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	cfg := echo.Config{Addr: l.Addr().String(), Conns: 1, Msgs: 1000, Size: 64}
	b.ReportAllocs()
	for b.Loop() {
		if r, err := echo.Load(context.Background(), cfg); err != nil || r.Errors != 0 {
			b.Fatal(err, r.FirstError)
		}
	}
	b.StopTimer()
	_ = s.Shutdown(context.Background())
	<-served
}
