//go:build linux

package rt_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// usage returns the process's CPU time and context switches so far.
func usage(b *testing.B) (time.Duration, int64) {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, int64(ru.Nvcsw) + int64(ru.Nivcsw)
}

// BenchmarkIdle measures what a runtime costs a process that is waiting:
// the CPU time and context switches of the whole process per 100 ms of
// wall time (an op is a 100 ms sleep of the benchmark's goroutine), with
//   - none: no runtime, the Go runtime's own background work only;
//   - idle: a runtime whose one task has ended, so its detector has stopped
//     looking;
//   - parked-100k: a runtime with 100,000 tasks parked at an await point,
//     which the detector does not look at;
//   - ticking: a runtime with a task that takes its slot every 10 ms
//     (task.Sleep), so its detector keeps looking every 25 ms.
//
// Run it with -benchtime 20x (2 s a case).
func BenchmarkIdle(b *testing.B) {
	for _, name := range []string{"none", "idle", "parked-100k", "ticking"} {
		b.Run(name, func(b *testing.B) {
			if name == "parked-100k" {
				parkTasks(b, newBenchRuntime(b), 100_000)
				time.Sleep(300 * time.Millisecond) // past the detector's threshold
			} else if name != "none" {
				r := newBenchRuntime(b)
				ctx, cancel := context.WithCancel(context.Background())
				t := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
					for name == "ticking" && task.Sleep(ctx, 10*time.Millisecond) == nil {
					}
					return 0, nil
				})
				b.Cleanup(func() {
					cancel()
					_, _ = t.Await(context.Background())
				})
				if name == "idle" {
					if _, err := t.Await(ctx); err != nil {
						b.Fatal(err)
					}
					time.Sleep(300 * time.Millisecond) // past the detector's threshold: it stops looking
				}
			}
			cpu0, sw0 := usage(b)
			for b.Loop() {
				time.Sleep(100 * time.Millisecond)
			}
			cpu1, sw1 := usage(b)
			n := float64(b.N)
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/n, "cpu-µs/op")
			b.ReportMetric(float64(sw1-sw0)/n, "ctxsw/op")
		})
	}
}
