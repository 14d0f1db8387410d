package pool_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/spool-go/spool/internal/testpanic"
	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestNilContextPanics: every exported function of pool that takes a
// context panics at once with "pool: <Func>: nil context", whatever the
// pool (a nil or zero one too), rather than with task's message from
// inside (Submit, TrySubmit: "task: Prepare: nil context") or a nil
// dereference once it had begun closing the pool (Shutdown). Nothing is
// submitted, and Shutdown leaves the pool open.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, tt := range []struct {
		name string
		p    *pool.Pool
	}{{"live", newPool(t, 2)}, {"nil", nil}, {"zero", new(pool.Pool)}} {
		p := tt.p
		calls := []struct {
			name string
			call func()
		}{
			{"Submit", func() { pool.Submit(nilCtx, p, fn) }},
			{"TrySubmit", func() { _, _ = pool.TrySubmit(nilCtx, p, fn) }},
			{"Pool.GoContext", func() { _ = p.GoContext(nilCtx, func() {}) }},
			{"Pool.Shutdown", func() { _ = p.Shutdown(nilCtx) }},
		}
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				want := "pool: " + c.name + ": nil context"
				if got := testpanic.Value(c.call); got != want {
					t.Errorf("%s(nil ctx) panicked with %v; want %q", c.name, got, want)
				}
			})
		}
		if tt.name != "live" {
			continue
		}
		if m := checkInvariant(t, p); m.Submitted != 0 {
			t.Errorf("Submitted = %d after the refused calls; want 0", m.Submitted)
		}
		select {
		case <-p.Done():
			t.Fatal("Done closed after Shutdown(nil ctx); want the pool left open")
		default:
		}
		if _, err := pool.Submit(t.Context(), p, fn).Await(t.Context()); err != nil {
			t.Errorf("Submit after Shutdown(nil ctx) = %v; want nil: the pool must not have begun closing", err)
		}
	}
}

// TestBadInput: every option and argument of package pool. A bad option
// value or a nil option makes New return an error matching ErrInvalid
// that names it and its value, all of them joined; the option itself
// never panics. A worker count below 1 (New, Resize) is ErrSize, which
// matches ErrInvalid too.
func TestBadInput(t *testing.T) {
	opts := []struct {
		name string
		opt  pool.Option
		want string // New's error; "" for a good value
	}{
		{"KeepAlive(0)", pool.KeepAlive(0), "pool: KeepAlive(0s): must be positive"},
		{"KeepAlive(-1s)", pool.KeepAlive(-time.Second), "pool: KeepAlive(-1s): must be positive"},
		{"KeepAlive(1ns)", pool.KeepAlive(1), ""},
		{"ShutdownGrace(-1ns)", pool.ShutdownGrace(-1), "pool: ShutdownGrace(-1ns): must not be negative"},
		{"ShutdownGrace(0)", pool.ShutdownGrace(0), ""},
		{"QueueSize(-1)", pool.QueueSize(-1),
			queueSizeErr(-1)},
		{"QueueSize(MaxQueueSize+1)", pool.QueueSize(pool.MaxQueueSize + 1),
			queueSizeErr(pool.MaxQueueSize + 1)},
		{"QueueSize(math.MaxInt)", pool.QueueSize(math.MaxInt),
			queueSizeErr(math.MaxInt)},
		{"QueueSize(0)", pool.QueueSize(0), ""}, // MaxQueueSize: TestQueueSizeBounds (256 MiB)
		{"Name(\"\")", pool.Name(""), `pool: Name(""): must not be empty`},
		{"Name(x)", pool.Name("x"), ""},
		{"Logger(nil)", pool.Logger(nil), "pool: Logger(nil): must not be nil"},
		{"Logger(l)", pool.Logger(slog.New(slog.DiscardHandler)), ""},
		{"OnPanic(nil)", pool.OnPanic(nil), "pool: OnPanic(nil): must not be nil"},
		{"OnPanic(h)", pool.OnPanic(func(*task.PanicError) {}), ""},
		{"SampleTimings(0)", pool.SampleTimings(0), "pool: SampleTimings(0): must be positive"},
		{"SampleTimings(-1)", pool.SampleTimings(-1), "pool: SampleTimings(-1): must be positive"},
		{"SampleTimings(1)", pool.SampleTimings(1), ""},
		{"SampleTimings(math.MaxInt)", pool.SampleTimings(math.MaxInt), ""},
		{"LockOSThread()", pool.LockOSThread(), ""},
		{"nil", nil, "pool: New: option must not be nil (got nil at index 0)"},
	}
	for _, tt := range opts {
		t.Run("New/"+tt.name, func(t *testing.T) {
			p, err := pool.New(1, tt.opt)
			if tt.want == "" {
				if err != nil || p == nil {
					t.Fatalf("New(1, %s) = %v, %v; want a pool", tt.name, p, err)
				}
				p.Close()
				return
			}
			if p != nil {
				p.Close()
				t.Errorf("New(1, %s) returned a pool; want nil", tt.name)
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, pool.ErrInvalid) {
				t.Errorf("New(1, %s) = %v; want %q, matching ErrInvalid", tt.name, err, tt.want)
			}
		})
	}

	t.Run("New/all at once", func(t *testing.T) {
		p, err := pool.New(0, pool.KeepAlive(0), nil, pool.Name(""), pool.QueueSize(4))
		want := "pool: worker count must be positive (New(0))\n" +
			"pool: KeepAlive(0s): must be positive\n" +
			"pool: New: option must not be nil (got nil at index 1)\n" +
			`pool: Name(""): must not be empty`
		if p != nil || err == nil || err.Error() != want {
			t.Fatalf("New(0, KeepAlive(0), nil, Name(\"\"), QueueSize(4)) = %v, %v; want nil and %q", p, err, want)
		}
		if !errors.Is(err, pool.ErrInvalid) || !errors.Is(err, pool.ErrSize) {
			t.Errorf("error %v; want it to match ErrInvalid and ErrSize", err)
		}
	})

	live := newPool(t, 2)
	sizes := []struct {
		name string
		call func() error
		want string
	}{
		{"New(0)", func() error { _, err := pool.New(0); return err }, "pool: worker count must be positive (New(0))"},
		{"New(-1)", func() error { _, err := pool.New(-1); return err }, "pool: worker count must be positive (New(-1))"},
		{"Resize(0)", func() error { return live.Resize(0) }, "pool: worker count must be positive (Resize(0))"},
		{"Resize(-1)", func() error { return live.Resize(-1) }, "pool: worker count must be positive (Resize(-1))"},
	}
	for _, tt := range sizes {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || err.Error() != tt.want || !errors.Is(err, pool.ErrSize) || !errors.Is(err, pool.ErrInvalid) {
				t.Errorf("%s = %v; want %q, matching ErrSize and ErrInvalid", tt.name, err, tt.want)
			}
		})
	}
	if got := live.Limit(); got != 2 {
		t.Errorf("Limit() = %d after the refused Resizes; want 2", got)
	}

	// A nil fn matches pool's ErrInvalid and task.ErrNilFunc, and names
	// the call; the submission is rejected.
	var nilFn func(context.Context) (int, error)
	ctx := t.Context()
	nils := []struct {
		name string
		op   string
		call func() error
	}{
		{"Submit", "Submit", func() error { _, err := pool.Submit(ctx, live, nilFn).Await(ctx); return err }},
		{"TrySubmit", "TrySubmit", func() error { _, err := pool.TrySubmit(ctx, live, nilFn); return err }},
		{"TrySubmit/task", "TrySubmit", func() error { tk, _ := pool.TrySubmit(ctx, live, nilFn); _, err := tk.Await(ctx); return err }},
		{"Pool.Go", "Pool.Go", func() error { return live.Go(nil) }},
		{"Pool.GoContext", "Pool.GoContext", func() error { return live.GoContext(ctx, nil) }},
		{"Pool.TryGo", "Pool.TryGo", func() error { return live.TryGo(nil) }},
	}
	for _, tt := range nils {
		t.Run(tt.name+"(nil fn)", func(t *testing.T) {
			err := tt.call()
			want := "pool: " + tt.op + ": fn must not be nil (got nil)"
			if err == nil || err.Error() != want || !errors.Is(err, pool.ErrInvalid) || !errors.Is(err, task.ErrNilFunc) || !errors.Is(err, task.ErrInvalid) {
				t.Errorf("%s(nil fn) = %v; want %q, matching pool.ErrInvalid, task.ErrNilFunc and task.ErrInvalid", tt.name, err, want)
			}
		})
	}
	if m := checkInvariant(t, live); m.Rejected != uint64(len(nils)) {
		t.Errorf("Rejected = %d; want %d, one per nil fn", m.Rejected, len(nils))
	}

	var h pool.Histogram
	h.Counts[3] = 1
	for _, q := range []float64{-0.1, 1.5, math.Inf(1), math.NaN()} {
		want := fmt.Sprintf("pool: Histogram.Quantile: q must be in [0, 1] (got %v)", q)
		if got := testpanic.Value(func() { h.Quantile(q) }); got != want {
			t.Errorf("Quantile(%v) panicked with %v; want %q", q, got, want)
		}
		var empty pool.Histogram
		if got := testpanic.Value(func() { empty.Quantile(q) }); got != want {
			t.Errorf("empty Quantile(%v) panicked with %v; want %q", q, got, want)
		}
	}
	for _, q := range []float64{0, 1} {
		if got := testpanic.Value(func() { h.Quantile(q) }); got != nil {
			t.Errorf("Quantile(%v) panicked with %v; want none", q, got)
		}
	}
}

// TestOptionsNeverPanic: an option given a bad value records it for New;
// making the option does not panic, so that a bad value read from
// configuration comes back as New's error.
func TestOptionsNeverPanic(t *testing.T) {
	for name, mk := range map[string]func(){
		"KeepAlive(0)":        func() { pool.KeepAlive(0) },
		"ShutdownGrace(-1)":   func() { pool.ShutdownGrace(-1) },
		"QueueSize(-1)":       func() { pool.QueueSize(-1) },
		"QueueSize(MaxInt)":   func() { pool.QueueSize(math.MaxInt) },
		"Name(\"\")":          func() { pool.Name("") },
		"Logger(nil)":         func() { pool.Logger(nil) },
		"OnPanic(nil)":        func() { pool.OnPanic(nil) },
		"SampleTimings(0)":    func() { pool.SampleTimings(0) },
		"SampleTimings(-100)": func() { pool.SampleTimings(-100) },
	} {
		if got := testpanic.Value(mk); got != nil {
			t.Errorf("%s panicked with %v; want the error from New only", name, got)
		}
	}
}

// ExampleNew_badOption: a bad option value comes back as New's error,
// naming the option and the value, and matching ErrInvalid.
func ExampleNew_badOption() {
	_, err := pool.New(4, pool.KeepAlive(0))
	fmt.Println(err)
	fmt.Println(errors.Is(err, pool.ErrInvalid))
	// Output:
	// pool: KeepAlive(0s): must be positive
	// true
}

// TestNilPoolReaders: Limit, Size, Metrics and String answer for a nil or
// zero Pool (0, 0, zero Metrics, "<nil>" or ""), as rt's Metrics does for
// a nil Runtime; on a nil *Pool they dereferenced nil.
func TestNilPoolReaders(t *testing.T) {
	for _, tt := range []struct {
		name    string
		p       *pool.Pool
		wantStr string
	}{{"nil", nil, "<nil>"}, {"zero", new(pool.Pool), ""}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Limit(); got != 0 {
				t.Errorf("Limit() = %d; want 0", got)
			}
			if got := tt.p.Size(); got != 0 {
				t.Errorf("Size() = %d; want 0", got)
			}
			if got := tt.p.Metrics(); got.Submitted != 0 || got.Workers != 0 || got.Running != 0 {
				t.Errorf("Metrics() = %+v; want all zero", got)
			}
			if got := tt.p.String(); got != tt.wantStr {
				t.Errorf("String() = %q; want %q", got, tt.wantStr)
			}
		})
	}
}

// queueSizeErr is New's error for QueueSize(k) out of range: an item is
// two words, 16 bytes (8 on 32-bit platforms).
func queueSizeErr(k int) string {
	return fmt.Sprintf("pool: QueueSize(%d): must be from 0 to MaxQueueSize, 16777216 (New allocates the whole queue up front, %d bytes an item)", k, strconv.IntSize/4)
}
