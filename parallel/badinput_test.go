package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/spool-go/spool/internal/testpanic"
	"github.com/spool-go/spool/parallel"
	"github.com/spool-go/spool/task"
)

// TestNilContextPanics: every exported function of parallel that takes a
// context panics at once with "parallel: <Func>: nil context", without
// calling anything. Map, ForEach, Reduce and MapReduce used to crash on a
// nil dereference in ctx.Err(); MapOrdered only when the loop ran.
func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	var calls atomic.Int64
	fn := func(context.Context, int) (int, error) { calls.Add(1); return 1, nil }
	add := func(a, b int) int { calls.Add(1); return a + b }
	tests := []struct {
		name string
		call func()
	}{
		{"Map", func() { _, _ = parallel.Map(nilCtx, ints(5), fn) }},
		{"Map", func() { _, _ = parallel.Map[int, int](nilCtx, nil, nil, nil) }}, // before any other check
		{"ForEach", func() {
			_ = parallel.ForEach(nilCtx, ints(5), func(context.Context, int) error { calls.Add(1); return nil })
		}},
		{"Reduce", func() { _, _ = parallel.Reduce(nilCtx, ints(5), add) }},
		{"MapReduce", func() {
			_, _ = parallel.MapReduce(nilCtx, ints(5), func(context.Context, []int) (int, error) { calls.Add(1); return 1, nil }, add)
		}},
		{"MapOrdered", func() { parallel.MapOrdered(nilCtx, slices.Values(ints(5)), 2, fn) }}, // at the call, not the loop
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "parallel: " + tt.name + ": nil context"
			if got := testpanic.Value(tt.call); got != want {
				t.Errorf("%s(nil ctx) panicked with %v; want %q", tt.name, got, want)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the refused calls called their functions %d times; want 0", n)
	}
}

// TestBadInput: a bad option value, a nil option, a nil function or an
// option a function does not support makes Map, ForEach, Reduce and
// MapReduce return an error matching ErrInvalid that names it, without
// calling anything. Workers and ChunkSize used to panic by themselves; a
// nil option or function gave an error that did not match ErrInvalid
// ("parallel: map: task: nil function" said the prefix twice).
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	mapFn := func(_ context.Context, x int) (int, error) { calls.Add(1); return x, nil }
	eachFn := func(context.Context, int) error { calls.Add(1); return nil }
	chunkFn := func(_ context.Context, c []int) (int, error) { calls.Add(1); return len(c), nil }
	add := func(a, b int) int { calls.Add(1); return a + b }
	funcs := []struct {
		name string
		run  func(opts ...parallel.Option) error
	}{
		{"Map", func(opts ...parallel.Option) error { _, err := parallel.Map(ctx, ints(5), mapFn, opts...); return err }},
		{"ForEach", func(opts ...parallel.Option) error { return parallel.ForEach(ctx, ints(5), eachFn, opts...) }},
		{"Reduce", func(opts ...parallel.Option) error { _, err := parallel.Reduce(ctx, ints(5), add, opts...); return err }},
		{"MapReduce", func(opts ...parallel.Option) error {
			_, err := parallel.MapReduce(ctx, ints(5), chunkFn, add, opts...)
			return err
		}},
	}
	options := []struct {
		name string
		opts []parallel.Option
		want string // %s: the function's name
	}{
		{"Workers(0)", []parallel.Option{parallel.Workers(0)}, "parallel: Workers(0): must be positive"},
		{"Workers(-1)", []parallel.Option{parallel.ChunkSize(2), parallel.Workers(-1)}, "parallel: Workers(-1): must be positive"},
		{"ChunkSize(0)", []parallel.Option{parallel.ChunkSize(0)}, "parallel: ChunkSize(0): must be positive"},
		{"ChunkSize(-5)", []parallel.Option{parallel.Workers(2), parallel.ChunkSize(-5)}, "parallel: ChunkSize(-5): must be positive"},
		{"nil option", []parallel.Option{nil}, "parallel: %s: option must not be nil (got nil at index 0)"},
		{"nil option after Workers", []parallel.Option{parallel.Workers(2), nil}, "parallel: %s: option must not be nil (got nil at index 1)"},
		{"two bad", []parallel.Option{parallel.Workers(0), nil}, "parallel: Workers(0): must be positive\nparallel: %s: option must not be nil (got nil at index 1)"},
	}
	for _, f := range funcs {
		for _, o := range options {
			t.Run(f.name+"/"+o.name, func(t *testing.T) {
				calls.Store(0)
				err := f.run(o.opts...)
				if !errors.Is(err, parallel.ErrInvalid) {
					t.Fatalf("%s(%s) = %v; want an error matching ErrInvalid", f.name, o.name, err)
				}
				want := o.want
				if len(o.opts) > 0 && o.opts[len(o.opts)-1] == nil {
					want = fmt.Sprintf(o.want, f.name)
				}
				if err.Error() != want {
					t.Errorf("%s(%s) = %q; want %q", f.name, o.name, err, want)
				}
				if n := calls.Load(); n != 0 {
					t.Errorf("%s(%s) called its functions %d times; want 0", f.name, o.name, n)
				}
			})
		}
	}

	args := []struct {
		name string
		call func() error
		also error // matched besides ErrInvalid
		want string
	}{
		{"Map(nil fn)", func() error { _, err := parallel.Map[int, int](ctx, ints(5), nil); return err }, task.ErrNilFunc,
			"parallel: Map: fn must not be nil (got nil)"},
		{"ForEach(nil fn)", func() error { return parallel.ForEach[int](ctx, ints(5), nil) }, task.ErrNilFunc,
			"parallel: ForEach: fn must not be nil (got nil)"},
		{"Reduce(nil fn)", func() error { _, err := parallel.Reduce[int](ctx, ints(5), nil); return err }, task.ErrNilFunc,
			"parallel: Reduce: fn must not be nil (got nil)"},
		{"MapReduce(nil mapFn)", func() error { _, err := parallel.MapReduce(ctx, ints(5), nil, add); return err }, task.ErrNilFunc,
			"parallel: MapReduce: mapFn must not be nil (got nil)"},
		{"MapReduce(nil reduceFn)", func() error { _, err := parallel.MapReduce(ctx, ints(5), chunkFn, nil); return err }, task.ErrNilFunc,
			"parallel: MapReduce: reduceFn must not be nil (got nil)"},
		{"MapReduce(nil, nil)", func() error { _, err := parallel.MapReduce[int, int](ctx, ints(5), nil, nil); return err }, task.ErrNilFunc,
			"parallel: MapReduce: mapFn must not be nil (got nil)\nparallel: MapReduce: reduceFn must not be nil (got nil)"},
		{"Map(nil fn, Workers(0))", func() error { _, err := parallel.Map[int, int](ctx, nil, nil, parallel.Workers(0)); return err }, task.ErrNilFunc,
			"parallel: Map: fn must not be nil (got nil)\nparallel: Workers(0): must be positive"},
		{"Reduce(KeepGoing)", func() error { _, err := parallel.Reduce(ctx, ints(5), add, parallel.KeepGoing()); return err }, parallel.ErrUnsupported,
			"parallel: KeepGoing(): not supported by Reduce (only by Map and ForEach)"},
		{"MapReduce(KeepGoing)", func() error {
			_, err := parallel.MapReduce(ctx, ints(5), chunkFn, add, parallel.Workers(2), parallel.KeepGoing())
			return err
		}, parallel.ErrUnsupported, "parallel: KeepGoing(): not supported by MapReduce (only by Map and ForEach)"},
	}
	for _, tt := range args {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			err := tt.call()
			if !errors.Is(err, parallel.ErrInvalid) || !errors.Is(err, tt.also) {
				t.Fatalf("%s = %v; want an error matching ErrInvalid and %v", tt.name, err, tt.also)
			}
			if err.Error() != tt.want {
				t.Errorf("%s = %q; want %q", tt.name, err, tt.want)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%s called its functions %d times; want 0", tt.name, n)
			}
		})
	}
	if !errors.Is(parallel.ErrUnsupported, parallel.ErrInvalid) {
		t.Errorf("ErrUnsupported does not match ErrInvalid")
	}

	// An option never panics by itself: the function reports it.
	for _, n := range []int{0, -1} {
		for name, o := range map[string]func(int) parallel.Option{"Workers": parallel.Workers, "ChunkSize": parallel.ChunkSize} {
			if got := testpanic.Value(func() { o(n) }); got != nil {
				t.Errorf("%s(%d) panicked with %v; want the error from Map and the others only", name, n, got)
			}
		}
	}
}

// TestMapOrderedBadInput: MapOrdered, which returns an iterator and no
// error, panics at the call on a nil seq or fn or a workers below 1,
// naming the argument and the value. It used to yield one plain error
// when the loop ran ("parallel: map ordered: task: nil function").
func TestMapOrderedBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		seq     iter.Seq[int]
		workers int
		fn      func(context.Context, int) (int, error)
		want    string
	}{
		{"zero workers", slices.Values(ints(3)), 0, square, "parallel: MapOrdered: workers must be positive (got 0)"},
		{"negative workers", slices.Values(ints(3)), -4, square, "parallel: MapOrdered: workers must be positive (got -4)"},
		{"nil fn", slices.Values(ints(3)), 2, nil, "parallel: MapOrdered: fn must not be nil (got nil)"},
		{"nil seq", nil, 2, square, "parallel: MapOrdered: seq must not be nil (got nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testpanic.Value(func() { parallel.MapOrdered(ctx, tt.seq, tt.workers, tt.fn) }); got != tt.want {
				t.Errorf("MapOrdered(%s) panicked with %v; want %q", tt.name, got, tt.want)
			}
		})
	}
}

// ExampleWorkers_bad: a bad option is reported by the function it is
// given to, as an error matching ErrInvalid that names it.
func ExampleWorkers_bad() {
	_, err := parallel.Map(context.Background(), []int{1, 2, 3}, func(_ context.Context, x int) (int, error) {
		return x * x, nil
	}, parallel.Workers(0))
	fmt.Println(err, errors.Is(err, parallel.ErrInvalid))
	// Output: parallel: Workers(0): must be positive true
}
