package rt_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// outcomes are Metrics' outcome counts, for comparison.
type outcomes struct{ Completed, Failed, Panicked, Cancelled uint64 }

func outcomesOf(m rt.Metrics) outcomes {
	return outcomes{m.Completed, m.Failed, m.Panicked, m.Cancelled}
}

func (o outcomes) sum() uint64 { return o.Completed + o.Failed + o.Panicked + o.Cancelled }

// checkInvariant checks the invariant every snapshot of Metrics keeps.
func checkInvariant(m rt.Metrics) error {
	if live := uint64(m.Tasks + m.BlockingTasks); m.Spawned != outcomesOf(m).sum()+live {
		return fmt.Errorf("Spawned = %d; Completed + Failed + Panicked + Cancelled + Tasks + BlockingTasks = %d + %d + %d + %d + %d + %d = %d",
			m.Spawned, m.Completed, m.Failed, m.Panicked, m.Cancelled, m.Tasks, m.BlockingTasks, outcomesOf(m).sum()+live)
	}
	return nil
}

// TestMetricsOutcomes: each outcome of a task is counted where pool.Metrics
// counts it: Completed (ran, returned nil), Failed (ran, returned an
// error), Panicked (ran and panicked or called runtime.Goexit), Cancelled
// (never ran). Completed used to count every task that ended, Failed
// panics too, and a task that never ran as failed.
func TestMetricsOutcomes(t *testing.T) {
	boom := errors.New("boom")
	type spawner = func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) func() error
	spawners := []struct {
		name  string
		spawn spawner
	}{
		{"Spawn", func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) func() error {
			tk := rt.Spawn(r, ctx, fn)
			return func() error { _, err := tk.Await(context.Background()); return err }
		}},
		{"BlockOn", func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) func() error {
			ch := make(chan error, 1)
			go func() { _, err := rt.BlockOn(r, ctx, fn); ch <- err }()
			return func() error { return <-ch }
		}},
		{"SpawnBlocking", func(r *rt.Runtime, ctx context.Context, fn func(context.Context) (int, error)) func() error {
			tk := rt.SpawnBlocking(r, ctx, fn)
			return func() error { _, err := tk.Await(context.Background()); return err }
		}},
	}
	waitCtx := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
	cases := []struct {
		name string
		run  func(t *testing.T, r *rt.Runtime, spawn spawner) // in a bubble; the runtime has one slot and one blocking goroutine
		want outcomes
	}{
		{"returns nil", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			_ = spawn(r, context.Background(), func(context.Context) (int, error) { return 1, nil })()
		}, outcomes{Completed: 1}},
		{"returns an error", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			_ = spawn(r, context.Background(), func(context.Context) (int, error) { return 0, boom })()
		}, outcomes{Failed: 1}},
		{"returns its context's error, cancelled while running", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			ctx, cancel := context.WithCancel(context.Background())
			wait := spawn(r, ctx, waitCtx)
			synctest.Wait()
			cancel()
			_ = wait()
		}, outcomes{Failed: 1}},
		{"panics", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			_ = spawn(r, context.Background(), func(context.Context) (int, error) { panic(boom) })()
		}, outcomes{Panicked: 1}},
		{"returns a panic's error", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			// An error wrapping another task's panic is an error it returned.
			_ = spawn(r, context.Background(), func(ctx context.Context) (int, error) {
				_, err := task.Go(ctx, func(context.Context) (int, error) { panic(boom) }).Await(ctx)
				return 0, fmt.Errorf("sub-task: %w", err)
			})()
		}, outcomes{Failed: 1}},
		{"returns another task's panic as it is", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			// The panic counts once, where it happened (task.Go is no
			// task of r). It was counted as this task's panic too: a
			// panic propagated up a tree of tasks counted at each level.
			_ = spawn(r, context.Background(), func(ctx context.Context) (int, error) {
				return task.Go(ctx, func(context.Context) (int, error) { panic(boom) }).Await(ctx)
			})()
		}, outcomes{Failed: 1}},
		{"returns task.ErrGoexit", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			_ = spawn(r, context.Background(), func(context.Context) (int, error) { return 0, task.ErrGoexit })()
		}, outcomes{Failed: 1}},
		{"calls runtime.Goexit", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			_ = spawn(r, context.Background(), func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })()
		}, outcomes{Panicked: 1}},
		{"context done at start", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = spawn(r, ctx, func(context.Context) (int, error) { return 1, nil })()
		}, outcomes{Cancelled: 1}},
		{"Shutdown cancels one running, one waiting", func(t *testing.T, r *rt.Runtime, spawn spawner) {
			bg := context.Background()
			running := spawn(r, bg, waitCtx)
			synctest.Wait()
			waiting := spawn(r, bg, func(context.Context) (int, error) { return 1, nil })
			synctest.Wait()
			ctx, cancel := context.WithCancel(bg)
			cancel()
			var se *rt.ShutdownError
			if err := r.Shutdown(ctx); !errors.As(err, &se) || se.Cancelled != 2 {
				t.Errorf("Shutdown = %v; want a *ShutdownError that cancelled 2 tasks", err)
			}
			_, _ = running(), waiting()
		}, outcomes{Failed: 1, Cancelled: 1}},
	}
	for _, s := range spawners {
		for _, c := range cases {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r, err := rt.New(rt.Logger(quiet), rt.CurrentThread(), rt.MaxBlocking(1), rt.DetectBlocking(0))
					if err != nil {
						t.Fatal(err)
					}
					c.run(t, r, s.spawn)
					if err := r.Shutdown(context.Background()); err != nil {
						t.Fatalf("Shutdown = %v; want nil", err)
					}
					m := r.Metrics()
					if got := outcomesOf(m); got != c.want || m.Spawned != c.want.sum() {
						t.Errorf("Spawned %d, %+v; want Spawned %d, %+v", m.Spawned, got, c.want.sum(), c.want)
					}
				})
			})
		}
	}
}

// TestMetricsInvariant: under a random mix of outcomes, async and blocking
// tasks, cancels and a Shutdown whose context has ended, every snapshot of
// Metrics has Spawned == Completed + Failed + Panicked + Cancelled + Tasks
// + BlockingTasks, and at the end the outcome counts are those of what the
// tasks' functions did (and did not do). Snapshots are taken by the tasks
// themselves, on entry and on their way out, by the test between spawns,
// and by a sampler outside the bubble that takes them without pause.
// Completed used to count every ended task, and there was no Cancelled.
func TestMetricsInvariant(t *testing.T) {
	const n = 400
	kinds := []string{"nil", "error", "panic", "goexit", "done at start", "waits", "parks", "cancelled at once"}
	tests := []struct {
		seed     uint64
		workers  int
		blocking int
	}{
		{1, 1, 1},
		{2, 2, 2},
		{3, 2, 1},
		{4, 4, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("seed %d, workers %d, blocking %d", tt.seed, tt.workers, tt.blocking), func(t *testing.T) {
			// The sampler runs outside the bubble: a goroutine that never
			// blocks would keep synctest.Wait from returning.
			var live atomic.Pointer[rt.Runtime]
			stop := make(chan struct{})
			sampled := make(chan int)
			go func() {
				k := 0
				defer func() { sampled <- k }()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if r := live.Load(); r != nil {
						if err := checkInvariant(r.Metrics()); err != nil {
							t.Errorf("sampler, snapshot %d: %v", k, err)
							return
						}
						k++
					}
					runtime.Gosched()
				}
			}()
			defer func() {
				close(stop)
				t.Logf("the sampler took %d snapshots", <-sampled)
			}()

			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Logger(quiet), rt.Workers(tt.workers), rt.MaxBlocking(tt.blocking), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				live.Store(r)
				defer live.Store(nil)
				bg := context.Background()
				boom := errors.New("boom")
				check := func(where string) {
					if err := checkInvariant(r.Metrics()); err != nil {
						t.Errorf("%s: %v", where, err)
					}
				}

				// What the functions did: the outcomes Metrics must count.
				var nNil, nErr, nPanic atomic.Uint64
				ran := make([]atomic.Bool, n)
				tasks := make([]*task.Task[int], n)
				count := make(map[string]int)

				rng := rand.New(rand.NewPCG(tt.seed, tt.seed))
				ended, cancelEnded := context.WithCancel(bg)
				cancelEnded()
				shut := make(chan error, 1)
				release := make(chan struct{}) // lets the tasks that wait so far go; renewed
				for i := range tasks {
					kind := kinds[rng.IntN(len(kinds))]
					count[kind]++
					ctx := bg
					if kind == "done at start" {
						c, cancel := context.WithCancel(bg)
						cancel()
						ctx = c
					}
					rel := release
					fn := func(ctx context.Context) (int, error) {
						ran[i].Store(true)
						check("task entry")
						defer check("task exit")
						switch kind {
						case "error":
							nErr.Add(1)
							return 0, boom
						case "panic":
							nPanic.Add(1)
							panic(boom)
						case "goexit":
							nPanic.Add(1)
							runtime.Goexit()
						case "waits": // keeps its slot, or its blocking goroutine, till released or cancelled
							select {
							case <-rel:
							case <-ctx.Done():
								nErr.Add(1)
								return 0, ctx.Err()
							}
						case "parks":
							for range 3 {
								task.Park(ctx).Resume()
							}
						}
						nNil.Add(1)
						return 1, nil
					}
					if rng.IntN(2) == 0 {
						tasks[i] = rt.Spawn(r, ctx, fn)
					} else {
						tasks[i] = rt.SpawnBlocking(r, ctx, fn)
					}
					if kind == "cancelled at once" {
						tasks[i].Cancel()
					}
					check("after a spawn")
					if rng.IntN(4) == 0 {
						synctest.Wait() // let the tasks run till they block
						check("settled")
						if rng.IntN(2) == 0 {
							close(release)
							release = make(chan struct{})
							synctest.Wait()
							check("released")
						}
					}
					if i == n/2 { // Shutdown cancels what is left, while spawns go on
						go func() { shut <- r.Shutdown(ended) }()
					}
				}
				if err := <-shut; err == nil {
					t.Log("Shutdown found nothing left to cancel")
				}
				if err := r.Shutdown(bg); err != nil {
					t.Fatalf("second Shutdown = %v; want nil", err)
				}

				var accepted, notStarted uint64
				for i, tk := range tasks {
					_, err := tk.Await(bg)
					switch {
					case errors.Is(err, rt.ErrClosed):
						if ran[i].Load() {
							t.Errorf("task %d: refused (%v), yet it ran", i, err)
						}
						continue
					case !ran[i].Load() && !errors.Is(err, task.ErrNotStarted):
						t.Errorf("task %d did not run; error %v, want one matching task.ErrNotStarted", i, err)
					case ran[i].Load() && errors.Is(err, task.ErrNotStarted):
						t.Errorf("task %d ran; error %v matches task.ErrNotStarted", i, err)
					}
					accepted++
					if !ran[i].Load() {
						notStarted++
					}
				}
				m := r.Metrics()
				check("at the end")
				want := outcomes{Completed: nNil.Load(), Failed: nErr.Load(), Panicked: nPanic.Load(), Cancelled: notStarted}
				if got := outcomesOf(m); got != want || m.Spawned != accepted || m.Tasks != 0 || m.BlockingTasks != 0 {
					t.Errorf("Spawned %d, %+v, Tasks %d, BlockingTasks %d; want Spawned %d, %+v, 0, 0",
						m.Spawned, got, m.Tasks, m.BlockingTasks, accepted, want)
				}
				t.Logf("kinds %v; accepted %d of %d: %+v", count, accepted, n, want)
			})
		})
	}
}
