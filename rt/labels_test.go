package rt_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestTaskContextLabels: a task's context carries the pprof labels its
// goroutine runs under, so that pprof.Do with it adds to them and, once
// it returns, leaves the goroutine with them again, and pprof.Label finds
// them. Each case runs check on the goroutine the task's function runs
// on; for nested tasks, the innermost.
func TestTaskContextLabels(t *testing.T) {
	bg := context.Background()
	for _, c := range []struct {
		name string
		// run runs check in a task of r, started with parent.
		run  func(r *rt.Runtime, parent context.Context, check func(context.Context)) error
		want map[string]string // labels the goroutine must carry (spool.id aside)
	}{
		{
			name: "unnamed",
			run: func(r *rt.Runtime, parent context.Context, check func(context.Context)) error {
				return spawnCheck(r, parent, check)
			},
			want: map[string]string{"spool.runtime": "labels"},
		},
		{
			name: "named",
			run: func(r *rt.Runtime, parent context.Context, check func(context.Context)) error {
				return spawnCheck(r, parent, check, rt.TaskName("named"))
			},
			want: map[string]string{"spool.runtime": "labels", "spool.task": "named"},
		},
		{
			name: "spawned by a named task",
			run: func(r *rt.Runtime, parent context.Context, check func(context.Context)) error {
				_, err := rt.Spawn(r, parent, func(ctx context.Context) (int, error) {
					return 0, spawnCheck(r, ctx, check, rt.TaskName("inner"))
				}, rt.TaskName("outer")).Await(bg)
				return err
			},
			want: map[string]string{"spool.runtime": "labels", "spool.task": "inner"},
		},
		{
			name: "spawned with labels of its own",
			run: func(r *rt.Runtime, parent context.Context, check func(context.Context)) error {
				// The goroutine does not wear the spawner's labels: nor
				// does the task's context.
				return spawnCheck(r, pprof.WithLabels(parent, pprof.Labels("req", "7")), check, rt.TaskName("named"))
			},
			want: map[string]string{"spool.runtime": "labels", "spool.task": "named"},
		},
		{
			name: "task.Go in a task",
			run: func(r *rt.Runtime, parent context.Context, check func(context.Context)) error {
				// task.Go's goroutine inherits the task's labels, and its
				// context finds them through its parent, the task's.
				_, err := rt.Spawn(r, parent, func(ctx context.Context) (int, error) {
					return task.Go(ctx, func(ctx context.Context) (int, error) {
						check(ctx)
						return 0, nil
					}).Await(ctx)
				}, rt.TaskName("outer")).Await(bg)
				return err
			},
			want: map[string]string{"spool.runtime": "labels", "spool.task": "outer"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRuntime(t, rt.Name("labels"), rt.DetectBlocking(0))
			ran := false
			err := c.run(r, bg, func(ctx context.Context) {
				ran = true
				checkTaskLabels(t, ctx, c.want)
				// A context made from the task's finds the same labels.
				sub, cancel := context.WithCancel(context.WithValue(ctx, hitKey{}, 1))
				defer cancel()
				checkTaskLabels(t, sub, c.want)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !ran {
				t.Fatal("the check did not run")
			}
		})
	}
}

// TestNeverRunTaskContextLabels: a task refused at Spawn (a nil fn) never
// runs; its context carries the runtime's label, and the task's name if
// it has one, never the blocking pool's.
func TestNeverRunTaskContextLabels(t *testing.T) {
	r := newRuntime(t, rt.Name("labels"), rt.DetectBlocking(0))
	for _, c := range []struct {
		name string
		opts []rt.TaskOption
		want map[string]string // spool.id aside
	}{
		{"unnamed", nil, map[string]string{"spool.runtime": "labels"}},
		{"named", []rt.TaskOption{rt.TaskName("nil")}, map[string]string{"spool.runtime": "labels", "spool.task": "nil"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := rt.Spawn[int](r, context.Background(), nil, c.opts...)
			if _, err := tk.Await(context.Background()); !errors.Is(err, task.ErrNilFunc) {
				t.Fatalf("Await = %v; want task.ErrNilFunc", err)
			}
			got := labelsOf(tk.Context())
			delete(got, "spool.id")
			if !maps.Equal(got, c.want) {
				t.Errorf("the context carries labels %v; want %v (spool.id aside)", got, c.want)
			}
		})
	}
}

type hitKey struct{}

type missKey struct{}

// spawnCheck runs check in a task of r and waits for it.
func spawnCheck(r *rt.Runtime, ctx context.Context, check func(context.Context), opts ...rt.TaskOption) error {
	_, err := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
		check(ctx)
		return 0, nil
	}, opts...).Await(ctx)
	return err
}

// checkTaskLabels checks, on the goroutine of the task that owns ctx,
// that the goroutine carries want, that ctx carries the goroutine's
// labels, and that pprof.Do with ctx adds its labels to them and then
// gives them back.
func checkTaskLabels(t *testing.T, ctx context.Context, want map[string]string) {
	t.Helper()
	start, err := goroutineLabels()
	if err != nil {
		t.Error(err)
		return
	}
	if _, ok := start["spool.id"]; !ok {
		t.Errorf("the goroutine's labels %v lack spool.id", start)
	}
	for k, v := range want {
		if got, ok := start[k]; !ok || got != v {
			t.Errorf("the goroutine's labels are %v; want %s=%q among them", start, k, v)
		}
	}
	if got := labelsOf(ctx); !maps.Equal(got, start) {
		t.Errorf("the context carries labels %v; want the goroutine's, %v", got, start)
	}
	for k, v := range start {
		if got, ok := pprof.Label(ctx, k); !ok || got != v {
			t.Errorf("pprof.Label(ctx, %q) = %q, %v; want %q, true", k, got, ok, v)
		}
	}
	inDo := maps.Clone(start)
	inDo["user"] = "x"
	pprof.Do(ctx, pprof.Labels("user", "x"), func(ctx context.Context) {
		if got, err := goroutineLabels(); err != nil || !maps.Equal(got, inDo) {
			t.Errorf("inside pprof.Do, the goroutine's labels are %v (%v); want %v", got, err, inDo)
		}
		if got := labelsOf(ctx); !maps.Equal(got, inDo) {
			t.Errorf("inside pprof.Do, its context carries labels %v; want %v", got, inDo)
		}
	})
	if got, err := goroutineLabels(); err != nil || !maps.Equal(got, start) {
		t.Errorf("after pprof.Do, the goroutine's labels are %v (%v); want %v, as before", got, err, start)
	}
}

// labelsOf returns the pprof labels ctx carries.
func labelsOf(ctx context.Context) map[string]string {
	m := map[string]string{}
	pprof.ForLabels(ctx, func(k, v string) bool { m[k] = v; return true })
	return m
}

// goroutineLabels returns the pprof labels of the calling goroutine, read
// from the goroutine profile (debug=1), which lists each goroutine's
// labels and stack: the calling goroutine's stack is the one that holds
// goroutineLabels. No other goroutine may be in goroutineLabels meanwhile.
// It reports errors rather than failing the test: it runs in tasks.
func goroutineLabels() (map[string]string, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil, err
	}
	var (
		found  []map[string]string
		labels map[string]string
		mine   bool
	)
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if mine {
				found = append(found, labels)
			}
			labels, mine = nil, false
		case strings.HasPrefix(line, "# labels: "):
			var err error
			if labels, err = parseLabels(strings.TrimPrefix(line, "# labels: ")); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "#") && strings.Contains(line, "rt_test.goroutineLabels+"):
			mine = true
		}
	}
	if mine {
		found = append(found, labels)
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("found %d goroutines in goroutineLabels; want 1", len(found))
	}
	if found[0] == nil {
		return map[string]string{}, nil
	}
	return found[0], nil
}

// parseLabels parses a label set as the goroutine profile prints it:
// {"k1":"v1", "k2":"v2"}.
func parseLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	for kv := range strings.SplitSeq(s, ", ") {
		k, v, ok := strings.Cut(kv, ":")
		if !ok {
			return nil, fmt.Errorf("bad label %q in %q", kv, s)
		}
		ku, err1 := strconv.Unquote(k)
		vu, err2 := strconv.Unquote(v)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad label %q in %q", kv, s)
		}
		m[ku] = vu
	}
	return m, nil
}

var (
	sinkAny    any
	sinkString string
)

// BenchmarkTaskValue measures lookups in the context of a runtime's task:
// a key that is nowhere, the slot's key (task.Park's lookup), and
// pprof.Label.
func BenchmarkTaskValue(b *testing.B) {
	ctx := context.Background()
	r := newBenchRuntime(b)
	var tctx context.Context
	if _, err := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { tctx = ctx; return 0, nil }).Await(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkAny = tctx.Value(missKey{})
		}
	})
	b.Run("slot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkAny = task.ContextSlot(tctx)
		}
	})
	b.Run("pprof.Label", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString, _ = pprof.Label(tctx, "spool.runtime")
		}
	})
}
