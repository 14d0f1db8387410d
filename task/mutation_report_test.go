package task_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutOnUnobservedPanicNilRestoresDefault: OnUnobservedPanic(nil)
// restores the default, which logs the panic's value and stack at error
// level with slog.Default, rather than keeping the function set before.
func TestMutOnUnobservedPanicNilRestoresDefault(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	called := 0
	task.OnUnobservedPanic(func(*task.PanicError) { called++ })
	task.OnUnobservedPanic(nil)
	defer task.OnUnobservedPanic(nil)
	task.ReportPanic(&task.PanicError{Value: "boom-value", Stack: []byte("the-stack")})

	if called != 0 {
		t.Errorf("the old function was called %d times; want 0 after OnUnobservedPanic(nil)", called)
	}
	out := buf.String()
	for _, want := range []string{"level=ERROR", "boom-value", "the-stack"} {
		if !strings.Contains(out, want) {
			t.Errorf("log = %q; want it to contain %q", out, want)
		}
	}
}

// mutCountSlot counts its calls; Release reports give.
type mutCountSlot struct {
	give               bool
	released, acquired int
}

func (s *mutCountSlot) Release() bool { s.released++; return s.give }
func (s *mutCountSlot) Acquire()      { s.acquired++ }

// TestMutParkUncounted: Park gives the slot of ctx's task back, and
// Resume takes it again, only if Release counted the await point: an
// uncounted Park never takes a slot.
func TestMutParkUncounted(t *testing.T) {
	for _, tc := range []struct {
		name         string
		give         bool
		wantAcquired int
	}{
		{"Release counts", true, 1},
		{"Release does not count", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &mutCountSlot{give: tc.give}
			tk, j := task.Prepare(context.Background(), func(ctx context.Context) (int, error) {
				task.Park(ctx).Resume()
				return 0, nil
			}, task.WithSlot(s))
			j.Run()
			if _, err := tk.Await(context.Background()); err != nil {
				t.Fatal(err)
			}
			if s.released != 1 || s.acquired != tc.wantAcquired {
				t.Errorf("released %d, acquired %d; want 1, %d", s.released, s.acquired, tc.wantAcquired)
			}
		})
	}
}
