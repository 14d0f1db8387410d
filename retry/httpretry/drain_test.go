package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestStalledFailedBody checks that a failed response whose body stalls
// half-way does not hold Do until its context ends: Drain gives up after
// DrainWait, and Do goes on to its next attempt. Before, without
// AttemptTimeout, the first attempt's drain used up the whole context.
func TestStalledFailedBody(t *testing.T) {
	var requests atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select { // the other 90 bytes never come
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(stop)
	// A hang guard only: with the fix Do ends after two drains.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := httpretry.Do(ctx, nil, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}, retry.MaxAttempts(2), retry.Backoff(retry.Constant(time.Millisecond)))
	var se *httpretry.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do = %v; want the 503 StatusError of the last attempt, not the context's end", err)
	}
	if got, want := requests.Load(), int32(2); got != want {
		t.Errorf("the server got %d requests; want %d", got, want)
	}
}

// TestDrainIsAnAwaitPoint checks that Do gives its runtime slot back
// while it drains a failed response's body: on a one-slot runtime another
// task runs meanwhile, and here that task is what the stalled body waits
// for. Before, the drain held the slot until DrainWait closed the body.
func TestDrainIsAnAwaitPoint(t *testing.T) {
	defer httpretry.SetDrainWait(time.Hour)() // only the other task can end the drain
	other := make(chan struct{})              // closed by the other task
	var rest atomic.Bool                      // the body's rest was sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "20")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select {
		case <-other:
			rest.Store(true)
			_, _ = w.Write(make([]byte, 10))
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	r, err := rt.New(rt.Workers(1), rt.DetectBlocking(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang guard only
	defer cancel()
	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		// The other task is spawned at the body's first Read, which the
		// drain makes: it waits for the slot this task holds, and can run
		// only if the drain gives it back.
		var once sync.Once
		spawn := func() {
			once.Do(func() { rt.Spawn(r, ctx, func(context.Context) (int, error) { close(other); return 0, nil }) })
		}
		client := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := srv.Client().Transport.RoundTrip(req)
			if resp != nil {
				resp.Body = &firstRead{ReadCloser: resp.Body, hook: spawn}
			}
			return resp, err
		})}
		resp, err := httpretry.Do(ctx, client, func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		}, retry.MaxAttempts(1))
		if resp != nil {
			resp.Body.Close()
		}
		return 0, err
	})
	var se *httpretry.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Errorf("Do = %v; want the 503's StatusError", err)
	}
	if !rest.Load() {
		t.Errorf("the other task did not run while Do drained the body (the server never sent the rest)")
	}
}

// firstRead calls hook before each Read.
type firstRead struct {
	io.ReadCloser
	hook func()
}

func (b *firstRead) Read(p []byte) (int, error) {
	b.hook()
	return b.ReadCloser.Read(p)
}

// panicBody stalls its Read until it is closed, and panics in Close.
type panicBody struct{ closed chan struct{} }

func (b *panicBody) Read([]byte) (int, error) { <-b.closed; return 0, io.EOF }
func (b *panicBody) Close() error {
	close(b.closed)
	panic("bug in Close")
}

// TestDrainPanicInClose checks that a panic in a body's Close, called on
// Drain's timer goroutine, comes back on Drain's own goroutine, where a
// task recovers it: it crashed the process.
func TestDrainPanicInClose(t *testing.T) {
	defer httpretry.SetDrainWait(time.Millisecond)()
	resp := &http.Response{Body: &panicBody{closed: make(chan struct{})}}
	_, err := task.Go(context.Background(), func(context.Context) (int, error) {
		httpretry.Drain(resp)
		return 0, nil
	}).Await(context.Background())
	var pe *task.PanicError
	if !errors.As(err, &pe) || pe.Value != "bug in Close" {
		t.Errorf("got %v; want a *task.PanicError of the panic in Close", err)
	}
}
