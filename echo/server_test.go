package echo_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/echo"
)

func TestEcho(t *testing.T) { eachMode(t, testEcho) }

func testEcho(t *testing.T, mode []echo.Option) {
	sizes := []int{1, 63, 64, 1000, 4096, 16 << 10, 16<<10 + 1, 1 << 20}
	for _, bufSize := range []int{echo.DefaultBufferSize, 1000} {
		t.Run(fmt.Sprintf("buffer=%d", bufSize), func(t *testing.T) {
			s, addr := start(t, with(mode, echo.BufferSize(bufSize))...)
			var wg sync.WaitGroup
			var want int64
			for _, n := range sizes {
				want += int64(3 * n)
				c := dial(t, addr)
				wg.Go(func() {
					for range 3 { // reuse the connection after each echo
						if err := roundTrip(c, pattern(n)); err != nil {
							t.Errorf("echo of %d bytes: %v", n, err)
							return
						}
					}
				})
			}
			wg.Wait()
			// The counters move just after each write, so the last may lag its echo.
			waitFor(t, "the counters", func() bool { return s.Metrics().BytesOut == want })
			m := s.Metrics()
			if m.BytesIn != want || m.BytesOut != want {
				t.Errorf("bytes in, out = %d, %d; want %d, %d", m.BytesIn, m.BytesOut, want, want)
			}
			if m.Accepted != int64(len(sizes)) || m.Active != int64(len(sizes)) {
				t.Errorf("accepted, active = %d, %d; want %d, %d", m.Accepted, m.Active, len(sizes), len(sizes))
			}
		})
	}
}

// plainListener hides syscall.Conn, so the server falls back to its plain loop.
type plainListener struct{ net.Listener }

type plainConn struct{ net.Conn }

func (l plainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return plainConn{c}, nil
}

func TestEchoPlainConn(t *testing.T) { eachMode(t, testEchoPlainConn) }

func testEchoPlainConn(t *testing.T, mode []echo.Option) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := echo.New(with(mode, echo.IdleTimeout(50*time.Millisecond))...)
	wait := serve(t, s, plainListener{l})
	c := dial(t, l.Addr().String())
	if err := roundTrip(c, pattern(100_000)); err != nil {
		t.Errorf("echo: %v", err)
	}
	idle := dial(t, l.Addr().String())
	if _, err := io.ReadAll(idle); err != nil { // the idle timeout closes it
		t.Errorf("idle connection: %v; want EOF", err)
	}
	if got := s.Metrics().IdleClosed; got < 1 {
		t.Errorf("idle closed = %d; want at least 1", got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

func TestShutdownClosesIdle(t *testing.T) { eachMode(t, testShutdownClosesIdle) }

func testShutdownClosesIdle(t *testing.T, mode []echo.Option) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := echo.New(mode...)
	wait := serve(t, s, l)
	var conns []net.Conn
	for range 20 {
		c := dial(t, l.Addr().String())
		if err := roundTrip(c, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v; want nil", err)
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
	if m := s.Metrics(); m.Active != 0 || m.Errors != 0 {
		t.Errorf("after Shutdown: active %d, errors %d; want 0, 0", m.Active, m.Errors)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(safety))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("conn %d: read %d bytes after Shutdown; want EOF", i, n)
		}
	}
	if _, err := net.Dial("tcp", l.Addr().String()); err == nil {
		t.Errorf("dial after Shutdown succeeded; want refused")
	}
	if err := s.ListenAndServe("127.0.0.1:0"); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("ListenAndServe after Shutdown = %v; want ErrServerClosed", err)
	}
}

// tunedListener makes the server's send buffers small, so a client that
// does not read blocks the server's echo quickly.
type tunedListener struct{ net.Listener }

func (l tunedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		_ = c.(*net.TCPConn).SetWriteBuffer(4096)
	}
	return c, err
}

// blockedEcho starts a server (with opts) whose echo to one client is
// blocked: the client sent n bytes and reads none.
func blockedEcho(t *testing.T, n int, opts ...echo.Option) (s *echo.Server, c *net.TCPConn, addr string, wait func() error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s = echo.New(opts...)
	wait = serve(t, s, tunedListener{l})
	addr = l.Addr().String()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	tc := nc.(*net.TCPConn)
	_ = tc.SetReadBuffer(4096)
	_ = tc.SetDeadline(time.Now().Add(safety))
	if _, err := tc.Write(pattern(n)); err != nil {
		t.Fatal(err)
	}
	_ = tc.CloseWrite()
	// More in than out: the server holds an echo it cannot finish.
	waitFor(t, "the server's echo to block", func() bool { m := s.Metrics(); return m.BytesIn > m.BytesOut })
	return s, tc, addr, wait
}

func TestShutdownLetsEchoFinish(t *testing.T) { eachMode(t, testShutdownLetsEchoFinish) }

func testShutdownLetsEchoFinish(t *testing.T, mode []echo.Option) {
	const n = 64 << 10
	s, c, _, wait := blockedEcho(t, n, mode...)
	if got := s.Metrics().BytesOut; got >= n {
		t.Fatalf("bytes out = %d before the client reads; want less than %d (echo not blocked)", got, n)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), safety)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	got, err := io.ReadAll(c) // the client reads at last
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	if string(got) != string(pattern(n)) {
		t.Errorf("client got %d bytes; want the %d it sent", len(got), n)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	if m := s.Metrics(); m.BytesOut != n || m.Active != 0 || m.Errors != 0 {
		t.Errorf("after Shutdown: bytes out %d, active %d, errors %d; want %d, 0, 0", m.BytesOut, m.Active, m.Errors, n)
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

func TestShutdownContextThenClose(t *testing.T) { eachMode(t, testShutdownContextThenClose) }

func testShutdownContextThenClose(t *testing.T, mode []echo.Option) {
	s, _, _, wait := blockedEcho(t, 256<<10, mode...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown(cancelled ctx) = %v; want context.Canceled", err)
	}
	if got := s.Metrics().Active; got != 1 {
		t.Errorf("active after a cut-short Shutdown = %d; want 1", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
	if got := s.Metrics().Active; got != 0 {
		t.Errorf("active after Close = %d; want 0", got)
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

// A client that never reads is dropped after the write timeout, and the
// others are served meanwhile.
func TestClientThatNeverReads(t *testing.T) { eachMode(t, testClientThatNeverReads) }

func testClientThatNeverReads(t *testing.T, mode []echo.Option) {
	s, _, addr, wait := blockedEcho(t, 256<<10, with(mode, echo.WriteTimeout(100*time.Millisecond))...)
	good, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	for range 100 {
		if err := roundTrip(good, pattern(4096)); err != nil {
			t.Fatalf("good client: %v", err)
		}
	}
	waitFor(t, "the bad client to be dropped", func() bool { return s.Metrics().Errors == 1 })
	if err := roundTrip(good, []byte("still here")); err != nil {
		t.Errorf("good client after the drop: %v", err)
	}
	good.Close()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	_ = wait()
}

// Clients that send and reset (RST) cost the server an error count each,
// and nothing else.
func TestClientsThatReset(t *testing.T) { eachMode(t, testClientsThatReset) }

func testClientsThatReset(t *testing.T, mode []echo.Option) {
	s, addr := start(t, mode...)
	good := dial(t, addr)
	const bad = 200
	for i := range bad {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(pattern(1 + i*37%5000))
		_ = c.(*net.TCPConn).SetLinger(0)
		c.Close()
		if i%20 == 0 {
			if err := roundTrip(good, pattern(1000)); err != nil {
				t.Fatalf("good client after %d resets: %v", i, err)
			}
		}
	}
	waitFor(t, "the reset connections to end", func() bool {
		m := s.Metrics()
		return m.Accepted == bad+1 && m.Active == 1
	})
	if err := roundTrip(good, []byte("still here")); err != nil {
		t.Errorf("good client: %v", err)
	}
}

func TestMaxConns(t *testing.T) { eachMode(t, testMaxConns) }

func testMaxConns(t *testing.T, mode []echo.Option) {
	const max = 4
	s, addr := start(t, with(mode, echo.MaxConns(max))...)
	var served []net.Conn
	for range max {
		c := dial(t, addr)
		if err := roundTrip(c, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		served = append(served, c)
	}
	// A flood beyond the limit: each is closed at once.
	const flood = 100
	var wg sync.WaitGroup
	for range flood {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return // refused: also not served
			}
			defer c.Close()
			if err := roundTrip(c, []byte("x")); err == nil {
				t.Errorf("a connection beyond MaxConns was served")
			}
		})
	}
	wg.Wait()
	waitFor(t, "the flood to be rejected", func() bool { return s.Metrics().Rejected == flood })
	for i, c := range served {
		if err := roundTrip(c, []byte("still served")); err != nil {
			t.Errorf("served conn %d: %v", i, err)
		}
	}
	served[0].Close()
	waitFor(t, "a place to free up", func() bool { return s.Metrics().Active == max-1 })
	if err := roundTrip(dial(t, addr), []byte("my turn")); err != nil {
		t.Errorf("after a place freed up: %v", err)
	}
	if m := s.Metrics(); m.Accepted != max+1 || m.Errors != 0 {
		t.Errorf("accepted %d, errors %d; want %d, 0", m.Accepted, m.Errors, max+1)
	}
}

func TestIdleTimeout(t *testing.T) { eachMode(t, testIdleTimeout) }

func testIdleTimeout(t *testing.T, mode []echo.Option) {
	s, addr := start(t, with(mode, echo.IdleTimeout(50*time.Millisecond))...)
	c := dial(t, addr)
	if err := roundTrip(c, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(safety))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Errorf("read on an idle connection = %q, %v; want EOF", b, err)
	}
	waitFor(t, "the connection to end", func() bool { return s.Metrics().Active == 0 })
	if m := s.Metrics(); m.IdleClosed != 1 || m.Errors != 0 {
		t.Errorf("idle closed %d, errors %d; want 1, 0", m.IdleClosed, m.Errors)
	}
}

func TestCloseEndsBusyConnections(t *testing.T) { eachMode(t, testCloseEndsBusyConnections) }

func testCloseEndsBusyConnections(t *testing.T, mode []echo.Option) {
	s, c, _, wait := blockedEcho(t, 256<<10, mode...)
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
	if got := s.Metrics().Active; got != 0 {
		t.Errorf("active after Close = %d; want 0", got)
	}
	if _, err := io.ReadAll(c); err == nil {
		// all or part of the echo may arrive, then a reset: either way it ends
		t.Logf("client read ended cleanly")
	}
	if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
}

func TestServeErrors(t *testing.T) {
	s := echo.New()
	if err := s.Serve(nil); err == nil {
		t.Errorf("Serve(nil) = nil; want an error")
	}
	if err := s.ListenAndServe(""); err == nil || !strings.HasPrefix(err.Error(), "echo: ") {
		t.Errorf(`ListenAndServe("") = %v; want an echo: error`, err)
	}
	if err := s.ListenAndServe("127.0.0.1:99999"); err == nil {
		t.Errorf("ListenAndServe(bad port) = nil; want an error")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(l); !errors.Is(err, echo.ErrServerClosed) {
		t.Errorf("Serve after Close = %v; want ErrServerClosed", err)
	}
	if _, err := l.Accept(); err == nil {
		t.Errorf("Serve after Close left its listener open")
	}
}

// TestOptionsPanic: New, which has no error result, panics at once on a
// bad option value, naming the option and the value; the option itself
// only records it.
func TestOptionsPanic(t *testing.T) {
	cases := []struct {
		name string
		opt  func() echo.Option
		want string
	}{
		{"MaxConns(0)", func() echo.Option { return echo.MaxConns(0) }, "echo: New: MaxConns must be positive (got 0)"},
		{"MaxConns(-1)", func() echo.Option { return echo.MaxConns(-1) }, "echo: New: MaxConns must be positive (got -1)"},
		{"IdleTimeout(0)", func() echo.Option { return echo.IdleTimeout(0) }, "echo: New: IdleTimeout must be positive (got 0s)"},
		{"WriteTimeout(-1)", func() echo.Option { return echo.WriteTimeout(-1) }, "echo: New: WriteTimeout must be positive (got -1ns)"},
		{"BufferSize(0)", func() echo.Option { return echo.BufferSize(0) }, "echo: New: BufferSize must be positive (got 0)"},
		{"ParkIdle(-1s)", func() echo.Option { return echo.ParkIdle(-time.Second) }, "echo: New: ParkIdle must be positive (got -1s)"},
		{"Logger(nil)", func() echo.Option { return echo.Logger(nil) }, "echo: New: Logger must not be nil (got nil)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opt echo.Option
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s panicked with %v; want New's panic only", tc.name, r)
					}
				}()
				opt = tc.opt()
			}()
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("New(%s) panicked with %v; want %q", tc.name, r, tc.want)
				}
			}()
			echo.New(echo.BufferSize(512), opt)
		})
	}
}

func TestMetricsHandler(t *testing.T) { eachMode(t, testMetricsHandler) }

func testMetricsHandler(t *testing.T, mode []echo.Option) {
	var logs syncLog // the server's goroutines log while the test reads
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, addr := start(t, with(mode, echo.Logger(log))...)
	if err := roundTrip(dial(t, addr), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the counters", func() bool { return s.Metrics().BytesOut == 5 })
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{"echo_active 1\n", "echo_accepted_total 1\n", "echo_bytes_in_total 5\n", "echo_bytes_out_total 5\n", "echo_errors_total 0\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q; got:\n%s", want, body)
		}
	}
	if !strings.Contains(logs.String(), "echo: serving") {
		t.Errorf("log lacks the start line; got:\n%s", logs.String())
	}
}

// failingListener fails every Accept with err, until closed.
type failingListener struct {
	err    error
	mu     sync.Mutex
	calls  int
	closed bool
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.closed {
		return nil, net.ErrClosed
	}
	return nil, l.err
}

func (l *failingListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *failingListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *failingListener) state() (calls int, closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls, l.closed
}

func TestAcceptErrors(t *testing.T) {
	t.Run("temporary errors are retried", func(t *testing.T) {
		emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
		l := &failingListener{err: emfile}
		s := echo.New()
		wait := serve(t, s, l)
		waitFor(t, "a few retries", func() bool { n, _ := l.state(); return n >= 3 })
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		if err := wait(); !errors.Is(err, echo.ErrServerClosed) {
			t.Errorf("Serve = %v; want ErrServerClosed", err)
		}
	})
	t.Run("other errors end Serve", func(t *testing.T) {
		boom := errors.New("boom")
		l := &failingListener{err: boom}
		s := echo.New()
		if err := s.Serve(l); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "echo: accept: ") {
			t.Errorf("Serve = %v; want echo: accept: boom", err)
		}
		if n, closed := l.state(); n != 1 || !closed {
			t.Errorf("accept calls %d, listener closed %v; want 1, true", n, closed)
		}
		_ = s.Close()
	})
}

// A huge BufferSize is capped at MaxBufferSize rather than allocated.
func TestBufferSizeCapped(t *testing.T) {
	_, addr := start(t, echo.BufferSize(math.MaxInt))
	if err := roundTrip(dial(t, addr), pattern(1000)); err != nil {
		t.Fatalf("echo with BufferSize(MaxInt): %v", err)
	}
}
