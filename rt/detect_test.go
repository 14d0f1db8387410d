package rt_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// reports collects the detector's reports.
type reports struct {
	mu   sync.Mutex
	list []rt.BlockingReport
}

func (rs *reports) add(b rt.BlockingReport) {
	rs.mu.Lock()
	rs.list = append(rs.list, b)
	rs.mu.Unlock()
}

func (rs *reports) get() []rt.BlockingReport {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]rt.BlockingReport(nil), rs.list...)
}

// syncBuffer is a log destination safe for the detector's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (sb *syncBuffer) Write(p []byte) (int, error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.b.Write(p)
}

func (sb *syncBuffer) String() string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.b.String()
}

// badSleep is the chapter's bad_example: std::thread::sleep in async code.
func badSleep(ctx context.Context) (int, error) {
	time.Sleep(time.Second) // holds the worker slot
	return 1, nil
}

func TestDetectorReportsBlockingTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rs reports
		var log syncBuffer
		r, err := rt.New(rt.Workers(2), rt.Name("svc"), rt.DetectBlocking(100*time.Millisecond),
			rt.OnBlocking(rs.add), rt.Logger(slog.New(slog.NewTextHandler(&log, nil))))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		good := func(ctx context.Context) (int, error) { return 2, task.Sleep(ctx, time.Second) }
		ts := []*task.Task[int]{
			rt.Spawn(r, ctx, badSleep, rt.TaskName("sleeper")),
			rt.Spawn(r, ctx, good, rt.TaskName("good")),
		}
		if _, err := task.All(ctx, ts...); err != nil {
			t.Fatal(err)
		}
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		got := rs.get()
		if len(got) != 1 {
			t.Fatalf("got %d reports %v; want 1, for the sleeper", len(got), got)
		}
		b := got[0]
		t.Logf("%s\n%s", b, b.Stack)
		if b.Task != "sleeper" || b.Runtime != "svc" {
			t.Errorf("report names task %q of runtime %q; want sleeper of svc", b.Task, b.Runtime)
		}
		if b.Held < 100*time.Millisecond || b.Held > 125*time.Millisecond {
			t.Errorf("Held = %v; want between the threshold and 1.25 thresholds (100ms..125ms of fake time)", b.Held)
		}
		for _, want := range []string{`"sleeper"`, "rt.SpawnBlocking", "100ms"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("report %q lacks %q", b.String(), want)
			}
		}
		for _, want := range []string{"time.Sleep", "rt_test.badSleep", "detect_test.go:"} {
			if !strings.Contains(b.Stack, want) {
				t.Errorf("report's stack lacks %q:\n%s", want, b.Stack)
			}
		}
		for _, want := range []string{"level=WARN", "task=sleeper", "rt.SpawnBlocking", "stack="} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
		}
		if n := r.Metrics().BlockingReports; n != 1 {
			t.Errorf("BlockingReports = %d; want 1", n)
		}
	})
}

// TestDetectorOncePerOccurrence: two blocking holds separated by an await
// point are two occurrences; an unnamed task is named by its function.
func TestDetectorOncePerOccurrence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rs reports
		r := newRuntime(t, rt.CurrentThread(), rt.DetectBlocking(10*time.Millisecond), rt.OnBlocking(rs.add))
		ctx := context.Background()
		_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
			time.Sleep(50 * time.Millisecond)
			if err := task.Sleep(ctx, time.Millisecond); err != nil {
				return 0, err
			}
			time.Sleep(50 * time.Millisecond)
			return 0, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := rs.get()
		if len(got) != 2 {
			t.Fatalf("got %d reports; want 2 (one per blocking hold)", len(got))
		}
		for _, b := range got {
			if !strings.Contains(b.Task, "TestDetectorOncePerOccurrence") {
				t.Errorf("unnamed task reported as %q; want its function's name", b.Task)
			}
		}
	})
}

// TestDetectorFindsBlockerAmongParked: the detector looks at the tasks
// that hold a slot, however many others are parked at await points.
func TestDetectorFindsBlockerAmongParked(t *testing.T) {
	for _, parked := range []int{0, 10, 10_000} {
		t.Run(fmt.Sprint(parked, " parked"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rs reports
				r := newRuntime(t, rt.Workers(2), rt.DetectBlocking(10*time.Millisecond), rt.OnBlocking(rs.add))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ts := make([]*task.Task[int], 0, parked+1)
				for range parked {
					ts = append(ts, rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
						_ = task.Sleep(ctx, time.Hour) // parked, holding no slot
						return 0, nil
					}))
				}
				ts = append(ts, rt.Spawn(r, ctx, badSleep, rt.TaskName("blocker")))
				_, _ = ts[len(ts)-1].Await(ctx)
				got := rs.get()
				if len(got) != 1 || got[0].Task != "blocker" {
					t.Errorf("reports %v; want one, for the blocker", got)
				}
				cancel()
				for _, tk := range ts {
					_, _ = tk.Await(context.Background())
				}
			})
		})
	}
}

// TestDetectorQuietForAwaitingTasks: a task that awaits often, or runs on
// the blocking pool, is never reported, however long it lives.
func TestDetectorQuietForAwaitingTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rs reports
		r := newRuntime(t, rt.Workers(1), rt.DetectBlocking(10*time.Millisecond), rt.OnBlocking(rs.add))
		ctx := context.Background()
		ts := []*task.Task[int]{
			rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
				for range 100 {
					if err := task.Sleep(ctx, 5*time.Millisecond); err != nil {
						return 0, err
					}
				}
				return 0, nil
			}),
			rt.SpawnBlocking(r, ctx, badSleep),
		}
		if _, err := task.All(ctx, ts...); err != nil {
			t.Fatal(err)
		}
		if got := rs.get(); len(got) != 0 {
			t.Errorf("got reports %v; want none", got)
		}
	})
}

// TestDetectorPicksTheTaskGoroutine: a goroutine started by a task inherits
// its pprof labels; the report's stack is still the task's own.
func TestDetectorPicksTheTaskGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rs reports
		r := newRuntime(t, rt.Workers(1), rt.DetectBlocking(10*time.Millisecond), rt.OnBlocking(rs.add))
		ctx := context.Background()
		release := make(chan struct{})
		done := make(chan struct{})
		_, err := rt.BlockOn(r, ctx, func(ctx context.Context) (int, error) {
			go func() { // inherits the task's labels
				defer close(done)
				<-release
			}()
			return badSleep(ctx)
		})
		close(release)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		got := rs.get()
		if len(got) != 1 || !strings.Contains(got[0].Stack, "rt_test.badSleep") {
			t.Errorf("reports %v; want one whose stack is the task's (in badSleep)", got)
		}
	})
}

// TestLabels: a named task's goroutine carries the runtime's and the
// task's pprof labels, so profiles can be filtered by task.
func TestLabels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRuntime(t, rt.Name("labelled"), rt.DetectBlocking(0))
		ctx := context.Background()
		release := make(chan struct{})
		tk := rt.Spawn(r, ctx, func(context.Context) (int, error) { <-release; return 0, nil }, rt.TaskName("named"))
		bk := rt.SpawnBlocking(r, ctx, func(context.Context) (int, error) { <-release; return 0, nil }, rt.TaskName("disk"))
		synctest.Wait()
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`"spool.runtime":"labelled", "spool.task":"named"`,
			`"spool.kind":"blocking", "spool.runtime":"labelled", "spool.task":"disk"`,
		} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("goroutine profile lacks labels %s", want)
			}
		}
		close(release)
		if _, err := task.All(ctx, tk, bk); err != nil {
			t.Fatal(err)
		}
	})
}
