// Package httpretry tells [retry] which HTTP outcomes are worth another
// attempt, and how long the server asked to wait.
//
// Use [Check] inside your own attempt function when you stream the body or
// need control over the request; use [Do] when the body fits in memory;
// use [Transport] to give an *http.Client (an SDK's, say) retries: it is
// an http.RoundTripper that judges each attempt as Do does and returns
// the last response as it is when it gives up.
//
//	resp, err := client.Do(req)
//	if err := httpretry.Check(resp, err, time.Minute); err != nil {
//		httpretry.Drain(resp) // the caller closes the body of a rejected response
//		return nil, err
//	}
//
// Classification: a transport error (connection refused or reset, timeout,
// a resolver that failed) is retried, except those another attempt cannot
// cure, which are permanent: a TLS certificate error, a host name that
// does not exist (NXDOMAIN) and net/http's stop after too many redirects;
// 408, 425, 429, 500, 502, 503 and 504 are retried; any other status of
// 400 and above is permanent; below 400 is success. A Retry-After header
// on a retried status sets the next delay, in either of its forms
// (seconds, or an HTTP date), capped by the caller; with a jittered
// back-off, retry.Do adds up to a tenth of it, within the cap, so that
// clients told the same Retry-After do not all come back together.
//
// Retry only requests that are safe to repeat (GET, PUT, DELETE, or a POST
// with an idempotency key): a 502 or a connection reset can come after the
// server acted. [Do] sees to it: it sends any other request again only if
// its connection could not be made or it got a 429 Too Many Requests, and
// when it does not, its error says why ("...: not repeated: POST is not
// idempotent (set an Idempotency-Key header to allow repeats)"). It sends
// a request body again only through the request's GetBody, as net/http
// does: a request whose body an attempt has sent some of, and that has no
// GetBody, is not repeated (see Do). Do not use this package for streaming
// protocols or long-polling, where a "failure" is part of the
// conversation.
package httpretry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/task"
)

// StatusError is the error [Check] returns for a response whose status is
// not a success. errors.As finds it inside the [*retry.Error] a call that
// gave up returns.
type StatusError struct {
	Code   int    // the status code, as 503
	Status string // the status line, as "503 Service Unavailable"
	// Method and URL name the request that got the response (the last of
	// its redirects), URL with any password redacted. [Do] sets them;
	// [Check] cannot know the request the caller means and leaves them
	// empty, and the message then names no request.
	Method string
	URL    string
	// Header is the response's header, as "Retry-After" or a request id
	// the server sent: the body is gone by the time the error is seen.
	Header http.Header
}

// Error reads "httpretry: GET http://host/path: 503 Service Unavailable",
// or without the request when Method and URL are empty ("httpretry: 503
// Service Unavailable"), or "httpretry: status 599" when Status is empty.
func (e *StatusError) Error() string {
	status := e.Status
	if status == "" {
		status = fmt.Sprintf("status %d", e.Code)
	}
	if e.Method == "" && e.URL == "" {
		return "httpretry: " + status
	}
	return "httpretry: " + e.Method + " " + e.URL + ": " + status
}

// Retryable reports whether code is a status worth retrying: 408, 425,
// 429, 500, 502, 503 or 504.
func Retryable(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Check classifies the outcome of one HTTP attempt, the resp and err that
// http.Client.Do returned, for [retry.Do]:
//
//   - nil for a response with a status below 400 (success);
//   - err as it is for a transport error, which retry.Do retries (or stops
//     on, if its ctx is done); [retry.Permanent](err) for a TLS
//     certificate error, a host name that does not exist (a *net.DNSError
//     with IsNotFound), the default client's stop after 10 redirects, a
//     redirect the client's CheckRedirect refused (resp and err both
//     non-nil), and a request net/http refuses to send (a scheme it does
//     not support, a URL with no host);
//   - a *[StatusError] for 408, 425, 429, 500, 502, 503 and 504, retried,
//     wrapped with [retry.After] when a Retry-After header parses (see
//     [ParseRetryAfter]; the delay is capped at maxDelay, and maxDelay <= 0
//     ignores the header);
//   - retry.Permanent(*StatusError) for any other status.
//
// Check never reads or closes resp.Body: when it returns an error, the
// caller must close the body ([Drain] does, nil-safe), or the connection
// leaks. An HTTP-date Retry-After is measured from the response's Date
// header when it has one (the server's clock), else from time.Now.
//
// Check costs about 8 ns for a success and about 140 ns and 2 allocations
// (88 B: the *StatusError, which keeps the response's Header, and the
// Retry-After mark) for a 503 with a Retry-After in seconds
// (BenchmarkCheck, median of 5 runs, 2-core machine).
func Check(resp *http.Response, err error, maxDelay time.Duration) error {
	v := classify(resp, err, maxDelay)
	e, permanent, after, hasAfter := v.err, v.permanent, v.after, v.hasAfter
	switch {
	case e == nil:
		return nil
	case permanent:
		return retry.Permanent(e)
	case hasAfter:
		return retry.After(after, e)
	}
	return e
}

// verdict is what classify makes of an outcome: its error (nil for a
// success), whether it is permanent, and the delay a Retry-After header
// asked for, if it did.
type verdict struct {
	err       error
	permanent bool
	after     time.Duration
	hasAfter  bool
}

// classify is Check without retry's wrappers.
func classify(resp *http.Response, err error, maxDelay time.Duration) verdict {
	if err != nil {
		var (
			verify  *tls.CertificateVerificationError
			unknown x509.UnknownAuthorityError
			host    x509.HostnameError
			invalid x509.CertificateInvalidError
		)
		// A response with the error: the client's CheckRedirect refused to
		// follow it (net/http returns both only then), as it would again.
		if resp != nil || errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) ||
			noSuchHost(err) || tooManyRedirects(err) || badRequest(err) {
			return verdict{err, true, 0, false}
		}
		return verdict{err, false, 0, false}
	}
	if resp == nil {
		return verdict{errNilResponse, true, 0, false}
	}
	if resp.StatusCode < 400 {
		return verdict{nil, false, 0, false}
	}
	se := &StatusError{Code: resp.StatusCode, Status: resp.Status, Header: resp.Header}
	if !Retryable(resp.StatusCode) {
		return verdict{se, true, 0, false}
	}
	if maxDelay > 0 {
		if v := resp.Header.Get("Retry-After"); v != "" {
			now := time.Now()
			if ds := resp.Header.Get("Date"); ds != "" {
				if date, err := http.ParseTime(ds); err == nil {
					now = date
				}
			}
			if d, ok := ParseRetryAfter(v, now); ok {
				return verdict{se, false, min(d, maxDelay), true}
			}
		}
	}
	return verdict{se, false, 0, false}
}

var errNilResponse = errors.New("httpretry: nil response and nil error")

// ParseRetryAfter parses a Retry-After header value (RFC 9110, 10.2.3):
// either a whole number of seconds ("120") or an HTTP date ("Fri, 31 Dec
// 1999 23:59:59 GMT", or the two obsolete date forms http.ParseTime
// accepts), which it turns into the time left after now. A date in the past
// gives 0. The result is never negative; a number of seconds too large for
// a time.Duration saturates at the largest one. ok is false, with 0, for
// anything else (an empty value, a sign, a fraction, a malformed date).
// Surrounding spaces and tabs are ignored.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		const maxSecs = math.MaxInt64 / int64(time.Second)
		var secs int64
		for i := 0; i < len(v); i++ {
			secs = secs*10 + int64(v[i]-'0')
			if secs > maxSecs {
				return math.MaxInt64, true
			}
		}
		return time.Duration(secs) * time.Second, true
	}
	return parseDate(v, now)
}

func parseDate(v string, now time.Time) (time.Duration, bool) {
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// Drain reads what is left of resp's body, up to 64 KiB so that a
// keep-alive connection can be reused, and closes it. It does nothing for
// a nil resp or body. A server that stalls in the middle of a failed
// response's body would hold the caller until the request's context ends
// (Do, without retry.AttemptTimeout, spent its whole budget on one
// attempt's drain): after DrainWait, Drain closes the body from another
// goroutine, which ends the read of a net/http transport's body at once,
// and the connection is not reused. A body of another RoundTripper must
// allow a Close during a Read for that (io.ReadCloser does not promise
// it); one whose Close waits for the Read holds Drain as long. A panic in
// that Close comes back on Drain's goroutine. Do drains its failed
// responses so, and its drain is an await point, as its round trip is.
func Drain(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	closed := make(chan struct{})
	var pv any                                 // a panic in the body's Close on the timer's goroutine
	stop := time.AfterFunc(drainWait, func() { // ends the read below
		defer close(closed)
		defer func() { pv = recover() }()
		_ = resp.Body.Close()
	})
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	if stop.Stop() {
		_ = resp.Body.Close()
		return
	}
	<-closed // closed once, and before Drain returns
	if pv != nil {
		panic(pv)
	}
}

// drain is Drain as an await point: on a runtime, the task gives its slot
// back while it reads.
func drain(ctx context.Context, resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	pk := task.Park(ctx)
	defer pk.Resume()
	Drain(resp)
}

// DrainWait bounds how long [Drain] reads a body.
const DrainWait = 100 * time.Millisecond

var drainWait = DrainWait // tests make it longer

// ErrInvalid is [retry.ErrInvalid]: Do's error for bad input, a bad
// retry.Option or a nil newReq, matches it. A nil ctx makes Do panic
// ("httpretry: Do: nil context").
var ErrInvalid = retry.ErrInvalid

// errNilNewReq is Do's error for a nil newReq.
var errNilNewReq error = invalidError("httpretry: Do: newReq must not be nil (got nil)")

// invalidError is an error of bad input: its text names what was wrong,
// and it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string { return string(e) }
func (e invalidError) Unwrap() error { return ErrInvalid }

// Do sends the request newReq makes, again and again under [retry.Do]'s
// rules and opts, until a response passes [Check]. newReq is called once
// per attempt with the attempt's context (a request with another context
// is re-bound to it). An error from newReq is permanent. A nil client
// means http.DefaultClient. A nil newReq or a bad option makes Do return
// an error matching [ErrInvalid] at once; a nil ctx makes it panic. Retry-After is honoured, capped by
// [retry.MaxAfter] (1 minute by default); with a jittered back-off, up to
// a tenth of it is added, within MaxAfter (see [retry.After]).
//
// A request body is sent again only through the request's GetBody, as
// net/http's own retries do: http.NewRequest sets GetBody for a
// *bytes.Buffer, *bytes.Reader or *strings.Reader; set it yourself for
// any other body. A request with a body and no GetBody is sent again only
// if no attempt has read any of its body (its connection failed, say; the
// transport closes the body then, and Do keeps it open for the next
// attempt and closes it when it returns): once some was sent, another attempt would send the rest of a reader
// the attempts share, or nothing, as if it were the whole body, and the
// server might take a truncated upload. Do stops instead, with a
// permanent error that matches [ErrNoGetBody] and says what to do:
//
//	retry: permanent error after 1 attempt: httpretry: PUT http://host/x: 503 Service Unavailable: not repeated: its body was sent, and it has no GetBody to make the body again (set GetBody, ...)
//
// A request of a later attempt that has GetBody is sent with the body
// GetBody gives; one whose body is empty where an earlier attempt sent one
// (a shared reader read up by the first) is refused with a permanent
// error, not sent empty.
//
// Do reads the whole body of the successful response inside the attempt,
// so that a body cut off half-way is retried like any transport error (if
// the request is safe to repeat: see below) and [retry.AttemptTimeout]
// covers the download; the response comes back with Body an in-memory
// reader (closing it is harmless) and ContentLength set. Bodies of failed
// attempts are drained and closed. The round trip, the download and the
// back-off are await points: called from a task of a runtime (package rt)
// with its context, Do gives the task's worker slot back while it waits
// on the network. For bodies too large to hold in memory,
// call retry.Do yourself and stream inside the attempt, using Check.
//
// Do repeats only requests that are safe to repeat: those whose method is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT or DELETE: net/http's
// Transport, when it retries on its own, takes the first four only), or
// that have an Idempotency-Key or X-Idempotency-Key header, as net/http's
// does. Any other request (a POST, a PATCH) is sent again only after an
// error in making the connection, when nothing was sent, or a 429 Too
// Many Requests, which says the server did not act; its other failures,
// which may come after the server acted (a 503, a connection reset after
// the request went out, a body cut off after a 200), are permanent, and
// the error says why it was not repeated:
//
//	retry: permanent error after 1 attempt: httpretry: POST http://host/orders: 503 Service Unavailable: not repeated: POST is not idempotent (set an Idempotency-Key header to allow repeats)
//
// A failure that is permanent whatever the method (a 404, say) reads as
// it does for a GET.
//
// When Do gives up, the error is a [*retry.Error] whose Last is the final
// attempt's error: a [*StatusError] (find it with errors.As), which names
// the request's method and URL and keeps the response's Header, or a
// transport error (which names them too), or "httpretry: GET URL: reading
// body: ..." for a response body cut off; for a request not repeated
// because that was not safe, Last wraps that error with the reason, and
// errors.Is and errors.As see through the wrapper as they do through the
// *retry.Error.
func Do(ctx context.Context, client *http.Client, newReq func(ctx context.Context) (*http.Request, error), opts ...retry.Option) (*http.Response, error) {
	if ctx == nil {
		panic("httpretry: Do: nil context")
	}
	if newReq == nil {
		return nil, errNilNewReq
	}
	if client == nil {
		client = http.DefaultClient
	}
	var c call
	resp, err := retry.Do(ctx, func(ctx context.Context, attempt int) (*http.Response, error) {
		req, err := newReq(ctx)
		if err != nil {
			return nil, retry.Permanent(err)
		}
		if req == nil {
			return nil, retry.Permanent(errors.New("httpretry: newReq returned a nil request"))
		}
		req, sb, err := c.prepare(ctx, req, attempt)
		if err != nil {
			return nil, err
		}
		// The round trip and the body's download are waits for the
		// network: await points, as retry's back-off is. On a runtime the
		// task gives its worker slot back meanwhile.
		pk := task.Park(ctx)
		resp, err := client.Do(req)
		pk.Resume()
		if err, _ := c.judge(req, sb, resp, err); err != nil {
			drain(ctx, resp)
			return nil, err
		}
		once := unrepeatable(req, sb)
		named := answered(req, resp)
		pk = task.Park(ctx)
		body, err := io.ReadAll(resp.Body)
		pk.Resume()
		resp.Body.Close()
		if err != nil {
			err = fmt.Errorf("httpretry: %s %s: reading body: %w", method(named), named.URL.Redacted(), err)
			switch {
			case !idempotent(req):
				err = retry.Permanent(notRepeated(err, req)) // the server has acted
			case once:
				err = retry.Permanent(noGetBody(err))
			}
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if method(named) != http.MethodHead { // a HEAD's length is the resource's
			resp.ContentLength = int64(len(body))
		}
		return resp, nil
	}, opts...)
	c.held.finish()
	return resp, err
}

// call is what one call of [Do], or one RoundTrip of a [Transport], keeps
// across its attempts: whether an attempt sent some of the request's
// body, and a body held for the next attempt.
type call struct {
	sent atomic.Bool // an attempt sent some body
	held heldBody    // a body the transport closed unread: sent again
}

// prepare readies req for attempt: it returns the request to send, bound
// to ctx, with its body (if any) wrapped in the *sentBody it also
// returns. req itself is never modified: when its context or body must
// change, the request returned is a shallow copy. A later attempt takes
// the body afresh from GetBody. The error, permanent, says why req must
// not be sent again.
func (c *call) prepare(ctx context.Context, req *http.Request, attempt int) (*http.Request, *sentBody, error) {
	hasBody := req.Body != nil && req.Body != http.NoBody
	if req.Context() != ctx || hasBody {
		req = req.WithContext(ctx) // a copy: its Body can be replaced
	}
	if attempt > 1 && hasBody {
		if req.GetBody == nil {
			if c.sent.Load() { // read by an attempt after it was judged
				c.held.release(req.Body)
				req.Body.Close()
				return nil, nil, retry.Permanent(noGetBody(fmt.Errorf("httpretry: %s %s", method(req), req.URL.Redacted())))
			}
		} else {
			// It may be the body an earlier attempt read: take it afresh.
			old := req.Body
			var err error
			if req.Body, err = req.GetBody(); err != nil {
				old.Close()
				return nil, nil, retry.Permanent(fmt.Errorf("httpretry: GetBody: %w", err))
			}
			old.Close()
			hasBody = req.Body != nil && req.Body != http.NoBody
		}
	}
	var sb *sentBody
	if hasBody {
		c.held.take(req.Body, attempt) // this attempt's transport closes it now
		sb = &sentBody{rc: req.Body, sent: &c.sent, again: c.sent.Load(), held: &c.held, unmade: req.GetBody == nil, attempt: attempt}
		req.Body = sb
	} else if c.sent.Load() {
		return nil, nil, retry.Permanent(errBodyGone)
	}
	return req, sb, nil
}

// judge classifies the outcome (resp, err) of an attempt that sent req,
// with sb its body (nil for none): nil for a success, else the error for
// retry.Do, marked as Do marks it (permanent for a failure that is, or
// for a request not safe to send again; with Retry-After's delay). A
// *StatusError names the request the response answers. judge leaves resp
// as it is: the caller drains it, or keeps it. status reports a failure
// that is resp's status alone, with resp whole.
func (c *call) judge(req *http.Request, sb *sentBody, resp *http.Response, err error) (_ error, status bool) {
	if sb != nil && sb.gone.Load() {
		return retry.Permanent(errBodyGone), false
	}
	v := classify(resp, err, math.MaxInt64)
	if v.err == nil {
		return nil, false
	}
	e, permanent, after, hasAfter := v.err, v.permanent, v.after, v.hasAfter
	if se, ok := e.(*StatusError); ok {
		named := answered(req, resp)
		se.Method, se.URL = method(named), named.URL.Redacted()
		status = err == nil
	}
	switch {
	case permanent:
		return retry.Permanent(e), status
	case !idempotent(req) && !notSent(e) && !tooMany(e):
		return retry.Permanent(notRepeated(e, req)), status
	case unrepeatable(req, sb):
		return retry.Permanent(noGetBody(e)), status
	case hasAfter:
		return retry.After(after, e), status
	}
	return e, status
}

// unrepeatable reports whether the attempt that sent req, with sb its
// body, read some of a body that cannot be made again: a repeat would
// send the rest of it, or nothing, as if it were all.
func unrepeatable(req *http.Request, sb *sentBody) bool {
	return sb != nil && req.GetBody == nil && sb.read.Load()
}

// answered is the request resp answers, the last of a redirect chain, or
// req when resp does not say.
func answered(req *http.Request, resp *http.Response) *http.Request {
	if resp != nil && resp.Request != nil {
		return resp.Request
	}
	return req
}

// method is req's method, GET when it is empty, as net/http reads it.
func method(req *http.Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

// ErrNoGetBody is matched (errors.Is) by the error of a [Do] that did not
// send a request again because an attempt had sent some or all of its
// body, and the request has no GetBody to make the body afresh: another
// attempt would have sent what was left of it as if it were all.
var ErrNoGetBody = errors.New("httpretry: request body sent and no GetBody to send it again")

const whyNoGetBody = "its body was sent, and it has no GetBody to make the body again " +
	"(set GetBody, or give http.NewRequest a *bytes.Buffer, *bytes.Reader or *strings.Reader, for which it sets GetBody: " +
	"net/http sends a body again only through GetBody)"

var errBodyGone = errors.New("httpretry: the request body is empty where an earlier attempt sent one (a reader shared by the attempts?); make it in newReq, or give the request GetBody")

// sentBody is the body of an attempt's request. It notes in read, and in
// sent for the whole call, that some of it was read, and fails with
// errBodyGone, sending nothing, if it is empty where an earlier attempt's
// was not (again). The transport may read it on a goroutine of its own,
// even after Client.Do returns.
type sentBody struct {
	rc      io.ReadCloser
	sent    *atomic.Bool
	again   bool
	n       int64 // read by the transport alone
	read    atomic.Bool
	gone    atomic.Bool
	held    *heldBody
	attempt int
	unmade  bool // no GetBody: a later attempt sends rc again if none of it was read
}

func (b *sentBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		if b.n == 0 {
			b.read.Store(true)
			b.sent.Store(true)
		}
		b.n += int64(n)
	}
	if err == io.EOF && b.n == 0 && b.again {
		b.gone.Store(true)
		return 0, errBodyGone
	}
	return n, err
}

// Close closes rc, unless none of it was read and no GetBody can make it
// again: then a later attempt may send it, and heldBody closes it once
// Do is done. (The transport closes a request's body when the request
// fails, a dial's failure included: a file body passed through was gone
// for the attempt after.)
func (b *sentBody) Close() error {
	if b.unmade && !b.read.Load() && b.held.hold(b.rc, b.attempt) {
		return nil
	}
	b.held.release(b.rc)
	return b.rc.Close()
}

// heldBody keeps a request body that an attempt's transport closed before
// reading any of it, for the attempts after, and closes it when Do is
// done, unless a later attempt took it: that attempt's transport closes
// it then (it may still read it after Do returns, when the server
// answered first). The transport may close a body on a goroutine of its
// own, even after Client.Do returns (and after a later attempt began):
// a late close of a body a later attempt took is left to that attempt's
// transport; after finish, any other close goes through.
type heldBody struct {
	mu    sync.Mutex
	rc    io.Closer
	taken []takenBody // each body an attempt sent, with the last attempt that sent it
	done  bool
}

type takenBody struct {
	rc      io.Closer
	attempt int
}

// take records that attempt sends rc, whose close is now its transport's.
func (h *heldBody) take(rc io.Closer, attempt int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.forgetLocked(rc)
	for i := range h.taken {
		if same(h.taken[i].rc, rc) {
			h.taken[i].attempt = attempt
			return
		}
	}
	h.taken = append(h.taken, takenBody{rc, attempt})
}

// hold is attempt's transport closing rc unread: it keeps rc for a later
// attempt, closing the one it kept before if that is another body, and
// reports whether the caller must leave rc open: true also when a later
// attempt has taken rc; false once Do is done.
func (h *heldBody) hold(rc io.Closer, attempt int) bool {
	h.mu.Lock()
	for _, t := range h.taken {
		if t.attempt > attempt && same(rc, t.rc) {
			h.mu.Unlock()
			return true // a later attempt sent it: its transport closes it
		}
	}
	if h.done {
		h.mu.Unlock()
		return false
	}
	old := h.rc
	h.rc = rc
	h.mu.Unlock()
	if old != nil && !same(old, rc) {
		old.Close()
	}
	return true
}

// release forgets rc, which its Close closes.
func (h *heldBody) release(rc io.Closer) {
	h.mu.Lock()
	h.forgetLocked(rc)
	h.mu.Unlock()
}

// forgetLocked stops holding rc, if it is the body held. h.mu is held.
func (h *heldBody) forgetLocked(rc io.Closer) {
	if h.rc != nil && same(h.rc, rc) {
		h.rc = nil
	}
}

// same reports whether a and b are one body: the attempts' requests share
// a reader. Bodies of one type that == cannot compare count as one: a
// shared body must be closed once, and never while a transport reads it;
// the price is that newReq's fresh bodies of such a type, one an attempt,
// are taken for one, and one held by an attempt that failed unread may be
// left unclosed (bodies are pointers, or wrap one, almost always).
func same(a, b io.Closer) bool {
	t := reflect.TypeOf(a)
	if t == nil || t != reflect.TypeOf(b) {
		return false
	}
	return !t.Comparable() || a == b
}

// finish closes the body held, if any; a Close after it goes through.
func (h *heldBody) finish() {
	h.mu.Lock()
	rc := h.rc
	h.rc, h.done = nil, true
	h.mu.Unlock()
	if rc != nil {
		rc.Close()
	}
}

// idempotent reports whether req is safe to send again after a failure
// that may have come after the server acted: its method is idempotent
// (RFC 9110: net/http's own retry takes only the first four, without PUT
// and DELETE), or it carries an idempotency key.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// notRepeatedError is the error of a request that failed in a way worth
// another attempt but was not sent again because that was not safe: it
// says why after err's own text, and unwraps to err (and to mark, if
// set), so that errors.Is and errors.As see what they would have seen
// without it.
type notRepeatedError struct {
	err  error
	why  string // after "not repeated: "
	mark error  // ErrNoGetBody, or nil
}

// notRepeated wraps err, the failure of req, which is not idempotent.
func notRepeated(err error, req *http.Request) error {
	return &notRepeatedError{err: err, why: req.Method + " is not idempotent (set an Idempotency-Key header to allow repeats)"}
}

// noGetBody wraps err, the failure of an attempt that read some of a body
// it cannot make again: not repeated, matching ErrNoGetBody.
func noGetBody(err error) error {
	return &notRepeatedError{err: err, why: whyNoGetBody, mark: ErrNoGetBody}
}

func (e *notRepeatedError) Error() string { return e.err.Error() + ": not repeated: " + e.why }

func (e *notRepeatedError) Unwrap() []error {
	if e.mark == nil {
		return []error{e.err}
	}
	return []error{e.err, e.mark}
}

// tooMany reports whether err is a 429 Too Many Requests: the server
// refused the request without acting on it (RFC 6585), so any request may
// be sent again, after its Retry-After.
func tooMany(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusTooManyRequests
}

// notSent reports whether err is a failure to make the connection (a
// refused connection, a resolver that failed), before anything was sent.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// noSuchHost reports whether err says that a host name does not exist,
// rather than that the resolver failed for now.
func noSuchHost(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// tooManyRedirects reports whether err is net/http's stop after too many
// redirects: a client without a CheckRedirect of its own returns an
// unexported error with this text, wrapped in a *url.Error.
func tooManyRedirects(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Err == nil {
		return false
	}
	msg := ue.Err.Error()
	return strings.HasPrefix(msg, "stopped after ") && strings.HasSuffix(msg, " redirects")
}

// badRequest reports whether err is net/http refusing to send the request
// at all: a scheme it does not support, or a URL with no host.
func badRequest(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Err == nil {
		return false
	}
	msg := ue.Err.Error()
	return strings.HasPrefix(msg, "unsupported protocol scheme") || msg == "http: no Host in request URL"
}
