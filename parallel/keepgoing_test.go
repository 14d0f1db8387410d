package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// keepShapes are the option sets KeepGoing is tried with: on the caller's
// goroutine alone, in the default chunks, and one item per chunk on more
// workers than cores.
var keepShapes = []struct {
	name string
	opts []parallel.Option
}{
	{"workers=1", []parallel.Option{parallel.Workers(1)}},
	{"default", nil},
	{"workers=4/chunk=1", []parallel.Option{parallel.Workers(4), parallel.ChunkSize(1)}},
	{"workers=3/chunk=7", []parallel.Option{parallel.Workers(3), parallel.ChunkSize(7)}},
}

// itemErrors returns the *ItemErrors err joins (or is), in order, and
// whatever else it joins.
func itemErrors(err error) (items []*parallel.ItemError, others []error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	for _, e := range errs {
		if ie, ok := e.(*parallel.ItemError); ok {
			items = append(items, ie)
		} else {
			others = append(others, e)
		}
	}
	return items, others
}

// TestKeepGoing runs Map and ForEach with KeepGoing over items that fail
// (by error or panic) at given indices: every item must run, the results
// must hold every success and the zero value for every failure, and the
// error must join one *ItemError per failure, in input order.
func TestKeepGoing(t *testing.T) {
	boom := errors.New("boom")
	const n = 100
	every := func(step int) []int {
		var xs []int
		for i := 0; i < n; i += step {
			xs = append(xs, i)
		}
		return xs
	}
	tests := []struct {
		name   string
		fail   []int // items that return boom
		panics []int // items that panic
	}{
		{"none fail", nil, nil},
		{"first fails", []int{0}, nil},
		{"last fails", []int{n - 1}, nil},
		{"some fail", []int{3, 17, 18, 64, 99}, nil},
		{"all fail", every(1), nil},
		{"some panic", nil, []int{0, 5, 6, 50, 99}},
		{"all panic", nil, every(1)},
		{"errors and panics", every(3), every(7)[1:]}, // 21 and 42 both: the panic wins
	}
	for _, tt := range tests {
		for _, sh := range keepShapes {
			t.Run(tt.name+"/"+sh.name, func(t *testing.T) {
				opts := append(slices.Clip(sh.opts), parallel.KeepGoing())
				var calls atomic.Int32
				fn := func(ctx context.Context, x int) (int, error) {
					calls.Add(1)
					if ctx.Err() != nil {
						t.Errorf("item %d: ctx done (%v); a failure must not cancel it", x, context.Cause(ctx))
					}
					if slices.Contains(tt.panics, x) {
						panic(fmt.Sprint("bad item ", x))
					}
					if slices.Contains(tt.fail, x) {
						return -1, boom // the result must be dropped
					}
					return x * x, nil
				}
				var (
					want    = make([]int, n)
					wantErr []int // the failed items
				)
				for i := range want {
					if slices.Contains(tt.panics, i) || slices.Contains(tt.fail, i) {
						wantErr = append(wantErr, i)
					} else {
						want[i] = i * i
					}
				}
				got, err := parallel.Map(context.Background(), ints(n), fn, opts...)
				if c := calls.Load(); c != n {
					t.Errorf("Map called fn %d times; want %d (every item)", c, n)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Map results = %v; want %v", got, want)
				}
				checkItemErrors(t, "Map", err, wantErr, tt.panics, boom)

				calls.Store(0)
				err = parallel.ForEach(context.Background(), ints(n), func(ctx context.Context, x int) error {
					_, err := fn(ctx, x)
					return err
				}, opts...)
				if c := calls.Load(); c != n {
					t.Errorf("ForEach called fn %d times; want %d (every item)", c, n)
				}
				checkItemErrors(t, "ForEach", err, wantErr, tt.panics, boom)
			})
		}
	}
}

// checkItemErrors checks that err joins exactly one *ItemError per index
// of want, in order: those at panics around a *task.PanicError with the
// value and the stack, the others around boom.
func checkItemErrors(t *testing.T, op string, err error, want, panics []int, boom error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("%s error = %v; want nil", op, err)
		}
		return
	}
	items, others := itemErrors(err)
	var got []int
	for _, ie := range items {
		got = append(got, ie.Index)
		var pe *task.PanicError
		if slices.Contains(panics, ie.Index) {
			if !errors.As(ie, &pe) || pe.Value != fmt.Sprint("bad item ", ie.Index) ||
				!strings.Contains(string(pe.Stack), "TestKeepGoing") {
				t.Errorf("%s: item %d: %.60q…; want a *task.PanicError with the value and the stack", op, ie.Index, ie)
			}
		} else if !errors.Is(ie, boom) || ie.Error() != fmt.Sprintf("parallel: item %d: boom", ie.Index) {
			t.Errorf("%s: item %d: %.60q; want boom", op, ie.Index, ie)
		}
	}
	if !slices.Equal(got, want) || len(others) != 0 {
		t.Errorf("%s error joins the errors of items %v and %v; want %v and nothing else", op, got, others, want)
	}
	var first *parallel.ItemError
	if !errors.As(err, &first) || first.Index != want[0] {
		t.Errorf("%s: errors.As finds %.60q; want item %d's", op, first, want[0])
	}
	if len(panics) == 0 { // without stacks, the message is short enough to check whole
		var msgs []string
		for _, i := range want {
			msgs = append(msgs, fmt.Sprintf("parallel: item %d: boom", i))
		}
		if wantMsg := strings.Join(msgs, "\n"); err.Error() != wantMsg {
			t.Errorf("%s Error() = %q; want %q", op, err, wantMsg)
		}
	}
}

// TestKeepGoingCancelled checks that ctx still stops a KeepGoing run: the
// results are nil, and the error joins the item errors seen before the
// end with the ctx error, last. On the fake clock each item takes 1 ms and
// ctx ends at 5.5 ms, so the items that started by then are known.
func TestKeepGoingCancelled(t *testing.T) {
	boom := errors.New("boom")
	const n = 100
	tests := []struct {
		name      string
		opts      []parallel.Option
		cancel    func(context.Context) (context.Context, context.CancelFunc)
		wantCalls int32    // items started before ctx ended
		wantErr   []string // the item errors
		want      error    // and the ctx error, last
	}{
		{"deadline/workers=1", []parallel.Option{parallel.Workers(1)},
			func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 5500*time.Microsecond)
			}, 6, []string{"parallel: item 1: boom", "parallel: item 4: boom"}, context.DeadlineExceeded},
		{"deadline/workers=4/chunk=1", []parallel.Option{parallel.Workers(4), parallel.ChunkSize(1)},
			func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 5500*time.Microsecond)
			}, 24, []string{"parallel: item 1: boom", "parallel: item 4: boom", "parallel: item 7: boom",
				"parallel: item 10: boom", "parallel: item 13: boom", "parallel: item 16: boom",
				"parallel: item 19: boom", "parallel: item 22: boom"}, context.DeadlineExceeded},
		{"cause/workers=2/chunk=5", []parallel.Option{parallel.Workers(2), parallel.ChunkSize(5)},
			func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancelCause(ctx)
				time.AfterFunc(5500*time.Microsecond, func() { cancel(boom) })
				return ctx, func() { cancel(nil) }
			}, 12, []string{"parallel: item 1: boom", "parallel: item 4: boom", "parallel: item 7: boom",
				"parallel: item 10: boom"}, context.Canceled},
		{"before", nil,
			func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx, cancel
			}, 0, nil, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := tt.cancel(t.Context())
				defer cancel()
				var calls atomic.Int32
				fn := func(_ context.Context, x int) (int, error) {
					calls.Add(1)
					time.Sleep(time.Millisecond)
					if x%3 == 1 {
						return 0, boom
					}
					return x, nil
				}
				opts := append(slices.Clip(tt.opts), parallel.KeepGoing())
				got, err := parallel.Map(ctx, ints(n), fn, opts...)
				checkCancelled(t, "Map", err, tt.want, tt.wantErr)
				if got != nil {
					t.Errorf("Map results = %v; want nil", got)
				}
				if c := calls.Load(); c != tt.wantCalls {
					t.Errorf("Map called fn %d times; want %d (the items started before ctx ended)", c, tt.wantCalls)
				}
			})
		})
	}
}

func checkCancelled(t *testing.T, op string, err, want error, wantErr []string) {
	t.Helper()
	items, others := itemErrors(err)
	var got []string
	for _, ie := range items {
		got = append(got, ie.Error())
	}
	if !slices.Equal(got, wantErr) {
		t.Errorf("%s item errors = %q; want %q", op, got, wantErr)
	}
	if len(others) != 1 || !errors.Is(others[0], want) || !errors.Is(err, want) {
		t.Errorf("%s error = %v; want the item errors and a wrapped %v, last", op, err, want)
	}
}

// TestKeepGoingUnsupported checks that Reduce and MapReduce reject
// KeepGoing before calling anything.
func TestKeepGoingUnsupported(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	add := func(a, b int) int { calls.Add(1); return a + b }
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"Reduce", func() error {
			_, err := parallel.Reduce(ctx, ints(100), add, parallel.KeepGoing())
			return err
		}, "parallel: KeepGoing(): not supported by Reduce (only by Map and ForEach)"},
		{"MapReduce", func() error {
			_, err := parallel.MapReduce(ctx, ints(100), func(_ context.Context, c []int) (int, error) {
				calls.Add(1)
				return len(c), nil
			}, add, parallel.Workers(2), parallel.KeepGoing())
			return err
		}, "parallel: KeepGoing(): not supported by MapReduce (only by Map and ForEach)"},
	}
	for _, tt := range tests {
		calls.Store(0)
		err := tt.run()
		if !errors.Is(err, parallel.ErrUnsupported) || !errors.Is(err, parallel.ErrInvalid) || err.Error() != tt.want {
			t.Errorf("%s(KeepGoing) = %v; want %q", tt.name, err, tt.want)
		}
		if c := calls.Load(); c != 0 {
			t.Errorf("%s(KeepGoing) called its functions %d times; want 0", tt.name, c)
		}
	}
}

// TestKeepGoingOrder checks that the joined errors are in input order even
// when the items fail in another: on the fake clock, item i takes 8-i ms,
// so on 4 workers the later items fail first.
func TestKeepGoingOrder(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		opts []parallel.Option
	}{
		{"workers=4/chunk=1", []parallel.Option{parallel.Workers(4), parallel.ChunkSize(1)}},
		{"workers=2/chunk=2", []parallel.Option{parallel.Workers(2), parallel.ChunkSize(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 8
				var order []int // the order in which the items failed
				var mu sync.Mutex
				err := parallel.ForEach(t.Context(), ints(n), func(_ context.Context, x int) error {
					time.Sleep(time.Duration(n-x) * time.Millisecond)
					mu.Lock()
					order = append(order, x)
					mu.Unlock()
					return boom
				}, append(slices.Clip(tt.opts), parallel.KeepGoing())...)
				if slices.IsSorted(order) {
					t.Fatalf("items failed in the order %v; the test needs another", order)
				}
				checkItemErrors(t, "ForEach", err, ints(n), nil, boom)
			})
		})
	}
}
