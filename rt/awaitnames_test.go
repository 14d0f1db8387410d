package rt

import (
	"context"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/task"
)

// TestAwaitPointNames pins the detector's names of package task's and
// rt's await points to the functions: a rename that the list missed would
// make the detector blame a wait with a foreign context on a task that
// never reached an await point.
func TestAwaitPointNames(t *testing.T) {
	fns := []any{
		(*task.Task[int]).Await, task.Sleep, task.Select, task.All[int],
		task.Join2[int, int], task.Join3[int, int, int], task.Race[int], task.Any[int],
		(*task.Group[int]).Go, (*task.Group[int]).Next, (*task.Group[int]).Wait,
		BlockOn[int], (*Runtime).Shutdown,
	}
	pinned := map[string]bool{}
	for _, f := range fns {
		full := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
		name, ok := spoolFunc(full)
		if !ok || !awaitPoints[name] {
			t.Errorf("%s: spoolFunc = %q, %v; want a name in awaitPoints", full, name, ok)
		}
		pinned[name] = true
	}
	for name := range awaitPoints {
		if (strings.HasPrefix(name, "task.") || strings.HasPrefix(name, "rt.")) && !pinned[name] {
			t.Errorf("awaitPoints has %q, which no function of the test pins", name)
		}
	}
}

func TestSpoolFunc(t *testing.T) {
	cases := []struct {
		fn   string
		want string
		ok   bool
	}{
		{"github.com/spool-go/spool/task.(*Task[...]).Await", "task.(*Task).Await", true},
		{"github.com/spool-go/spool/rt.BlockOn[...]", "rt.BlockOn", true},
		{"github.com/spool-go/spool/chans.Seq[...].func1", "chans.Seq", true},
		{"github.com/spool-go/spool/chans.Seq[...].func1.2", "chans.Seq", true},
		{"github.com/spool-go/spool/task.(*Group[...]).Go.gowrap1", "task.(*Group).Go", true},
		{"github.com/spool-go/spool/parallel.MapOrdered[...]-range1", "parallel.MapOrdered", true},
		{"github.com/spool-go/spool/internal/fifo.(*List[...]).PushBack", "internal/fifo.(*List).PushBack", true},
		{"github.com/spool-go/spool/rt_test.TestX.func1", "", false},
		{"github.com/spool-go/spool/rt_test.badSleep", "", false},
		{"main.main", "", false},
		{"time.Sleep", "", false},
	}
	for _, c := range cases {
		if got, ok := spoolFunc(c.fn); got != c.want || ok != c.ok {
			t.Errorf("spoolFunc(%q) = %q, %v; want %q, %v", c.fn, got, ok, c.want, c.ok)
		}
	}
}

func TestAwaitPoint(t *testing.T) {
	const (
		await  = "github.com/spool-go/spool/task.(*Task[...]).Await"
		all    = "github.com/spool-go/spool/task.All[...]"
		settle = "github.com/spool-go/spool/task.settle"
		goFn   = "github.com/spool-go/spool/task.(*Group[...]).Go"
		lock   = "github.com/spool-go/spool/guard.(*lock).lockSlow"
		with   = "github.com/spool-go/spool/guard.(*Mutex[...]).With"
		user   = "example.com/app.handler"
		job    = "github.com/spool-go/spool/task.(*job[...]).Run"
		run    = "github.com/spool-go/spool/rt.(*entry).run"
	)
	cases := []struct {
		name  string
		funcs []string // innermost first
		want  string
	}{
		{"Task.Await", []string{await, user, job, run}, "task.(*Task).Await"},
		{"the outermost: All, not its helper", []string{settle, all, user, job, run}, "task.All"},
		{"below sync", []string{"sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow", await, user}, "task.(*Task).Await"},
		{"a lock without a context", []string{lock, with, user, job, run}, ""},
		{"user code run inline by Group.Go", []string{user, goFn, user, job, run}, ""},
		{"user code", []string{user, job, run}, ""},
		{"a test function", []string{"github.com/spool-go/spool/rt_test.wait", goFn}, ""},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		if got := awaitPoint(c.funcs); got != c.want {
			t.Errorf("%s: awaitPoint = %q; want %q", c.name, got, c.want)
		}
	}
}

// TestSampleStacksFindsAwaitPoint: a task parked in task.Sleep with a
// context that holds no slot is sampled as waiting there; one parked on a
// channel, while a goroutine it started (which wears its labels) waits so
// in task.Sleep, is not.
func TestSampleStacksFindsAwaitPoint(t *testing.T) {
	cases := []struct {
		name string
		fn   func(stop context.Context) func(context.Context) (int, error)
		want string
	}{
		{"the task in task.Sleep", func(stop context.Context) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { return 0, task.Sleep(stop, time.Hour) }
		}, "task.Sleep"},
		{"a goroutine it started in task.Sleep", func(stop context.Context) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				done := make(chan struct{})
				go func() { defer close(done); _ = task.Sleep(stop, time.Hour) }()
				<-done
				return 0, nil
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := New(CurrentThread(), DetectBlocking(0), Logger(slog.New(slog.DiscardHandler)))
				if err != nil {
					t.Fatal(err)
				}
				stop, cancel := context.WithCancel(context.Background())
				tk := Spawn(r, context.Background(), c.fn(stop))
				synctest.Wait() // parked
				r.mu.Lock()
				id := r.head.lab.id
				r.mu.Unlock()
				got := sampleStacks([]string{id})[id]
				cancel()
				_, _ = tk.Await(context.Background())
				if err := r.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got.await != c.want {
					t.Errorf("await = %q; want %q (stack:\n%s)", got.await, c.want, got.stack)
				}
			})
		})
	}
}

// TestParked: a PC that is not runtime.gopark's is not parked.
func TestParked(t *testing.T) {
	for _, pc := range []string{"", "0x0", "zz"} {
		if parked(pc) {
			t.Errorf("parked(%q) = true; want false", pc)
		}
	}
}
