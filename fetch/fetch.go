package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/task"
)

// Errors of URLs that were not fetched. A Result's Err matches them with
// errors.Is.
var (
	// ErrMalformed: the URL does not parse, or is not absolute with a host
	// (and a port from 1 to 65535, if any).
	ErrMalformed = errors.New("fetch: malformed URL")
	// ErrScheme: the URL's scheme is not http or https.
	ErrScheme = errors.New("fetch: unsupported scheme")
	// ErrDuplicate: the URL appeared earlier in the input.
	ErrDuplicate = errors.New("fetch: duplicate URL")
	// ErrNameClash: with [Dir], the URL's [FileName] is that of a
	// different URL earlier in the input, whose body has the file; the
	// error names the name and that URL's index. It takes two URLs whose
	// SHA-256 share their first 96 bits, so it is not expected by chance.
	ErrNameClash = errors.New("fetch: file name clash")
	// ErrTooLarge: the body is longer than [MaxBytes] allows. It is not
	// retried.
	ErrTooLarge = errors.New("fetch: body too large")
	// ErrCancelled: the run's context ended before the URL was done. The
	// error also matches ctx.Err() (context.Canceled or
	// context.DeadlineExceeded) and ctx's cause, which its text ends with
	// when it differs ("fetch: cancelled: request budget spent").
	ErrCancelled = errors.New("fetch: cancelled")
)

// Result is the outcome of one URL. Its JSON form is the record `spool
// fetch` prints: url, status, bytes, attempts, duration_ms, error (null on
// success) and, with [Dir], path.
//
// URL is as given, with any password it holds: print it with [Redact],
// as MarshalJSON does.
type Result struct {
	URL      string        // the URL as given (spaces trimmed), password included
	Index    int           // its position in the input, from 0
	Status   int           // the status of the last attempt's response; 0 if it got none
	Bytes    int64         // body bytes of the last attempt (at most MaxBytes; 0 when its Content-Length was over)
	Attempts int           // requests made (0 when the URL was rejected or never started)
	Duration time.Duration // from the first attempt's start to the end
	Path     string        // where the body was saved, with [Dir]
	Err      error         // nil on success
}

// MarshalJSON writes r as the record of `spool fetch`, on one line. Its
// url is r.URL with whatever could be a password masked by [Redact]
// ("http://ann:xxxxx@host/"), as are passwords in the URLs its error
// names; the error of a URL that may hold a password quotes no piece of
// it (not the parser's reason, a port, or a suggested fix). Its
// error is Err's message in the user's terms: the failure itself, as
// "404 Not Found" or "timed out after 5s", without the names of the
// packages it came through or the request's URL where that is the
// record's, and with the number of attempts where retrying gave up (see
// the package doc). Characters that HTML treats specially (&, <, >) are
// written as they are: an encoder that escapes them (as json.Marshal
// does) still escapes them.
func (r Result) MarshalJSON() ([]byte, error) {
	rec := struct {
		URL      string  `json:"url"`
		Status   int     `json:"status"`
		Bytes    int64   `json:"bytes"`
		Attempts int     `json:"attempts"`
		Duration float64 `json:"duration_ms"`
		Error    *string `json:"error"`
		Path     string  `json:"path,omitempty"`
	}{Redact(r.URL), r.Status, r.Bytes, r.Attempts, math.Round(float64(r.Duration)/1e3) / 1e3, nil, r.Path}
	if r.Err != nil {
		s := message(r.Err, r.URL)
		rec.Error = &s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "?a=1&b=2", not "?a=1\u0026b=2"
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Option configures [Run]. Options never panic: a bad value is recorded,
// and Run, which has no error result, panics at once naming it, as in
// "fetch: Run: Concurrency must be positive (got 0)".
type Option func(*config)

type config struct {
	bad         string // the first bad option, for Run's panic
	concurrency int
	timeout     time.Duration
	retries     int
	retryOpts   []retry.Option
	maxAfter    time.Duration
	dir         string
	ordered     bool
	client      *http.Client
	maxBytes    int64               // 0: no limit
	fileName    func(string) string // FileName; a test's own, to force a clash
}

// Defaults of [Run].
const (
	DefaultConcurrency   = 8
	DefaultTimeout       = 30 * time.Second
	DefaultRetries       = 2
	DefaultMaxRetryAfter = time.Minute
)

// fail records the first bad option, for Run's panic.
func (c *config) fail(format string, args ...any) {
	if c.bad == "" {
		c.bad = fmt.Sprintf(format, args...)
	}
}

// Concurrency sets how many URLs are fetched at once (default 8). n must
// be positive.
func Concurrency(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("Concurrency must be positive (got %d)", n)
			return
		}
		c.concurrency = n
	}
}

// Timeout sets the time limit of each attempt, reading the body included
// (default 30 s). d must be positive.
func Timeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("Timeout must be positive (got %v)", d)
			return
		}
		c.timeout = d
	}
}

// Retries sets how many times a failed URL is tried again (default 2, so
// 3 attempts; 0 disables retrying). math.MaxInt means no limit but ctx.
// n must not be negative.
func Retries(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("Retries must not be negative (got %d)", n)
			return
		}
		c.retries = n
	}
}

// Retry adds options for package retry's policy, such as a back-off
// schedule (default retry.Exponential(100ms, 10s) with full jitter) or
// retry.OnRetry. They apply after fetch's own (attempts, timeout,
// Retry-After cap), so they can override them; a *retry.Policy among them
// overrides only the settings it was built with. They must be valid
// (retry.New must accept them).
func Retry(opts ...retry.Option) Option {
	_, err := retry.New(opts...)
	return func(c *config) {
		if err != nil {
			c.fail("Retry options must be valid (got %s)", strings.TrimPrefix(err.Error(), "retry: "))
			return
		}
		c.retryOpts = append(c.retryOpts, opts...)
	}
}

// MaxRetryAfter caps the delay a server can ask for with Retry-After
// (default 1 minute); the wait is the server's delay plus up to a tenth
// of it at random, or, for a delay cut to the cap, the cap less up to a
// tenth of it (see retry.After); 0 ignores the header. d must not be negative.
func MaxRetryAfter(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("MaxRetryAfter must not be negative (got %v)", d)
			return
		}
		c.maxAfter = d
	}
}

// Dir saves each body under dir, which must exist, as [FileName] of its
// URL, written to a temporary file and renamed into place when complete.
// dir must not be "" (give "." for the current directory). Run checks dir
// once, when the loop over its results starts: if it is not a directory
// then, no request is made, and every URL is yielded with an error naming
// dir and saying why ("fetch: Dir /x: no such file or directory", which
// matches fs.ErrNotExist; syscall.ENOTDIR for a file), or, if ctx is done,
// as cancelled.
func Dir(dir string) Option {
	return func(c *config) {
		if dir == "" {
			c.fail(`Dir must not be empty (got ""; give "." for the current directory)`)
			return
		}
		c.dir = dir
	}
}

// MaxBytes fails a URL whose body is longer than n bytes with an error
// matching [ErrTooLarge], which is not retried (the next attempt would
// get the same body); n must be positive. The default is no limit. A body
// whose Content-Length is over n is refused unread (Result.Bytes 0);
// otherwise reading stops after n bytes (Result.Bytes n), and with [Dir]
// the temporary file is removed, leaving no file. The bytes counted are
// the body's as the client returns it: Run's own client, like any
// net/http client that has not been told otherwise, asks for gzip and
// undoes it, so n counts the bytes once decompressed, what is saved,
// whatever came over the wire (a few hundred KB of gzip can be a
// thousand times that).
func MaxBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("MaxBytes must be positive (got %d)", n)
			return
		}
		c.maxBytes = n
	}
}

// Ordered makes Run yield results in input order rather than completion
// order. A slow URL then holds back the results after it: Run stops
// starting new URLs once 16 x Concurrency results are waiting for it.
func Ordered() Option { return func(c *config) { c.ordered = true } }

// Client sets the HTTP client (default: one of Run's own, whose transport
// keeps Concurrency idle connections per host and is closed at the end).
//
// cl must not be nil (Run panics, as for any bad option). Run uses cl as
// it is, neither changed nor copied: its Transport, Jar,
// Timeout and CheckRedirect apply, and Run reads its CheckRedirect field
// only to tell whose policy refused a redirect. A redirect refused reads
// as clearly as with Run's own client, naming the absolute URL of the
// redirect not taken where net/http's error names the Location header as
// it came (Get "/loop": ...). When cl has no CheckRedirect, net/http's
// default policy stops after 10 redirects and the error is the same as
// with Run's own client, which matches [ErrRedirects] and is not retried.
// When cl's own CheckRedirect refuses one, the error reads "fetch:
// redirect to URL refused: " and CheckRedirect's error, and does not match
// ErrRedirects (only the policy knows why it refused), and errors.Is
// finds CheckRedirect's error. Neither is retried: the same policy would
// refuse the same redirect again. Either way errors.As finds the
// *url.Error that cl.Do returned. A CheckRedirect that returns http.ErrUseLastResponse
// makes the redirect response the URL's (a success, its status below 400).
func Client(cl *http.Client) Option {
	return func(c *config) {
		if cl == nil {
			c.fail("Client must not be nil (got nil)")
			return
		}
		c.client = cl
	}
}

type job struct {
	index int
	url   string
	name  string // the file's name, with Dir
}

// Run fetches the URLs that urls yields, concurrently, and yields one
// [Result] for each, in completion order (or input order with [Ordered]).
// Nothing starts until the returned sequence is ranged over; it may be
// ranged over more than once, fetching again each time.
//
// urls is read on a goroutine of Run's own, ahead of the fetches, so it
// may block (reading a pipe, say); it must end on its own, and after ctx is
// done it is read to its end to report every URL (see the package doc).
// Results are yielded on the goroutine ranging over Run; all of Run's
// goroutines, tasks of a [task.Group], have ended when the loop ends. A
// panic in urls reaches the loop as a panic with a *task.PanicError, after
// the URLs read before it are reported. Having no error result, Run
// panics at once on bad input: a nil ctx ("fetch: Run: nil context"), nil
// urls, a nil option, or a bad option value, naming it (see [Option]).
//
// Cost: over a bare loop of client.Get calls on the same transport, Run
// adds about 13 allocations (1.1 KB) per URL: validation, the retry policy's
// attempt timeout, the record (BenchmarkRun against BenchmarkPlain: 75
// against 62 allocations, and a median 19 µs against 17 µs a URL, ±20-30%
// on the busy 2-core machine, against a local server). A run starts at
// most Concurrency+1 tasks: one that reads urls, and the workers, started
// one per URL as they are needed, so a huge Concurrency costs nothing for
// a short list.
func Run(ctx context.Context, urls iter.Seq[string], opts ...Option) iter.Seq[Result] {
	if ctx == nil {
		panic("fetch: Run: nil context")
	}
	if urls == nil {
		panic("fetch: Run: urls must not be nil (got nil)")
	}
	c := config{
		concurrency: DefaultConcurrency,
		timeout:     DefaultTimeout,
		retries:     DefaultRetries,
		maxAfter:    DefaultMaxRetryAfter,
		fileName:    FileName,
	}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("fetch: Run: option must not be nil (got nil at index %d)", i))
		}
		o(&c)
	}
	if c.bad != "" {
		panic("fetch: Run: " + c.bad)
	}
	return func(yield func(Result) bool) { c.run(ctx, urls, yield) }
}

func (c *config) run(ctx context.Context, urls iter.Seq[string], yield func(Result) bool) {
	client := c.client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = min(c.concurrency, maxBuffer)
		client = &http.Client{Transport: tr} // net/http's redirect policy: see refused
		defer tr.CloseIdleConnections()
	}
	attempts := math.MaxInt // Retries(math.MaxInt): no limit, and no overflow
	if c.retries < math.MaxInt {
		attempts = c.retries + 1
	}
	policy, err := retry.New(append([]retry.Option{
		retry.MaxAttempts(attempts),
		retry.AttemptTimeout(c.timeout),
		retry.MaxAfter(c.maxAfter),
		retry.Backoff(retry.Exponential(100*time.Millisecond, 10*time.Second).Jitter(retry.FullJitter)),
	}, c.retryOpts...)...)
	if err != nil { // unreachable: Retry validated its options
		panic(fmt.Sprintf("fetch: retry options: %v", err))
	}

	dirErr := c.checkDir() // every URL fails with it, unrequested

	// stop is closed when the consumer breaks out (or panics): then the
	// input is no longer read and the records still to come are dropped.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() {
		stopOnce.Do(func() { close(stop) })
		cancel()
	}

	// Buffers sized by the concurrency limit (up to maxBuffer), so that
	// each worker can hand over its result and take its next job without
	// waiting on the others.
	jobs := make(chan job, min(c.concurrency, maxBuffer))
	out := make(chan Result, min(c.concurrency, maxBuffer))
	var window chan struct{} // Ordered: a place for each result not yet yielded
	if c.ordered {
		w := math.MaxInt // places cost no memory: chan struct{}
		if c.concurrency <= math.MaxInt/16 {
			w = 16 * c.concurrency
		}
		window = make(chan struct{}, w)
	}

	// Workers start one per job until there are Concurrency of them, so
	// that a short list with a huge Concurrency starts few.
	workers := task.NewGroup[struct{}](runCtx)
	started := 0
	work := func(wctx context.Context) (struct{}, error) {
		for j := range jobs {
			out <- c.safeFetch(ctx, wctx, client, policy, j)
		}
		return struct{}{}, nil
	}
	feeder := task.Go(runCtx, func(context.Context) (struct{}, error) {
		defer func() {
			close(jobs)
			workers.Wait(context.Background())
			close(out)
		}()
		seen := make(map[string]int)
		names := make(map[string]int) // with Dir: each file name given out, and to which index
		i := 0
		for raw := range urls {
			if window != nil {
				select {
				case window <- struct{}{}:
				case <-stop:
					return struct{}{}, nil
				}
			}
			select {
			case <-stop:
				return struct{}{}, nil
			default:
			}
			u := strings.TrimSpace(raw)
			j := job{index: i, url: u}
			i++
			if err := check(u, seen, j.index); err != nil {
				out <- Result{URL: u, Index: j.index, Err: err}
				continue
			}
			if dirErr != nil {
				err := dirErr
				if ctx.Err() != nil {
					err = cancelled(ctx)
				}
				out <- Result{URL: u, Index: j.index, Err: err}
				continue
			}
			if c.dir != "" {
				// Two URLs of one run never write one file: the later
				// one fails, unrequested, rather than replace the body
				// of the other, reported as saved.
				j.name = c.fileName(u)
				if first, taken := names[j.name]; taken {
					out <- Result{URL: u, Index: j.index, Err: fmt.Errorf("%w: %s is the name of the URL at index %d", ErrNameClash, j.name, first)}
					continue
				}
				names[j.name] = j.index
			}
			if started < c.concurrency {
				started++
				// Started whatever runCtx says: a worker drains the jobs
				// sent (failing each at once, once runCtx is done), and a
				// Go with a done ctx would not start it.
				workers.Go(context.WithoutCancel(runCtx), work)
			}
			jobs <- j
		}
		return struct{}{}, nil
	})

	// If yield panics, stop the run and wait for it before unwinding.
	finished := false
	defer func() {
		if !finished {
			halt()
			for range out {
			}
			feeder.Await(context.WithoutCancel(ctx))
		}
	}()

	next, held := 0, map[int]Result{} // Ordered: results waiting for earlier ones
	stopped := false
	emit := func(r Result) {
		if stopped {
			return
		}
		if !yield(r) {
			stopped = true
			halt()
		}
	}
	for {
		p := task.Park(ctx)
		r, ok := <-out
		p.Resume()
		if !ok {
			break
		}
		if window == nil {
			emit(r)
			continue
		}
		held[r.Index] = r
		for {
			h, ok := held[next]
			if !ok {
				break
			}
			delete(held, next)
			next++
			<-window
			emit(h)
		}
	}
	// The feeder has closed out after everything ended; collect it.
	finished = true
	if _, err := feeder.Await(context.WithoutCancel(ctx)); err != nil {
		panic(err) // a panic in the feeder: a bug in fetch or in urls; don't hide it
	}
}

// check validates u and records it in seen.
func check(u string, seen map[string]int, index int) error {
	p, err := url.Parse(u)
	if u != "" && !strings.Contains(u, "://") && (err != nil || p.Scheme != "http" && p.Scheme != "https") {
		// 127.0.0.1:8080/x fails to parse, localhost:8080 parses with
		// the scheme "localhost", example.com/x as a path: say what was
		// meant rather than how it parsed.
		if fixed := withScheme(u); fixed != "" {
			return fmt.Errorf("%w: no scheme (did you mean %s?)", ErrMalformed, fixed)
		}
	}
	switch {
	case u == "":
		return fmt.Errorf("%w: empty", ErrMalformed)
	case err != nil && userInfo(u):
		return fmt.Errorf("%w: it does not parse (the reason is hidden, as it may quote the user info: escape / ? # @ %% and spaces there as %%2F %%3F %%23 %%40 %%25 %%20)", ErrMalformed)
	case err != nil:
		return fmt.Errorf("%w: %v", ErrMalformed, unwrapURL(err))
	case p.Scheme == "":
		return fmt.Errorf("%w: no scheme (want http:// or https://)", ErrMalformed)
	case p.Scheme != "http" && p.Scheme != "https":
		return fmt.Errorf("%w %q (want http or https)", ErrScheme, p.Scheme)
	case p.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrMalformed)
	case p.Port() != "" && !validPort(p.Port()) && userInfo(u):
		// What reads as the port may be the start of a password.
		return fmt.Errorf("%w: port out of range (want 1 to 65535)", ErrMalformed)
	case p.Port() != "" && !validPort(p.Port()):
		return fmt.Errorf("%w: port %q (want 1 to 65535)", ErrMalformed, p.Port())
	}
	if first, dup := seen[u]; dup {
		return fmt.Errorf("%w (first at index %d)", ErrDuplicate, first)
	}
	seen[u] = index
	return nil
}

// withScheme returns http:// and u, a URL given without its scheme, when
// that makes a URL whose host reads as one (a name with a dot, localhost,
// or an IP address), perhaps with a port and a path, and no user; ""
// otherwise.
func withScheme(u string) string {
	fixed := "http://" + strings.TrimPrefix(u, "//")
	p, err := url.Parse(fixed)
	if err != nil || p.User != nil || userInfo(fixed) {
		return ""
	}
	if h := p.Hostname(); strings.Contains(h, ".") || strings.EqualFold(h, "localhost") || net.ParseIP(h) != nil {
		return fixed
	}
	return ""
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// safeFetch is fetch with a panic (a bug) turned into the URL's error, so
// that the URL is still reported and the worker goes on.
func (c *config) safeFetch(parent, ctx context.Context, client *http.Client, policy *retry.Policy, j job) (r Result) {
	defer func() {
		if v := recover(); v != nil {
			r = Result{URL: j.url, Index: j.index, Err: &task.PanicError{Value: v, Stack: debug.Stack()}}
		}
	}()
	return c.fetch(parent, ctx, client, policy, j)
}

// checkDir reports why c.dir, if set, is not a directory, or nil.
func (c *config) checkDir() error {
	if c.dir == "" {
		return nil
	}
	fi, err := os.Stat(c.dir)
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err // the message names dir already
	}
	if err != nil {
		return fmt.Errorf("fetch: Dir %s: %w", c.dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("fetch: Dir %s: %w", c.dir, syscall.ENOTDIR)
	}
	return nil
}

// fetch gets one URL under the retry policy. parent is the caller's
// context, which tells a cancellation from a timeout; ctx is the worker's.
func (c *config) fetch(parent, ctx context.Context, client *http.Client, policy *retry.Policy, j job) Result {
	r := Result{URL: j.url, Index: j.index}
	if ctx.Err() != nil {
		r.Err = cancelled(parent)
		return r
	}
	var final string
	if c.dir != "" {
		final = filepath.Join(c.dir, j.name)
	}
	start := time.Now()
	_, err := retry.Do(ctx, func(ctx context.Context, attempt int) (struct{}, error) {
		r.Attempts = attempt
		r.Status, r.Bytes = 0, 0
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
		if err != nil {
			return struct{}{}, retry.Permanent(fmt.Errorf("%w: %v", ErrMalformed, err))
		}
		resp, err := client.Do(req)
		if resp != nil {
			r.Status = resp.StatusCode
		}
		err = refused(client, resp, err)
		if checked := httpretry.Check(resp, err, c.maxAfter); checked != nil {
			httpretry.Drain(resp)
			var re *redirectError
			if errors.As(err, &re) {
				// A loop, most likely, or the client's own policy: the same
				// policy refuses the same redirect on every attempt.
				checked = retry.Permanent(err)
			}
			return struct{}{}, checked
		}
		defer resp.Body.Close()
		if c.maxBytes > 0 && resp.ContentLength > c.maxBytes {
			// Not read, not drained: closing it drops the connection.
			return struct{}{}, retry.Permanent(fmt.Errorf("%w: Content-Length %d is over the limit of %d bytes", ErrTooLarge, resp.ContentLength, c.maxBytes))
		}
		r.Bytes, err = save(resp.Body, final, c.maxBytes)
		return struct{}{}, err
	}, policy)
	r.Duration = time.Since(start)
	switch {
	case err == nil:
		r.Path = final
	case parent.Err() != nil && stoppedByCtx(err):
		r.Err = cancelled(parent)
	default:
		r.Err = simplify(err)
	}
	return r
}

// stoppedByCtx reports whether retry gave up because its ctx ended, rather
// than on an error of the URL's own (a 404, the attempts used up) that
// came before ctx ended.
func stoppedByCtx(err error) bool {
	var re *retry.Error
	return errors.As(err, &re) && (errors.Is(re.Cause, context.Canceled) || errors.Is(re.Cause, context.DeadlineExceeded))
}

// save reads body to its end, into a temporary file renamed to final when
// final is set, and returns how many bytes it read. A body cut short is
// worth retrying; a file that cannot be written is not, nor is a body
// longer than limit bytes (limit > 0), of which it reads limit bytes.
func save(body io.Reader, final string, limit int64) (int64, error) {
	rd := &reader{r: body}
	var src io.Reader = rd
	if limit > 0 {
		src = &capped{r: rd, left: limit, limit: limit}
	}
	if final == "" {
		n, err := io.Copy(io.Discard, src)
		if rerr := rd.failed(); rerr != nil {
			return n, rerr
		}
		if errors.Is(err, ErrTooLarge) {
			return n, retry.Permanent(err)
		}
		return n, nil
	}
	tmp, err := createTemp(filepath.Dir(final))
	if err != nil {
		return 0, retry.Permanent(fmt.Errorf("fetch: saving body: %w", err))
	}
	n, err := io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if rerr := rd.failed(); rerr != nil {
			return n, rerr
		}
		if errors.Is(err, ErrTooLarge) {
			return n, retry.Permanent(err)
		}
		return n, retry.Permanent(fmt.Errorf("fetch: saving body: %w", err))
	}
	return n, nil
}

// capped passes on at most limit bytes of r, then fails with ErrTooLarge
// if r has more.
type capped struct {
	r     io.Reader
	left  int64 // of limit
	limit int64
}

func (c *capped) Read(p []byte) (int, error) {
	if int64(len(p))-1 > c.left { // not c.left+1, which MaxBytes(math.MaxInt64) overflows
		p = p[:c.left+1] // one more than left tells a longer body
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		n, c.left = int(c.left), 0
		return n, fmt.Errorf("%w: over the limit of %d bytes", ErrTooLarge, c.limit)
	}
	c.left -= int64(n)
	return n, err
}

// createTemp creates a new file for writing in dir, named .spool-fetch-
// and random digits, as os.CreateTemp does, but with mode 0666 less the
// umask (normally 0644), the mode the saved body keeps, where
// os.CreateTemp makes 0600.
func createTemp(dir string) (*os.File, error) {
	for range 10_000 {
		name := filepath.Join(dir, ".spool-fetch-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, ".spool-fetch-*"), Err: fs.ErrExist}
}

// reader remembers the error of the body, to tell it from a write error.
type reader struct {
	r   io.Reader
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

func (r *reader) failed() error {
	if r.err != nil {
		return &bodyError{r.err}
	}
	return nil
}

// bodyError is the error of a body that could not be read to its end.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "fetch: reading body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// simplify drops the retry wrapper from a URL that failed at its only
// attempt, for a permanent reason or because retrying was off:
// "httpretry: 404 Not Found" says it all.
func simplify(err error) error {
	var re *retry.Error
	if errors.As(err, &re) && re.Attempts == 1 && (errors.Is(re.Cause, retry.ErrPermanent) || errors.Is(re.Cause, retry.ErrAttempts)) {
		return re.Last
	}
	return err
}

// maxBuffer bounds the buffers and idle connections a run keeps for its
// workers, whatever the Concurrency.
const maxBuffer = 1024

// ErrRedirects is matched by the error of a URL that redirected more than
// 10 times (a redirect loop, most likely) under net/http's default
// redirect policy: with Run's own client, or a [Client] without a
// CheckRedirect. The error names the absolute URL of the redirect not
// taken, and errors.As finds the *url.Error that the client returned. It
// is not retried.
var ErrRedirects = errors.New("fetch: stopped after 10 redirects")

// validPort reports whether s, a URL's port, is from 1 to 65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// refused returns the error of a redirect that client's CheckRedirect
// refused as a *redirectError, and any other err as it is. client.Do
// returns both a response (the redirect not followed, its body closed)
// and an error only then, as net/http documents; the error is a
// *url.Error that names the Location header as it came (often relative:
// Get "/loop": stopped after 10 redirects). Neither client nor its
// CheckRedirect is touched: with none, net/http's default policy refused,
// which it does only after 10 redirects.
func refused(client *http.Client, resp *http.Response, err error) error {
	var ue *url.Error
	if resp == nil || err == nil || !errors.As(err, &ue) || ue.Err == nil {
		return err
	}
	// Resolve the Location against the request that got it, as net/http
	// does; a RoundTripper that leaves resp.Request unset leaves only an
	// absolute Location to name, or the header as it came.
	next := ue.URL
	u, perr := url.Parse(ue.URL)
	if resp.Request != nil && resp.Request.URL != nil {
		u, perr = resp.Request.URL.Parse(ue.URL)
	}
	if perr == nil && u.IsAbs() {
		next = u.String()
	}
	next = Redact(next)
	return &redirectError{next: next, limit: client.CheckRedirect == nil, err: ue}
}

// redirectError is a redirect refused by the client's CheckRedirect, with
// the absolute URL of the redirect not taken. limit marks net/http's
// default policy, stopping after 10 redirects: the error then matches
// ErrRedirects.
type redirectError struct {
	next  string
	limit bool
	err   *url.Error // what client.Do returned
}

func (e *redirectError) Error() string {
	if e.limit {
		return ErrRedirects.Error() + " (the next to " + e.next + ")"
	}
	return "fetch: redirect to " + e.next + " refused: " + e.err.Err.Error()
}

func (e *redirectError) Unwrap() []error {
	if e.limit {
		return []error{ErrRedirects, e.err}
	}
	return []error{e.err}
}

// cancelError is the error of a URL cut short by the run's ctx: err is
// ctx.Err(), cause is context.Cause(ctx) when that differs, else nil.
type cancelError struct{ err, cause error }

// Error reads "fetch: cancelled", then ": " and the cause if ctx has one
// of its own (context.WithTimeoutCause, WithCancelCause).
func (e *cancelError) Error() string {
	if e.cause != nil {
		return ErrCancelled.Error() + ": " + e.cause.Error()
	}
	return ErrCancelled.Error()
}

func (e *cancelError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrCancelled, e.err, e.cause}
	}
	return []error{ErrCancelled, e.err}
}

// cancelled is the error of a URL cut short by ctx: it matches
// ErrCancelled, ctx.Err() and ctx's cause.
func cancelled(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		err = context.Canceled
	}
	cause := context.Cause(ctx)
	if cause == err {
		cause = nil
	}
	return &cancelError{err, cause}
}

// FileName returns the name under which [Dir] saves the body of rawURL;
// see the package doc for the scheme.
func FileName(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	h := hex.EncodeToString(sum[:12]) // 96 bits
	u, err := url.Parse(rawURL)
	if err != nil {
		return "url_" + h
	}
	p := u.EscapedPath()
	if up, err := url.PathUnescape(p); err == nil {
		p = up
	}
	ext := path.Ext(p)
	if !shortExt(ext) {
		ext = ""
	}
	stem := sanitize(u.Host + "/" + strings.TrimSuffix(p, ext))
	if len(stem) > 80 {
		stem = stem[:80]
	}
	if stem == "" {
		stem = "url"
	}
	return stem + "_" + h + ext
}

// shortExt reports whether ext is a dot and 1 to 8 letters or digits.
func shortExt(ext string) bool {
	if len(ext) < 2 || len(ext) > 9 {
		return false
	}
	for _, r := range ext[1:] {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// sanitize replaces each run of characters outside [A-Za-z0-9._-] with
// one '_', and trims '_' and '.' from both ends and '-' from the start
// (no hidden files, no "..", nothing that reads as a flag).
func sanitize(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimRight(strings.TrimLeft(b.String(), "_.-"), "_.")
}

// Redact returns rawURL with whatever could be a password in it replaced
// by "xxxxx", and the rest as given: "http://ann:pw@host/x" reads
// "http://ann:xxxxx@host/x". It masks every reading of a password, not
// only net/url's: after an http: or https: scheme (in any case), if there
// is one, and the slashes or backslashes that follow, the text from the
// first ':' (when it comes before any '/', '?' or '#', and is not inside
// an IPv6 literal such as "[::1]") to the last '@' of rawURL: a user
// written DOMAIN\user, which net/url reads as user info, is masked too.
// So a password holding / ? # or @, one in a URL that lacks its scheme
// or its "//" ("ann:pw@host", "http:/ann:pw@host",
// "http:///:pw@host"), and one that net/url would read as a port
// ("http://ann:1234/5@host") are all masked; a port followed by an '@'
// later in the URL is masked with what lies between them
// ("http://host:8080/@me" reads "http://host:xxxxx@me"), more than needed
// rather than risk showing a password. Run's records and the notes of
// `spool fetch` show URLs so.
func Redact(rawURL string) string {
	from, to, ok := passwordSpan(rawURL)
	if !ok {
		return rawURL
	}
	return rawURL[:from] + "xxxxx" + rawURL[to:]
}

// passwordSpan returns where in rawURL lies what Redact masks, rawURL[from:to],
// and whether there is any.
func passwordSpan(rawURL string) (from, to int, ok bool) {
	rest := rawURL
	for _, scheme := range [...]string{"http:", "https:"} {
		if len(rest) >= len(scheme) && strings.EqualFold(rest[:len(scheme)], scheme) {
			rest = rest[len(scheme):]
			break
		}
	}
	rest = strings.TrimLeft(rest, `/\`)
	start := len(rawURL) - len(rest)
	skip := 0 // an IPv6 literal's colons are no password's
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 && ipLiteral(rest[1:end]) {
			skip = end + 1
		}
	}
	colon := strings.IndexAny(rest[skip:], ":/?#") // not '\': DOMAIN\user:pw@host holds one
	at := strings.LastIndexByte(rest, '@')
	if colon < 0 || rest[skip+colon] != ':' || at < skip+colon {
		return 0, 0, false
	}
	return start + skip + colon + 1, start + at, true
}

// ipLiteral reports whether s, between brackets, reads as an IPv6 address
// (hex digits, ':', '.', and a zone after '%'): "[ann:pw]@host" does not.
func ipLiteral(s string) bool {
	addr, _, _ := strings.Cut(s, "%")
	return strings.Contains(addr, ":") && strings.Trim(addr, "0123456789abcdefABCDEF:.") == ""
}

// userInfo reports whether rawURL may hold a password (Redact masks
// something): an error about it must then quote no piece of it (the
// parser's reason, a port, a suggested fix).
func userInfo(rawURL string) bool { return Redact(rawURL) != rawURL }
