package task_test

import (
	"context"
	"runtime/pprof"
	"testing"

	"github.com/spool-go/spool/task"
)

type missKey struct{}

type hitKey struct{}

// TestLabelsOutsideRuntime: a task of package task outside any runtime
// has no pprof labels of its own: its context shows its parent's, so
// pprof.Do with it adds to the parent's labels and restores them.
func TestLabelsOutsideRuntime(t *testing.T) {
	for _, c := range []struct {
		name   string
		parent context.Context
		want   map[string]string // the labels the task's context carries
	}{
		{"no labels", context.Background(), map[string]string{}},
		{"parent's labels", pprof.WithLabels(context.Background(), pprof.Labels("req", "7")), map[string]string{"req": "7"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := task.Go(c.parent, func(ctx context.Context) (map[string]string, error) {
				got := ctxLabels(ctx)
				var inDo map[string]string
				pprof.Do(ctx, pprof.Labels("k", "v"), func(ctx context.Context) { inDo = ctxLabels(ctx) })
				if want := withLabel(c.want, "k", "v"); !sameLabels(inDo, want) {
					t.Errorf("inside pprof.Do, the context carries labels %v; want %v", inDo, want)
				}
				return got, nil
			}).Await(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !sameLabels(v, c.want) {
				t.Errorf("the task's context carries labels %v; want %v", v, c.want)
			}
		})
	}
}

// TestValueOutsideRuntime: a task's context finds the keys of its parent
// chain and nothing else.
func TestValueOutsideRuntime(t *testing.T) {
	parent := context.WithValue(context.Background(), hitKey{}, "hit")
	tk := task.Go(parent, func(ctx context.Context) (int, error) { return 0, nil })
	if _, err := tk.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := tk.Context()
	for _, c := range []struct {
		key  any
		want any
	}{
		{hitKey{}, "hit"},
		{missKey{}, nil},
	} {
		if got := ctx.Value(c.key); got != c.want {
			t.Errorf("Value(%T) = %v; want %v", c.key, got, c.want)
		}
	}
	if s := task.ContextSlot(ctx); s != nil {
		t.Errorf("ContextSlot = %v; want nil", s)
	}
}

func ctxLabels(ctx context.Context) map[string]string {
	m := map[string]string{}
	pprof.ForLabels(ctx, func(k, v string) bool { m[k] = v; return true })
	return m
}

func withLabel(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k, v := range m {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

var (
	sinkAny    any
	sinkString string
)

// BenchmarkValue measures lookups in a task's context outside a runtime:
// a key that is nowhere (under Background, and under three WithValue
// contexts), a key of the parent chain, the slot's key (task.Park's
// lookup), and pprof.Label.
func BenchmarkValue(b *testing.B) {
	deep := context.Background()
	for range 3 {
		deep = context.WithValue(deep, new(int), 0)
	}
	hit := context.WithValue(context.Background(), hitKey{}, 1)
	for _, c := range []struct {
		name   string
		parent context.Context
		key    any
	}{
		{"miss", context.Background(), missKey{}},
		{"miss-depth3", deep, missKey{}},
		{"hit", hit, hitKey{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := taskContext(b, c.parent)
			b.ReportAllocs()
			for b.Loop() {
				sinkAny = ctx.Value(c.key)
			}
		})
	}
	b.Run("slot", func(b *testing.B) {
		ctx := taskContext(b, context.Background())
		b.ReportAllocs()
		for b.Loop() {
			sinkAny = task.ContextSlot(ctx)
		}
	})
	b.Run("pprof.Label", func(b *testing.B) {
		ctx := taskContext(b, context.Background())
		b.ReportAllocs()
		for b.Loop() {
			sinkString, _ = pprof.Label(ctx, "k")
		}
	})
}

// taskContext returns the context of a task that has ended.
func taskContext(b *testing.B, parent context.Context) context.Context {
	tk := task.Go(parent, func(ctx context.Context) (int, error) { return 0, nil })
	if _, err := tk.Await(context.Background()); err != nil {
		b.Fatal(err)
	}
	return tk.Context()
}
