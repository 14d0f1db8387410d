package echo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spool-go/spool/internal/stats"
	"github.com/spool-go/spool/task"
)

// ErrConfig is wrapped by the errors [Load] returns for a bad [Config]. It
// matches [ErrInvalid].
var ErrConfig error = invalidError("echo: bad load config")

// ConfigError is the error [Load] returns for a bad [Config]; it wraps
// [ErrConfig]. Field names the setting as spool echo load's flags do
// ("addr", "conns", "msgs", "size", "hold", "pid", "stall",
// "dial-timeout"), or "conns x size" for the two together.
type ConfigError struct {
	Field   string
	Value   string // as given, e.g. "0" or "-1s"
	Problem string // e.g. "must be positive", "at most 1048576"
}

// Error reads "echo: bad load config: ", the field, its value and the
// problem.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s %s: %s", ErrConfig, e.Field, e.Value, e.Problem)
}

// Unwrap returns ErrConfig, which matches ErrInvalid.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// bad makes a *ConfigError.
func bad(field string, value any, problem string) error {
	return &ConfigError{Field: field, Value: fmt.Sprint(value), Problem: problem}
}

// errStalled fails the connections of a run that made no progress.
var errStalled = errors.New("echo: load stalled")

// msgError is a connection's failure while it sent message i or waited for
// its echo.
type msgError struct {
	i   int
	err error
}

func (e *msgError) Error() string { return fmt.Sprintf("echo: load: message %d: %v", e.i, e.err) }
func (e *msgError) Unwrap() error { return e.err }

// stalledError is the failure of a connection that the stall detector
// closed. Its message says so, in the run's terms; the connection's own
// error, what its read or write of the closed connection returned ("use
// of closed network connection"), stays in the chain but out of the
// message.
type stalledError struct {
	stall error // wraps errStalled: "echo: load stalled: nothing echoed for 10s"
	msg   int   // the message waiting for its echo, or -1 if unknown
	err   error
}

func (e *stalledError) Error() string {
	if e.msg < 0 {
		return fmt.Sprintf("%v; closed the connection", e.stall)
	}
	return fmt.Sprintf("%v; closed the connection, still waiting for the echo of message %d", e.stall, e.msg)
}

func (e *stalledError) Unwrap() []error { return []error{e.stall, e.err} }

// stalled is a connection's failure err when the stall detector closed it.
func stalled(stall, err error) error {
	msg := -1
	if me, ok := errors.AsType[*msgError](err); ok {
		msg = me.i
	}
	return &stalledError{stall: stall, msg: msg, err: err}
}

// Config describes a run of [Load].
type Config struct {
	Addr  string // the server's address, host:port
	Conns int    // connections, each driven by its own goroutine

	// Message mode (Idle false): each connection sends Msgs messages of
	// Size bytes one at a time, waiting for each echo and checking it byte
	// for byte before it sends the next. Both must be positive; idle mode
	// ignores them, but refuses them negative.
	Msgs int
	Size int

	// Idle mode: open Conns connections, echo one byte on each (so the
	// server has surely accepted it), hold them all open for Hold, then
	// echo one byte on each again to check they survived. A connection
	// whose byte comes back as another fails, as in message mode. On Unix the hold
	// ends early, within a second, once the server has closed every
	// connection (it crashed or shut down): they then all count as failed.
	// Hold must be positive; message mode ignores it, but refuses it
	// negative.
	Idle bool
	Hold time.Duration
	// PID, if not zero, is the server's process id (Linux only). Idle mode
	// then reports the server's resident memory per connection, from its
	// growth between /proc/PID/status read before the connections open
	// and at the end of the hold: measure against a freshly started
	// server, as one that ran a load before reuses the memory that load
	// freed (see Report.BytesPerConn). Message mode reports the CPU time
	// the server used per message, from /proc/PID/stat, a figure that
	// other work on the machine disturbs far less than throughput.
	PID int

	// DialTimeout bounds each connection attempt; zero means 5 s.
	DialTimeout time.Duration
	// Stall fails the run's connections when no message is echoed for this
	// long (a safety net against a hung server); zero means 10 s.
	Stall time.Duration
	// Progress, if not nil, is called with the work done so far and the
	// total expected. In message mode that is the messages echoed, of
	// Conns x Msgs: about every 100 ms and at the end. In idle mode it is
	// the connections opened, of Conns: about every 100 ms while they are
	// being opened, and once more when the last dial has ended, before the
	// hold (HoldProgress then reports the hold). It runs on Load's
	// goroutine.
	Progress func(done, total int64)
	// HoldProgress, if not nil, is called in idle mode with how long the
	// connections have been held so far and Hold: at the start of the hold
	// (0), about every 100 ms during it, and at its end (Hold, or less
	// when the hold ends early because the server closed every
	// connection), before the connections are checked again. It is not
	// called once ctx is done. It runs on Load's goroutine.
	HoldProgress func(held, hold time.Duration)
}

// Report is the outcome of [Load]. Durations are in nanoseconds in JSON.
type Report struct {
	Addr  string `json:"addr"`
	Conns int    `json:"conns"`
	Msgs  int    `json:"msgs,omitempty"`
	Size  int    `json:"size,omitempty"`
	Idle  bool   `json:"idle,omitempty"`

	Messages   int64         `json:"messages"`              // echoes received and verified
	Errors     int64         `json:"errors"`                // connections that failed: dial, reset, timeout, wrong bytes
	FirstError string        `json:"first_error,omitempty"` // the first of those errors
	Elapsed    time.Duration `json:"elapsed_ns"`            // message mode: from the first send to the last echo (to the end, if none came); the messages are made before

	MsgsPerSec float64       `json:"msgs_per_sec,omitempty"`
	MBPerSec   float64       `json:"mb_per_sec,omitempty"` // payload echoed, 10^6 bytes a second
	P50        time.Duration `json:"p50_ns,omitempty"`     // round-trip latency of one message
	P99        time.Duration `json:"p99_ns,omitempty"`
	Max        time.Duration `json:"max_ns,omitempty"`
	Samples    int           `json:"samples,omitempty"` // latencies behind P50 and P99 (Max is exact)
	// With PID, message mode: the CPU time the server used during the
	// run, counted in clock ticks of CPUResolution (10 ms on Linux), and
	// ServerCPU / Messages. A run shorter than a tick may show 0: the
	// server then used less than CPUResolution, and less than
	// CPUResolution / Messages per message. In JSON both are present, even
	// 0, whenever cpu_resolution_ns is.
	ServerCPU     time.Duration `json:"server_cpu_ns,omitempty"`
	CPUPerMsg     time.Duration `json:"cpu_per_msg_ns,omitempty"`
	CPUResolution time.Duration `json:"cpu_resolution_ns,omitempty"` // with PID, message mode: the clock tick of ServerCPU

	Held           int           `json:"held,omitempty"`             // idle mode: connections that survived the hold (always in idle mode's JSON, even 0)
	Opened         int           `json:"opened,omitempty"`           // idle mode: connections opened before the hold
	Hold           time.Duration `json:"hold_ns,omitempty"`          // idle mode: how long the connections were held: Config.Hold, or less if HoldEndedEarly (0 if interrupted)
	HoldEndedEarly bool          `json:"hold_ended_early,omitempty"` // idle mode: the hold ended before Config.Hold because the server had closed every connection (it crashed or shut down), or did not hold at all (Hold 0) because no connection passed its first ping
	RSSBefore      int64         `json:"rss_before,omitempty"`       // idle mode with PID: the server's VmRSS, bytes
	RSSAfter       int64         `json:"rss_after,omitempty"`        // at the end of the hold
	// BytesPerConn is (RSSAfter-RSSBefore)/Held, given only when the
	// growth is measurable: at least 1 MiB, which a Go process's resident
	// memory may move by on its own, and 1 KiB per connection held, less
	// than any Go server keeps for an open connection. A server that
	// already ran a load often reuses the memory that load freed and
	// hardly grows: BytesPerConn is then 0 and MemoryNote says why.
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`
	MemoryNote   string  `json:"memory_note,omitempty"` // idle mode with PID: why there is no BytesPerConn

	// Interrupted is set on the partial report Load returns, with an
	// error, when its ctx ended before the run did: the figures cover
	// the run up to then.
	Interrupted bool `json:"interrupted,omitempty"`
}

// MarshalJSON writes r with json's usual rules, except that in idle mode
// held is always present (0 held connections is the key result then) and
// messages and elapsed_ns, which only message mode measures, are left out;
// and that in message mode server_cpu_ns and cpu_per_msg_ns are present,
// even 0, when the server's CPU was measured (cpu_resolution_ns is there).
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	if !r.Idle {
		if r.CPUResolution == 0 {
			return json.Marshal(plain(r))
		}
		return json.Marshal(struct {
			plain
			ServerCPU time.Duration `json:"server_cpu_ns"`
			CPUPerMsg time.Duration `json:"cpu_per_msg_ns"`
		}{plain: plain(r), ServerCPU: r.ServerCPU, CPUPerMsg: r.CPUPerMsg})
	}
	return json.Marshal(struct {
		plain
		Held     int       `json:"held"`
		Messages *struct{} `json:"messages,omitempty"`
		Elapsed  *struct{} `json:"elapsed_ns,omitempty"`
	}{plain: plain(r), Held: r.Held})
}

// Bounds of a [Config], so that a typo cannot make Load allocate more
// memory than a machine has (each connection holds two buffers of Size
// bytes) or overflow its counts.
const (
	MaxLoadConns  = 1 << 20  // connections: 1,048,576 (each also needs a file descriptor)
	MaxLoadSize   = 64 << 20 // bytes per message: 64 MiB
	MaxLoadMsgs   = 1 << 40  // messages per connection
	MaxLoadMemory = 1 << 30  // Conns x Size: 1 GiB of messages (twice that with the echoes)
)

// maxSamples bounds the latencies Load keeps (16 MB); beyond it each
// connection keeps a uniform random sample of its own.
const maxSamples = 2 << 20

// dialLimit bounds the dials in flight, so a burst of thousands does not
// overflow the server's accept queue and wait for SYN retransmits.
const dialLimit = 128

// Load runs a load test against the echo server at cfg.Addr and reports
// what it measured. It returns an error, and no report, for a bad config
// (a [*ConfigError], wrapping [ErrConfig]), when the first connection
// cannot be made (the address is wrong or nothing listens), or when the
// server's /proc entries cannot be read (with PID); failures of single
// connections after that are counted in Report.Errors. If ctx is done during the run, even while the
// connections are still being opened, Load returns the partial report,
// with Interrupted set, and an error wrapping ctx's error and cause; the
// connections and dials it cut are not counted as errors. A bad config's
// error matches [ErrInvalid] too; a nil ctx makes Load panic ("echo: Load:
// nil context").
//
// Load is the instrument of spool's echo benchmarks, so it spends as
// little as it can: on Unix each connection is driven inside
// syscall.RawConn.Read, as the server's connections are, so a message
// costs one write and one read system call (c.Write and io.ReadFull take a
// write and two reads, the first finding nothing), a comparison and a
// time.Now pair, and no allocation. Against a stdlib echo server that cut
// the client's CPU per 64 B message from 6.2-6.6 µs to 5.5-5.6 µs, most of
// it the kernel's loopback path (50 connections x 20,000 messages, three
// runs each). A run of one connection and 1,000 messages of 64 B allocates
// 110 objects, 49 KB, most of it the latency samples (8 bytes a message),
// and takes 10.5 ms against an in-process server (BenchmarkLoad).
func Load(ctx context.Context, cfg Config) (Report, error) {
	if ctx == nil {
		panic("echo: Load: nil context")
	}
	if err := cfg.check(); err != nil {
		return Report{}, err
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.Stall == 0 {
		cfg.Stall = 10 * time.Second
	}
	r := Report{Addr: cfg.Addr, Conns: cfg.Conns, Idle: cfg.Idle}
	if !cfg.Idle {
		r.Msgs, r.Size = cfg.Msgs, cfg.Size
	}
	var err error
	if cfg.PID != 0 {
		// Read the server's figures before dialling, so that a wrong pid
		// fails at once rather than after the connections are made.
		if cfg.Idle {
			r.RSSBefore, err = RSS(cfg.PID)
		} else {
			_, err = CPU(cfg.PID)
		}
		if err != nil {
			return Report{}, err
		}
	}

	l := &loader{cfg: cfg}
	conns, err := l.dialAll(ctx)
	if err != nil {
		if ctx.Err() == nil {
			return Report{}, err
		}
		// Interrupted while connecting: report what there is, marked so.
		r.Interrupted = true
		if cfg.Idle {
			r.Opened = int(l.done.Load())
		}
		r.Errors = l.errs.Load()
		if e := l.first.Load(); e != nil {
			r.FirstError = (*e).Error()
		}
		return r, interruptedError(ctx)
	}
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if cfg.Idle {
		err = l.hold(ctx, conns, &r)
	} else {
		err = l.run(ctx, conns, &r)
	}
	interrupted := ctx.Err() != nil
	if err != nil && !interrupted {
		return Report{}, err
	}
	r.Errors = l.errs.Load()
	if e := l.first.Load(); e != nil {
		r.FirstError = (*e).Error()
	}
	if interrupted {
		r.Interrupted = true
		return r, interruptedError(ctx)
	}
	return r, nil
}

// interruptedError is Load's error when ctx ended during the run: it
// matches ctx's error and its cause.
func interruptedError(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || cause == ctx.Err() {
		return fmt.Errorf("echo: load: interrupted: %w", ctx.Err())
	}
	return fmt.Errorf("echo: load: interrupted: %w (%w)", cause, ctx.Err())
}

func (cfg *Config) check() error {
	switch {
	case cfg.Addr == "":
		return bad("addr", `""`, "give HOST:PORT (e.g. 127.0.0.1:7000)")
	case cfg.Conns <= 0:
		return bad("conns", cfg.Conns, "must be positive")
	case cfg.Conns > MaxLoadConns:
		return bad("conns", cfg.Conns, fmt.Sprintf("at most %d", MaxLoadConns))
	case cfg.DialTimeout < 0:
		return bad("dial-timeout", cfg.DialTimeout, "must not be negative")
	case cfg.Stall < 0:
		return bad("stall", cfg.Stall, "must not be negative")
	case cfg.Idle && cfg.Hold <= 0:
		return bad("hold", cfg.Hold, "must be positive")
	case cfg.PID < 0:
		return bad("pid", cfg.PID, "must not be negative")
	case cfg.Idle && cfg.Msgs < 0: // unused in idle mode, but never negative
		return bad("msgs", cfg.Msgs, "must not be negative")
	case cfg.Idle && cfg.Size < 0:
		return bad("size", cfg.Size, "must not be negative")
	case !cfg.Idle && cfg.Hold < 0: // unused in message mode, likewise
		return bad("hold", cfg.Hold, "must not be negative")
	case !cfg.Idle && cfg.Msgs <= 0:
		return bad("msgs", cfg.Msgs, "must be positive")
	case !cfg.Idle && int64(cfg.Msgs) > MaxLoadMsgs:
		return bad("msgs", cfg.Msgs, fmt.Sprintf("at most %d", int64(MaxLoadMsgs)))
	case !cfg.Idle && cfg.Size <= 0:
		return bad("size", cfg.Size, "must be positive")
	case !cfg.Idle && cfg.Size > MaxLoadSize:
		return bad("size", cfg.Size, fmt.Sprintf("at most %d (64 MiB)", MaxLoadSize))
	case !cfg.Idle && int64(cfg.Conns)*int64(cfg.Size) > MaxLoadMemory:
		return bad("conns x size", fmt.Sprintf("%d x %d bytes", cfg.Conns, cfg.Size), "at most 1 GiB of messages in flight")
	}
	return nil
}

// loader holds the shared state of one Load run.
type loader struct {
	cfg   Config
	done  atomic.Int64 // messages echoed (idle mode: connections opened)
	errs  atomic.Int64
	first atomic.Pointer[error]
}

func (l *loader) fail(err error) {
	l.errs.Add(1)
	l.first.CompareAndSwap(nil, &err)
}

// dialAll opens cfg.Conns connections: the first alone, so that a wrong
// address is an error rather than Conns failures, the rest dialLimit at a
// time. A failed dial leaves a nil conn and counts as an error, unless ctx
// ended.
func (l *loader) dialAll(ctx context.Context) ([]net.Conn, error) {
	d := net.Dialer{Timeout: l.cfg.DialTimeout}
	first, err := d.DialContext(ctx, "tcp", l.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("echo: load: %w", err)
	}
	conns := make([]net.Conn, l.cfg.Conns)
	conns[0] = first
	// In idle mode Progress counts the connections as they open.
	var report func()
	if l.cfg.Idle {
		l.done.Add(1)
		if l.cfg.Progress != nil {
			report = func() { l.cfg.Progress(l.done.Load(), int64(l.cfg.Conns)) }
		}
	}
	g := task.NewGroup[struct{}](ctx, task.Limit(dialLimit))
	defer g.Close()
	reporting(ctx, report, func(ctx context.Context) {
		for i := 1; i < len(conns); i++ {
			g.Go(ctx, func(ctx context.Context) (struct{}, error) {
				c, err := d.DialContext(ctx, "tcp", l.cfg.Addr)
				if err != nil {
					if ctx.Err() == nil { // a dial the interrupt cut is no failure
						l.fail(err)
					}
					return struct{}{}, nil
				}
				conns[i] = c
				if l.cfg.Idle {
					l.done.Add(1)
				}
				return struct{}{}, nil
			})
		}
		_, _ = g.Wait(ctx)
	})
	if report != nil && ctx.Err() == nil {
		report() // every dial has ended
	}
	if err := ctx.Err(); err != nil {
		g.Close()
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		return nil, fmt.Errorf("echo: load: %w", err)
	}
	return conns, nil
}

// progressEvery is how often Load reports progress while it works.
const progressEvery = 100 * time.Millisecond

// reporting runs work on a goroutine of its own and, until work returns,
// calls report (if not nil) every progressEvery on the caller's goroutine,
// where Config's callbacks are documented to run. Work gets a ctx without
// the caller's runtime slot (see [task.WithoutSlot]); the caller's wait is
// an await point, as waiting for work itself would be.
func reporting(ctx context.Context, report func(), work func(context.Context)) {
	if report == nil {
		work(ctx)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(task.WithoutSlot(ctx))
	}()
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		p := task.Park(ctx)
		select {
		case <-done:
			p.Resume()
			return
		case <-t.C:
			p.Resume()
			report()
		}
	}
}

// connResult is what one connection's goroutine measured.
type connResult struct {
	lat  []time.Duration // all latencies, or a uniform sample of them
	max  time.Duration
	last time.Time // when its last echo came; zero if none did
}

// run is message mode. If ctx ends during the run, r holds the figures up
// to then and run returns nil: Load marks the report interrupted.
func (l *loader) run(ctx context.Context, conns []net.Conn, r *Report) error {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keep := min(l.cfg.Msgs, max(1, maxSamples/len(conns)))
	start := make(chan struct{})
	allEnded := make(chan struct{})
	var ready sync.WaitGroup
	var left atomic.Int64 // tasks still running; the last one closes allEnded
	for _, c := range conns {
		if c != nil {
			left.Add(1)
		}
	}
	g := task.NewGroup[connResult](runCtx)
	// On every return, cancel the tasks before waiting for them: one that
	// still waits for start leaves on its ctx (g.Close cancels it too).
	defer g.Close()
	defer cancel(nil)
	for i, c := range conns {
		if c == nil {
			continue
		}
		ready.Add(1)
		// Started even if runCtx is done (each then returns at once), so
		// that ready and left count every connection's task.
		g.Go(context.WithoutCancel(runCtx), func(tctx context.Context) (connResult, error) {
			defer func() {
				if left.Add(-1) == 0 {
					close(allEnded)
				}
			}()
			stop := context.AfterFunc(tctx, func() { c.Close() })
			defer stop()
			res := connResult{lat: make([]time.Duration, 0, keep)}
			// The message is made before the clock starts: filling 64 MiB
			// with random bytes takes longer than echoing it.
			e := l.prepare(tctx, uint64(i), keep, &res)
			ready.Done()
			if e == nil {
				return res, nil // interrupted while filling
			}
			select {
			case <-start:
			case <-tctx.Done():
				return res, nil // run returned early
			}
			if err := e.echoes(c); err != nil {
				if ctx.Err() != nil {
					return res, nil // interrupted: not the connection's failure
				}
				if cause := context.Cause(runCtx); errors.Is(cause, errStalled) {
					err = stalled(cause, err)
				} else if cause != nil {
					err = fmt.Errorf("%w (%v)", cause, err)
				}
				l.fail(err)
			}
			return res, nil
		})
	}
	ready.Wait()

	total := int64(l.cfg.Conns) * int64(l.cfg.Msgs)
	var cpu0, cpu1 time.Duration
	if l.cfg.PID != 0 {
		var err error
		if cpu0, err = CPU(l.cfg.PID); err != nil {
			return err
		}
	}
	if testHookClock != nil {
		testHookClock()
	}
	t0 := time.Now()
	close(start)
	l.watch(runCtx, allEnded, total, func(err error) { cancel(err) })
	r.Elapsed = time.Since(t0) // if nothing was echoed; else up to the last echo, below
	// Every task has ended (watch waits for allEnded), so Wait returns at
	// once, with their results, even if ctx is done.
	results, _ := g.Wait(context.WithoutCancel(ctx))
	if l.cfg.PID != 0 {
		var err error
		if cpu1, err = CPU(l.cfg.PID); err != nil {
			return err
		}
		r.ServerCPU = cpu1 - cpu0
		r.CPUResolution = clockTick()
	}

	var lat []float64
	var last time.Time
	for _, res := range results {
		for _, d := range res.lat {
			lat = append(lat, float64(d))
		}
		r.Max = max(r.Max, res.max)
		if res.last.After(last) {
			last = res.last
		}
	}
	if !last.IsZero() { // not to the end of the slowest connection: a stall would count
		r.Elapsed = last.Sub(t0)
	}
	r.Messages = l.done.Load()
	r.Samples = len(lat)
	if len(lat) > 0 {
		s := stats.Summarize(lat)
		r.P50, r.P99 = time.Duration(s.Median), time.Duration(s.P99)
	}
	if r.Messages > 0 {
		r.CPUPerMsg = r.ServerCPU / time.Duration(r.Messages)
	}
	if secs := r.Elapsed.Seconds(); secs > 0 {
		r.MsgsPerSec = float64(r.Messages) / secs
		r.MBPerSec = float64(r.Messages) * float64(l.cfg.Size) / secs / 1e6
	}
	return nil
}

// watch reports progress every 100 ms until ended is closed or ctx is
// done, and calls stall if nothing moves for cfg.Stall.
func (l *loader) watch(ctx context.Context, ended <-chan struct{}, total int64, stall func(error)) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last, since := l.done.Load(), time.Now()
	report := func() {
		if l.cfg.Progress != nil {
			l.cfg.Progress(l.done.Load(), total)
		}
	}
	for {
		select {
		case <-ended:
			report()
			return
		case <-ctx.Done():
			<-ended
			report()
			return
		case now := <-t.C:
			report()
			if n := l.done.Load(); n != last {
				last, since = n, now
			} else if now.Sub(since) > l.cfg.Stall {
				stall(fmt.Errorf("%w: nothing echoed for %v", errStalled, l.cfg.Stall))
			}
		}
	}
}

// Test hooks, nil but in tests: testHookFilled runs when a connection's
// message is filled, testHookClock just before the run's clock starts.
var testHookFilled, testHookClock func()

// fillChunk is how many bytes of a message prepare fills between looks at
// whether the run was interrupted.
const fillChunk = 1 << 20

// prepare makes a connection's exchange: its message, filled with random
// bytes from seed, and the buffer for the echo, its pages touched, so that
// neither costs the run's clock. It returns nil if ctx ends first.
func (l *loader) prepare(ctx context.Context, seed uint64, keep int, res *connResult) *exchange {
	size := l.cfg.Size
	e := &exchange{l: l, msg: make([]byte, size), got: make([]byte, size), keep: keep, res: res}
	e.rng = rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var w [8]byte
	for i := 0; i < size; i += len(w) {
		if i%fillChunk == 0 && i > 0 && ctx.Err() != nil {
			return nil
		}
		binary.LittleEndian.PutUint64(w[:], e.rng.Uint64())
		copy(e.msg[i:], w[:])
	}
	for i := 0; i < size; i += pageSize {
		e.got[i] = 0 // a write faults the page in, as the first echo would
	}
	if testHookFilled != nil {
		testHookFilled()
	}
	return e
}

var pageSize = os.Getpagesize()

// echoes sends cfg.Msgs messages on c, one at a time, and checks each echo.
func (e *exchange) echoes(c net.Conn) error {
	l := e.l
	if sc, ok := c.(syscall.Conn); ok && rawSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			return e.raw(c, rc)
		}
	}
	for i := range l.cfg.Msgs {
		e.next(i)
		if err := e.roundTrip(c); err != nil {
			return &msgError{i, err}
		}
		if err := e.check(i); err != nil {
			return err
		}
	}
	return nil
}

// bigMessage is the size from which a message is written by a goroutine of
// its own while its echo is read: written first, a message bigger than the
// socket buffers of both ends fills them, and then the server and the
// client each wait for the other to read.
const bigMessage = 64 << 10

// roundTrip writes e.msg on c and reads its echo into e.got.
func (e *exchange) roundTrip(c net.Conn) error {
	if len(e.msg) < bigMessage {
		if _, err := c.Write(e.msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, e.got)
		return err
	}
	writing := make(chan error, 1)
	go func() {
		_, err := c.Write(e.msg)
		writing <- err
	}()
	_, rerr := io.ReadFull(c, e.got)
	if rerr != nil {
		_ = c.SetWriteDeadline(aLongTimeAgo) // end the write, then wait for it
	}
	werr := <-writing
	if rerr != nil {
		return rerr
	}
	return werr
}

// exchange is one connection's state in message mode.
type exchange struct {
	l        *loader
	msg, got []byte
	rng      *rand.Rand
	keep     int
	res      *connResult
	t0       time.Time
}

// next stamps message i and starts its clock.
func (e *exchange) next(i int) {
	stamp(e.msg, uint64(i))
	e.t0 = time.Now()
}

// check compares the echo of message i, in e.got, with what was sent, and
// records its latency.
func (e *exchange) check(i int) error {
	now := time.Now()
	d := now.Sub(e.t0)
	if !bytes.Equal(e.got, e.msg) {
		return fmt.Errorf("echo: load: message %d: echo differs at byte %d", i, mismatch(e.got, e.msg))
	}
	e.l.done.Add(1)
	res := e.res
	res.last = now
	res.max = max(res.max, d)
	if len(res.lat) < e.keep {
		res.lat = append(res.lat, d)
	} else if j := e.rng.IntN(i + 1); j < e.keep { // reservoir sampling
		res.lat[j] = d
	}
	return nil
}

// stamp writes the message number into msg so that a stale or reordered
// echo cannot pass for the right one.
func stamp(msg []byte, i uint64) {
	if len(msg) >= 8 {
		binary.LittleEndian.PutUint64(msg, i)
		return
	}
	msg[0] = byte(i)
}

func mismatch(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// hold is idle mode. If ctx ends during the hold, r says how many
// connections were opened and hold returns nil: Load marks the report
// interrupted.
func (l *loader) hold(ctx context.Context, conns []net.Conn, r *Report) error {
	alive := l.ping(ctx, conns)
	r.Opened = int(l.done.Load())
	if ctx.Err() != nil {
		return nil
	}
	if alive == 0 {
		// Every connection failed its first ping: there is nothing to
		// hold, and holding nothing for Config.Hold only delays the
		// report.
		r.HoldEndedEarly = true
		return nil
	}
	held, err := l.sleepHold(ctx, conns)
	if err != nil {
		return nil
	}
	r.Hold, r.HoldEndedEarly = held, held < l.cfg.Hold
	if l.cfg.PID != 0 {
		if r.RSSAfter, err = RSS(l.cfg.PID); err != nil {
			return err
		}
	}
	r.Held = l.ping(ctx, conns)
	if ctx.Err() != nil {
		r.Held = 0 // not all were checked
		return nil
	}
	if l.cfg.PID != 0 && r.Held > 0 {
		r.BytesPerConn, r.MemoryNote = perConn(r.RSSBefore, r.RSSAfter, r.Held)
	}
	return nil
}

// What a server's resident memory must grow by, in all and per connection
// held, for [Load] to give its memory per connection. The first is above
// what an idle Go server's moves by on its own (up to about 150 KB here,
// between two reads a few seconds apart); the second is below what any Go
// server keeps for an open connection (spool echo serve: about 1.35 KB
// with ParkIdle, 3.75 KB without).
const (
	minRSSGrowth    = 1 << 20
	minConnRSSBytes = 1 << 10
)

// perConn returns the memory per connection of a server whose resident
// memory went from before to after while it held held connections, or 0
// and a note saying why there is none.
func perConn(before, after int64, held int) (float64, string) {
	grew := after - before
	if grew >= minRSSGrowth && grew >= int64(held)*minConnRSSBytes {
		return float64(grew) / float64(held), ""
	}
	return 0, fmt.Sprintf("the server's resident memory did not grow measurably (%+.1f MB for %d connections; "+
		"a figure needs 1 MiB, and 1 KiB a connection): it likely reused memory an earlier load freed, "+
		"or too few connections were held; measure against a freshly started server, with thousands of connections",
		float64(grew)/1e6, held)
}

// holdLook is how often the hold looks whether the server has closed
// every connection (a server that crashed or shut down), and holdSample
// how many connections it peeks at first.
const (
	holdLook   = time.Second
	holdSample = 8
)

// sleepHold waits out the hold, or ends it early once the server has
// closed every connection: the pings after it then count them all as
// failed at once, rather than after the whole hold. Every holdLook it
// peeks at up to holdSample connections spread over them without waiting
// (one system call each), and at all of them only when those were all
// gone. It returns how long it held them: cfg.Hold if it ran its course,
// less if it ended early. It reports the time held to
// cfg.HoldProgress, if set, at the start, every progressEvery and at the
// end; it returns ctx's error, with no last report, if ctx ends first.
func (l *loader) sleepHold(ctx context.Context, conns []net.Conn) (held time.Duration, err error) {
	start := time.Now()
	end := start.Add(l.cfg.Hold)
	report := func(now time.Time) {
		if l.cfg.HoldProgress != nil {
			l.cfg.HoldProgress(min(now.Sub(start), l.cfg.Hold), l.cfg.Hold)
		}
	}
	report(start)
	var tick <-chan time.Time
	if l.cfg.HoldProgress != nil {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		tick = t.C
	}
	look := time.NewTimer(min(l.cfg.Hold, holdLook))
	defer look.Stop()
	for {
		p := task.Park(ctx) // an await point, as task.Sleep was
		looked := false
		select {
		case <-ctx.Done():
		case <-tick:
		case <-look.C:
			looked = true
		}
		p.Resume()
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		now := time.Now()
		left := end.Sub(now)
		switch {
		case left <= 0: // on a tick too: the end has come, look or not
			report(end)
			return l.cfg.Hold, nil
		case !looked:
			report(now)
		case allGone(conns):
			report(now)
			return now.Sub(start), nil // left > 0: short of the hold
		default:
			look.Reset(min(left, holdLook))
		}
	}
}

// allGone reports whether the peer has closed every live connection of
// conns, as far as a read that does not wait can tell (always false where
// it cannot tell).
func allGone(conns []net.Conn) bool {
	live := conns[:0:0]
	for _, c := range conns {
		if c != nil {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return false
	}
	step := max(1, len(live)/holdSample)
	for i := 0; i < len(live); i += step {
		if !closedByPeer(live[i]) {
			return false
		}
	}
	for _, c := range live {
		if !closedByPeer(c) {
			return false
		}
	}
	return true
}

// ping echoes one byte on every live connection, dialLimit at a time; a
// connection that fails (its write or read fails, or the byte that comes
// back is not the one sent) is closed, set to nil and counted. If ctx ends, the
// pings stop at once and count nothing. It returns how many passed.
func (l *loader) ping(ctx context.Context, conns []net.Conn) int {
	var ok atomic.Int64
	g := task.NewGroup[struct{}](ctx, task.Limit(dialLimit))
	defer g.Close()
	for i, c := range conns {
		if c == nil {
			continue
		}
		g.Go(ctx, func(tctx context.Context) (struct{}, error) {
			b := [1]byte{'.'}
			_ = c.SetDeadline(time.Now().Add(l.cfg.Stall))
			stop := context.AfterFunc(tctx, func() { _ = c.SetDeadline(aLongTimeAgo) }) // interrupted: stop waiting
			_, err := c.Write(b[:])
			if err == nil {
				_, err = io.ReadFull(c, b[:])
			}
			if err == nil && b[0] != '.' {
				// Not an echo: a server that greets (SSH, SMTP) or answers.
				err = fmt.Errorf("its 1-byte ping %q came back as %q", '.', b[0])
			}
			stop()
			_ = c.SetDeadline(time.Time{})
			if err != nil {
				if ctx.Err() != nil {
					return struct{}{}, nil // interrupted: not the connection's failure
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					// Say what the timeout means, as message mode's stall does.
					err = fmt.Errorf("its 1-byte ping not echoed within %v: %w", l.cfg.Stall, err)
				}
				l.fail(fmt.Errorf("echo: load: idle connection %d: %w", i, err))
				c.Close()
				conns[i] = nil
				return struct{}{}, nil
			}
			ok.Add(1)
			return struct{}{}, nil
		})
	}
	_, _ = g.Wait(ctx)
	return int(ok.Load())
}

// RSS returns the resident memory of process pid in bytes, read from
// /proc/PID/status (VmRSS). It works on Linux only. A pid below 1 is
// refused with an error matching [ErrInvalid].
func RSS(pid int) (int64, error) {
	if pid < 1 {
		return 0, invalidError(fmt.Sprintf("echo: RSS: pid must be positive (got %d)", pid))
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("echo: memory of pid %d (needs Linux /proc): %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("echo: memory of pid %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("echo: memory of pid %d: no VmRSS in /proc/%d/status", pid, pid)
}

// CPU returns the CPU time, user and system, that process pid has used,
// read from /proc/PID/stat in clock ticks (Linux's USER_HZ, almost always
// 100 a second: 10 ms). It works on Linux only. A pid below 1 is refused
// with an error matching [ErrInvalid].
func CPU(pid int) (time.Duration, error) {
	if pid < 1 {
		return 0, invalidError(fmt.Sprintf("echo: CPU: pid must be positive (got %d)", pid))
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("echo: cpu of pid %d (needs Linux /proc): %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14, 15.
	var f []string
	if i := bytes.LastIndexByte(b, ')'); i >= 0 {
		f = strings.Fields(string(b[i+1:]))
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("echo: cpu of pid %d: cannot parse /proc/%d/stat", pid, pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("echo: cpu of pid %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick(), nil
}

// clockTick is the clock tick of /proc/PID/stat's CPU times: a second
// divided by USER_HZ, which the kernel gives every process in its auxiliary
// vector (AT_CLKTCK); 10 ms if /proc/self/auxv cannot tell.
var clockTick = sync.OnceValue(func() time.Duration {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 10 * time.Millisecond
	}
	word := strconv.IntSize / 8
	for ; len(b) >= 2*word; b = b[2*word:] {
		var key, val uint64
		if word == 8 {
			key, val = binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
		} else {
			key, val = uint64(binary.NativeEndian.Uint32(b)), uint64(binary.NativeEndian.Uint32(b[4:]))
		}
		if key == atClkTck && val > 0 && val <= uint64(time.Second) {
			return time.Second / time.Duration(val)
		}
	}
	return 10 * time.Millisecond
})
