package task_test

import (
	"context"
	"testing"
	"time"

	"github.com/spool-go/spool/task"
)

// The combinators' own cost, on tasks that have ended ("done": no
// goroutine or wake-up in the loop) and on tasks started in the loop
// ("go": task.Go of trivial functions included).
//
//	go test -run '^$' -bench 'All|Any|Race|Join|Select|Timeout' -benchmem ./task/

func doneTasks(b *testing.B, errs ...error) []*task.Task[int] {
	ctx := context.Background()
	ts := make([]*task.Task[int], len(errs))
	for i, err := range errs {
		ts[i] = task.Go(ctx, func(context.Context) (int, error) { return i, err })
		_, _ = ts[i].Await(ctx)
	}
	return ts
}

func BenchmarkAll(b *testing.B) {
	ctx := context.Background()
	b.Run("done-3", func(b *testing.B) {
		ts := doneTasks(b, nil, nil, nil)
		b.ReportAllocs()
		for b.Loop() {
			vs, _ := task.All(ctx, ts...)
			sinkInt += len(vs)
		}
	})
	b.Run("done-3-one-fails", func(b *testing.B) {
		ts := doneTasks(b, nil, errBoom, nil)
		b.ReportAllocs()
		for b.Loop() {
			_, err := task.All(ctx, ts...)
			if err == nil {
				b.Fatal("no error")
			}
		}
	})
	trivial := func(context.Context) (int, error) { return 1, nil }
	b.Run("go-3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			vs, _ := task.All(ctx, task.Go(ctx, trivial), task.Go(ctx, trivial), task.Go(ctx, trivial))
			sinkInt += len(vs)
		}
	})
}

func BenchmarkAny(b *testing.B) {
	ctx := context.Background()
	b.Run("done-3", func(b *testing.B) {
		ts := doneTasks(b, errBoom, nil, nil)
		b.ReportAllocs()
		for b.Loop() {
			v, _ := task.Any(ctx, ts...)
			sinkInt += v
		}
	})
}

func BenchmarkRace(b *testing.B) {
	ctx := context.Background()
	b.Run("done-3", func(b *testing.B) {
		ts := doneTasks(b, nil, nil, nil)
		b.ReportAllocs()
		for b.Loop() {
			v, _ := task.Race(ctx, ts...)
			sinkInt += v
		}
	})
}

func BenchmarkJoin(b *testing.B) {
	ctx := context.Background()
	ts := doneTasks(b, nil, nil, nil)
	b.Run("Join2-done", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, y, _ := task.Join2(ctx, ts[0], ts[1])
			sinkInt += x + y
		}
	})
	b.Run("Join3-done", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, y, z, _ := task.Join3(ctx, ts[0], ts[1], ts[2])
			sinkInt += x + y + z
		}
	})
}

func BenchmarkSelect(b *testing.B) {
	ctx := context.Background()
	ts := doneTasks(b, nil, nil)
	b.Run("ready-2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			i, _ := task.Select(ctx, ts[0], ts[1])
			sinkInt += i
		}
	})
	// A task just spawned and a case never ready: Select offers the task
	// (not queued on a Helper: a look at its state), parks and waits.
	b.Run("wait-2", func(b *testing.B) {
		fn := func(context.Context) (int, error) { return 1, nil }
		b.ReportAllocs()
		for b.Loop() {
			i, _ := task.Select(ctx, task.Go(ctx, fn), ctx)
			sinkInt += i
		}
	})
}

func BenchmarkTimeout(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := task.Timeout(ctx, time.Second, fn)
			sinkInt += v
		}
	})
}
