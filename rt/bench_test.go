package rt_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

func newBenchRuntime(b *testing.B, opts ...rt.Option) *rt.Runtime {
	b.Helper()
	r, err := rt.New(append([]rt.Option{rt.Workers(2), rt.Logger(quiet)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return r
}

func trivial(context.Context) (int, error) { return 1, nil }

// BenchmarkSpawn measures Spawn and Await of a trivial task on a warm
// runtime, next to the same work as a bare goroutine sending on a
// 1-buffered channel, and task.Go.
func BenchmarkSpawn(b *testing.B) {
	ctx := context.Background()
	b.Run("rt.Spawn", func(b *testing.B) {
		r := newBenchRuntime(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.Spawn(r, ctx, trivial).Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rt.Spawn-in-task", func(b *testing.B) {
		// The case tokio measures: a task spawning and awaiting a task.
		r := newBenchRuntime(b)
		b.ReportAllocs()
		_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
			for b.Loop() {
				if _, err := rt.Spawn(r, ctx, trivial).Await(ctx); err != nil {
					return 0, err
				}
			}
			return 0, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("goroutine+chan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, 1)
			go func() {
				v, _ := trivial(ctx)
				ch <- v
			}()
			<-ch
		}
	})
	b.Run("task.Go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := task.Go(ctx, trivial).Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPark measures giving a worker slot back and taking it again at
// an uncontended await point: task.Park then Resume inside a task.
func BenchmarkPark(b *testing.B) {
	ctx := context.Background()
	r := newBenchRuntime(b)
	b.ReportAllocs()
	_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
		for b.Loop() {
			task.Park(ctx).Resume()
		}
		return 0, nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSpawnBlocking measures SpawnBlocking and Await of a trivial
// function on a warm blocking pool.
func BenchmarkSpawnBlocking(b *testing.B) {
	ctx := context.Background()
	r := newBenchRuntime(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.SpawnBlocking(r, ctx, trivial).Await(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
