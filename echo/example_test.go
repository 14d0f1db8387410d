package echo_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spool-go/spool/echo"
)

// The chapter's tcp_server: accept connections on 127.0.0.1, echo each on a
// task of its own; here one client echoes "hello", then the server shuts
// down gracefully.
func Example_tcpServer() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := echo.New()
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		fmt.Println(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil {
		fmt.Println(err)
	}
	fmt.Println(string(buf))
	c.Close()

	if err := s.Shutdown(context.Background()); err != nil {
		fmt.Println(err)
	}
	fmt.Println(<-served)
	// Output:
	// hello
	// echo: server closed
}

// Serving until ctrl-c, as the chapter's select! on ctrl_c does: in a
// program ctx comes from signal.NotifyContext(ctx, os.Interrupt); here a
// plain cancel stands in for the signal.
func ExampleServer_Shutdown() {
	ctx, ctrlC := context.WithCancel(context.Background())
	defer ctrlC()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := echo.New(echo.IdleTimeout(time.Minute), echo.MaxConns(1000))
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()

	ctrlC()
	<-ctx.Done()
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(shutCtx); err != nil {
		fmt.Println("forced:", err, s.Close())
	}
	fmt.Println(<-served)
	m := s.Metrics()
	fmt.Printf("served %d connections, rejected %d\n", m.Accepted, m.Rejected)
	// Output:
	// echo: server closed
	// served 0 connections, rejected 0
}

// Load is the instrument: here 4 connections echo 100 messages of 64 bytes
// each, every echo checked byte for byte.
func ExampleLoad() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := echo.New()
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	defer func() { s.Close(); <-served }()

	r, err := echo.Load(context.Background(), echo.Config{Addr: l.Addr().String(), Conns: 4, Msgs: 100, Size: 64})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d messages, %d errors, %d latencies\n", r.Messages, r.Errors, r.Samples)
	// Output:
	// 400 messages, 0 errors, 400 latencies
}
