// Package echo is a TCP echo server and its load client: the chapter's
// tcp_server (accept in a loop, spawn a task per connection, read into a
// 1 KB buffer and write it back) made fit to run, and the instrument that
// measures it.
//
// # Server
//
// [Server] is modelled on net/http.Server:
//
//	s := echo.New(echo.MaxConns(10_000), echo.IdleTimeout(5*time.Minute))
//	go func() { <-ctx.Done(); s.Shutdown(context.Background()) }() // ctx: signal.NotifyContext
//	err := s.ListenAndServe("127.0.0.1:7000")                        // ErrServerClosed after Shutdown
//
// Each connection gets one goroutine, owned by the server and waited for by
// Shutdown and Close. What the chapter's version lacks, and this one adds:
//   - an idle connection pins no buffer: its goroutine waits for readiness
//     in the runtime's netpoller (syscall.RawConn) and takes a buffer from a
//     pool only when bytes are there;
//   - bad clients cannot hurt the others: a client that never reads is
//     dropped after [WriteTimeout], a client that resets costs an error
//     count, [MaxConns] closes the excess of a flood at once, and
//     [IdleTimeout] reaps the silent;
//   - graceful [Server.Shutdown]: stop accepting, close idle connections,
//     let echoes in flight finish, wait;
//   - TCP_NODELAY (Go's default, kept explicit): without it a 4 KB echo
//     stalls about 40 ms on delayed ACKs;
//   - [Metrics], also as Prometheus text from [Server.MetricsHandler];
//   - with [ParkIdle] (Linux), a quiet connection gives up even its
//     goroutine and waits in the server's own epoll set; one poller
//     goroutine echoes such connections while they stay quiet.
//
// # Cost
//
// Measured with bench/echo/run.sh (spool's bench module) on a shared 2-core
// Linux VM, Go 1.26, 127.0.0.1, against the stdlib baseline (a goroutine per
// connection, a 1 KB buffer, a read-write loop), each server a process of
// its own, driven by [Load]; medians of 5 rounds:
//   - 64 B messages, 50 connections x 20,000: about 0.92x the baseline's
//     server CPU per message (it reads and writes with raw system calls
//     on Linux, and reads on to EAGAIN after each message, which sees a
//     close sent with the last bytes), and 1.05x to 1.15x its throughput
//     as the median of per-round ratios over four runs (rounds spread by
//     13-37%, as the machine's speed drifted); with [ParkIdle], 0.89x to
//     1.06x. Both servers spend most of their CPU in the kernel's
//     loopback TCP path.
//   - 4 KB messages: 2.4x the baseline's throughput and 0.37x its CPU per
//     message (one read and one write per message instead of four each).
//   - 10,000 idle connections: about 3.75 KB of resident memory each, 0.80x
//     the baseline's 4.7 KB (no buffer, but a goroutine's 2 KB stack, a
//     g, the runtime's pollDesc and net's per-connection state remain);
//     with [ParkIdle], about 1.35 KB, 0.29x (no goroutine either).
//
// A 64 B round trip on one connection, both ends in one process, takes 12
// to 25 µs here and allocates nothing (BenchmarkRoundTrip).
//
// # Load
//
// [Load] opens Conns connections and sends Msgs messages of Size bytes on
// each, one at a time, checking every echo byte for byte; it reports
// messages per second, MB/s, p50, p99 and max latency, and errors; given
// the server's pid, also the server's CPU time per message (Linux:
// /proc/PID/stat). In idle mode it holds the connections open instead and,
// given the pid, reports the server's resident memory per connection
// (Linux: /proc/PID/status), when the server's memory grew measurably: a
// server that ran a load before reuses the memory that load freed, so
// measure against a freshly started one. On Unix the hold ends within a
// second once the server has closed every connection, and the report says
// so and how long it lasted. Config.Progress reports the messages
// echoed (in idle mode, the connections opened, as they open) and
// Config.HoldProgress the time held, both about every 100 ms.
//
// As an instrument it should cost little, or its own CPU hides the
// server's: on Unix it drives each connection as the server serves one,
// inside syscall.RawConn.Read, with one write and one read system call a
// message.
//
// # Command line
//
//	spool echo serve --addr 127.0.0.1:7000 [--max-conns N] [--idle-timeout 5m] [--park-idle 1s] [--write-timeout 10s] [--metrics-addr 127.0.0.1:9100]
//	spool echo load  --addr 127.0.0.1:7000 --conns 50 --msgs 20000 --size 64 [--pid PID] [--json]
//	spool echo load  --addr 127.0.0.1:7000 --conns 10000 --idle --hold 5s --pid PID [--json]
//
// serve runs until SIGINT or SIGTERM, then shuts down gracefully and prints
// a one-line summary (exit status 0; a second signal exits at once); its
// --addr must not be empty and its --buffer is at most [MaxBufferSize].
// load draws a progress bar on standard error when it is a terminal (with
// --idle, the connections opened and then the seconds held, one after the
// other on one line, cleared at the end) and prints a table, or JSON with
// --json, on standard output; its --conns,
// --size and --msgs are bounded by [MaxLoadConns], [MaxLoadSize],
// [MaxLoadMsgs] and [MaxLoadMemory]. Interrupted, it prints what it measured
// so far, marked interrupted, and exits 2.
//
// # When not to use it
//
// It echoes bytes; it is not a framework. For a protocol server, take the
// patterns (owned goroutines, Shutdown, write deadlines armed only when a
// write blocks, a connection limit) rather than the type. The raw readiness
// path needs a Unix system; elsewhere, or for connections that do not
// implement syscall.Conn (TLS, a custom net.Listener), the server falls back
// to a plain read loop that holds its buffer.
package echo
