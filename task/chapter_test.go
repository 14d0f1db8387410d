package task_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// captureStdout runs f with os.Stdout sent to a file and returns the lines
// f printed. (A file, not a pipe: a write to it never blocks, so f may run
// inside a synctest bubble.)
func captureStdout(t *testing.T, f func()) []string {
	t.Helper()
	file, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	saved := os.Stdout
	os.Stdout = file
	defer func() { os.Stdout = saved }()
	f()
	b, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// oneSlot runs fn as a task of a current-thread runtime (detector off:
// the bubble's clock would not move while it looks) and returns the fake
// time it took.
func oneSlot(t *testing.T, fn func(ctx context.Context, r *rt.Runtime) error) time.Duration {
	t.Helper()
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread(), rt.DetectBlocking(0))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	start := time.Now()
	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx, r)
	})
	if err != nil {
		t.Errorf("BlockOn: %v", err)
	}
	return time.Since(start)
}

// TestConcurrentOperationsOnOneSlot runs Example_concurrentOperations'
// function on a fake clock, where the order of its lines is fixed by the
// clock, not by the machine's load: A, B and C one after the other, then
// X, Y and Z all started before any completes; 3 sleeps, then 1.
func TestConcurrentOperationsOnOneSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var took time.Duration
		lines := captureStdout(t, func() { took = oneSlot(t, concurrentOperations) })
		wantSeq := []string{"Starting A", "Completed A", "Starting B", "Completed B", "Starting C", "Completed C"}
		if len(lines) != 12 || !slices.Equal(lines[:6], wantSeq) {
			t.Fatalf("lines = %q; want %q, then X, Y and Z", lines, wantSeq)
		}
		started, completed := slices.Clone(lines[6:9]), slices.Clone(lines[9:])
		slices.Sort(started)
		slices.Sort(completed)
		if want := []string{"Starting X", "Starting Y", "Starting Z"}; !slices.Equal(started, want) {
			t.Errorf("joined, the first three lines = %q; want %q in some order", lines[6:9], want)
		}
		if want := []string{"Completed X", "Completed Y", "Completed Z"}; !slices.Equal(completed, want) {
			t.Errorf("joined, the last three lines = %q; want %q in some order", lines[9:], want)
		}
		if want := 40 * time.Millisecond; took != want {
			t.Errorf("concurrentOperations took %v of fake time; want %v (3 sleeps of 10ms in turn, then 1 for the 3 joined)", took, want)
		}
	})
}

// TestSelectExampleTicks runs Example_selectExample's loop on a fake
// clock with operations that outlast the one-second timer, and with an
// interrupt.
func TestSelectExampleTicks(t *testing.T) {
	tests := []struct {
		name      string
		op        time.Duration
		interrupt time.Duration // 0: never
		want      []string
		took      time.Duration
	}{
		{"within a tick", 500 * time.Millisecond, 0, []string{"Operation completed: Success"}, 500 * time.Millisecond},
		{"two ticks", 2500 * time.Millisecond, 0,
			[]string{"Timer expired", "Timer expired", "Operation completed: Success"}, 2500 * time.Millisecond},
		{"interrupted", 5 * time.Second, 1500 * time.Millisecond, []string{"Timer expired", "Interrupted"}, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				interrupted, ctrlC := context.WithCancel(context.Background())
				defer ctrlC()
				if tt.interrupt > 0 {
					time.AfterFunc(tt.interrupt, ctrlC)
				}
				asyncOperation := func(ctx context.Context) (string, error) {
					return "Success", task.Sleep(ctx, tt.op)
				}
				var took time.Duration
				lines := captureStdout(t, func() {
					took = oneSlot(t, func(ctx context.Context, r *rt.Runtime) error {
						return selectExample(ctx, r, interrupted, asyncOperation)
					})
				})
				if !slices.Equal(lines, tt.want) {
					t.Errorf("selectExample printed %q; want %q", lines, tt.want)
				}
				if took != tt.took {
					t.Errorf("selectExample took %v of fake time; want %v", took, tt.took)
				}
			})
		})
	}
}
