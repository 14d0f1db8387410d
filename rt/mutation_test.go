package rt_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// mutQuiet keeps these tests' runtimes from logging.
var mutQuiet = slog.New(slog.DiscardHandler)

// TestMutNotStartedWhenCancelledAsSlotFrees: a task waiting for its first
// slot whose context ends in the same step as the slot comes free (the
// holder cancels it and returns) must not run fn: its context ended while
// it waited, so it resolves with task.ErrNotStarted and counts as
// Cancelled. With one P the waiter wakes only once the holder's goroutine
// has ended, so it finds both the grant and the end of its context, and
// each round gives it another even chance to see the grant first.
func TestMutNotStartedWhenCancelledAsSlotFrees(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	tests := []struct {
		name   string
		parent func(bg context.Context) (context.Context, func())
	}{
		{"package context", func(bg context.Context) (context.Context, func()) { return context.WithCancel(bg) }},
		{"task context", func(bg context.Context) (context.Context, func()) {
			p := task.Go(bg, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
			return p.Context(), p.Cancel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for round := range 100 {
				synctest.Test(t, func(t *testing.T) {
					r, err := rt.New(rt.Logger(mutQuiet), rt.CurrentThread(), rt.DetectBlocking(0))
					if err != nil {
						t.Fatal(err)
					}
					bg := context.Background()
					ctx, cancel := tt.parent(bg)
					defer cancel()
					gate := make(chan struct{})
					holder := rt.Spawn(r, bg, func(context.Context) (int, error) {
						<-gate
						cancel() // and return: the slot comes free as ctx ends
						return 0, nil
					})
					synctest.Wait() // holder holds the only slot
					var ran atomic.Int64
					waiter := rt.Spawn(r, ctx, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
					synctest.Wait() // waiter waits for the slot
					close(gate)
					_, err = waiter.Await(bg)
					if _, herr := holder.Await(bg); herr != nil {
						t.Errorf("holder: %v", herr)
					}
					if err := r.Shutdown(bg); err != nil {
						t.Fatalf("Shutdown = %v; want nil", err)
					}
					if got := ran.Load(); got != 0 {
						t.Errorf("round %d: fn ran %d times; want 0 (its context ended while it waited for its first slot)", round, got)
					}
					if !errors.Is(err, task.ErrNotStarted) || !errors.Is(err, context.Canceled) {
						t.Errorf("round %d: error = %v; want one matching task.ErrNotStarted and context.Canceled", round, err)
					}
					if m := r.Metrics(); m.Cancelled != 1 || m.Completed != 1 {
						t.Errorf("round %d: Cancelled, Completed = %d, %d; want 1, 1", round, m.Cancelled, m.Completed)
					}
				})
			}
		})
	}
}

// TestMutShutdownErrorCauseAndText: the *ShutdownError of a Shutdown whose
// ctx was cancelled with a cause matches both the context's error and the
// cause (Unwrap's doc), and its text mentions tasks that ended without
// starting only when there were some.
func TestMutShutdownErrorCauseAndText(t *testing.T) {
	errCause := errors.New("mut: the cause")
	tests := []struct {
		name           string
		queued         bool // a second task waits for the only slot when ctx ends
		wantNotStarted int
		wantText       string // "" : the text must not mention tasks that did not start
	}{
		{"running only", false, 0, ""},
		{"one not started", true, 1, "(1 of them ended without starting)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Logger(mutQuiet), rt.CurrentThread(), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				bg := context.Background()
				running := rt.Spawn(r, bg, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
				synctest.Wait() // running holds the only slot
				var queued *task.Task[int]
				if tt.queued {
					queued = rt.Spawn(r, bg, func(context.Context) (int, error) { return 1, nil })
				}
				synctest.Wait()
				ctx, cancel := context.WithCancelCause(bg)
				cancel(errCause)
				err = r.Shutdown(ctx)
				var se *rt.ShutdownError
				if !errors.As(err, &se) {
					t.Fatalf("Shutdown = %v; want a *rt.ShutdownError", err)
				}
				if !errors.Is(err, context.Canceled) || !errors.Is(err, errCause) {
					t.Errorf("Shutdown = %v; want one matching context.Canceled and the cause", err)
				}
				if se.NotStarted != tt.wantNotStarted {
					t.Errorf("NotStarted = %d; want %d", se.NotStarted, tt.wantNotStarted)
				}
				msg := err.Error()
				if tt.wantText == "" && strings.Contains(msg, "without starting") {
					t.Errorf("error %q mentions tasks that ended without starting; want none mentioned", msg)
				}
				if tt.wantText != "" && !strings.Contains(msg, tt.wantText) {
					t.Errorf("error %q lacks %q", msg, tt.wantText)
				}
				_, _ = running.Await(bg)
				if queued != nil {
					_, _ = queued.Await(bg)
				}
			})
		})
	}
}

// TestMutBlockingKeepAliveOption: an idle blocking goroutine lives for the
// KeepAlive given, not the default's 10 s.
func TestMutBlockingKeepAliveOption(t *testing.T) {
	tests := []struct {
		name     string
		keep     time.Duration
		idleFor  time.Duration
		wantIdle int
	}{
		{"1s, idle 2s: gone", time.Second, 2 * time.Second, 0},
		{"1s, idle 500ms: kept", time.Second, 500 * time.Millisecond, 1},
		{"30s, idle 20s: kept", 30 * time.Second, 20 * time.Second, 1},
		{"30s, idle 31s: gone", 30 * time.Second, 31 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Logger(mutQuiet), rt.KeepAlive(tt.keep), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				bg := context.Background()
				if _, err := rt.SpawnBlocking(r, bg, func(context.Context) (int, error) { return 1, nil }).Await(bg); err != nil {
					t.Fatal(err)
				}
				time.Sleep(tt.idleFor)
				synctest.Wait()
				if got := r.Metrics().BlockingIdle; got != tt.wantIdle {
					t.Errorf("BlockingIdle after %v idle with KeepAlive(%v) = %d; want %d", tt.idleFor, tt.keep, got, tt.wantIdle)
				}
				if err := r.Shutdown(bg); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestMutWorkersBounds: Workers takes 1 to MaxWorkers, both ends included.
func TestMutWorkersBounds(t *testing.T) {
	tests := []struct {
		n       int
		wantErr bool
	}{
		{0, true},
		{1, false},
		{rt.MaxWorkers, false},
		{rt.MaxWorkers + 1, true},
	}
	for _, tt := range tests {
		r, err := rt.New(rt.Logger(mutQuiet), rt.Workers(tt.n), rt.DetectBlocking(0))
		if got := err != nil; got != tt.wantErr {
			t.Errorf("New(Workers(%d)) error = %v; want error: %v", tt.n, err, tt.wantErr)
		}
		if err != nil {
			if !errors.Is(err, rt.ErrInvalid) {
				t.Errorf("New(Workers(%d)) error = %v; want one matching ErrInvalid", tt.n, err)
			}
			continue
		}
		if got := r.Metrics().Workers; got != tt.n {
			t.Errorf("Workers(%d): Metrics().Workers = %d; want %d", tt.n, got, tt.n)
		}
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	}
}

// TestMutBlockingReportsCountsEach: two tasks found blocking in the same
// look are two reports, in OnBlocking and in Metrics.BlockingReports.
func TestMutBlockingReportsCountsEach(t *testing.T) {
	tests := []struct {
		name    string
		holders int
	}{
		{"one", 1},
		{"two at once", 2},
		{"three at once", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int64
				r, err := rt.New(rt.Logger(mutQuiet), rt.Workers(tt.holders), rt.DetectBlocking(100*time.Millisecond),
					rt.OnBlocking(func(rt.BlockingReport) { calls.Add(1) }))
				if err != nil {
					t.Fatal(err)
				}
				bg := context.Background()
				var ts []*task.Task[int]
				for range tt.holders {
					ts = append(ts, rt.Spawn(r, bg, func(context.Context) (int, error) {
						time.Sleep(time.Second) // blocks holding the slot
						return 0, nil
					}))
				}
				if _, err := task.All(bg, ts...); err != nil {
					t.Fatal(err)
				}
				if err := r.Shutdown(bg); err != nil {
					t.Fatal(err)
				}
				if got := calls.Load(); got != int64(tt.holders) {
					t.Errorf("OnBlocking called %d times; want %d", got, tt.holders)
				}
				if got := r.Metrics().BlockingReports; got != uint64(tt.holders) {
					t.Errorf("BlockingReports = %d; want %d (one per task reported)", got, tt.holders)
				}
			})
		})
	}
}

// TestMutDetectorOffStartsNoGoroutine: DetectBlocking(0) turns the
// detector off: New starts no goroutine for it (the 1 s row, which does,
// shows the count can see one).
func TestMutDetectorOffStartsNoGoroutine(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int // goroutines New starts
	}{
		{0, 0},
		{time.Second, 1},
	}
	for _, tt := range tests {
		before := runtime.NumGoroutine()
		r, err := rt.New(rt.Logger(mutQuiet), rt.DetectBlocking(tt.d))
		if err != nil {
			t.Fatal(err)
		}
		got := runtime.NumGoroutine() - before
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		if got != tt.want {
			t.Errorf("New(DetectBlocking(%v)) started %d goroutines; want %d", tt.d, got, tt.want)
		}
	}
}
