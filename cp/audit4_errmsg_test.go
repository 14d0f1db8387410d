package cp_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spool-go/spool/cp"
	"github.com/spool-go/spool/task"
)

// TestAudit4OnItemPanicSaysCpOnce: a panic in OnItem stops the copy, which
// ends with "cp: interrupted: ..." and the panic as the cause; the cause
// carried a "cp: " of its own, so the message read "cp: interrupted:
// context canceled: cp: OnItem panicked: task: panic: ...".
func TestAudit4OnItemPanicSaysCpOnce(t *testing.T) {
	cases := []struct {
		name  string
		value any
		want  string // the interruption's line; the stack follows
	}{
		{"string", "callback", "cp: interrupted: context canceled: OnItem panicked: task: panic: callback"},
		{"error", errors.New("broken sink"), "cp: interrupted: context canceled: OnItem panicked: task: panic: broken sink"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var es []entry
			for i := range 4 {
				es = append(es, entry{fmt.Sprintf("s/%02d", i), 0o644})
			}
			build(t, dir, es...)
			_, err := cp.Copy(context.Background(), []string{filepath.Join(dir, "s")}, filepath.Join(dir, "d"),
				cp.OnItem(func(cp.Result) { panic(c.value) }))
			if err == nil {
				t.Fatalf("Copy = nil; want %q", c.want)
			}
			// The run's errors are joined, one a line (the stack follows
			// the panic's): find the interruption's.
			got := ""
			for line := range strings.Lines(err.Error()) {
				if strings.HasPrefix(line, "cp: interrupted") {
					got = strings.TrimSuffix(line, "\n")
					break
				}
			}
			if got != c.want {
				t.Errorf("Copy's interruption reads %q; want %q (whole error: %.300q)", got, c.want, err)
			}
			var pe *task.PanicError
			if !errors.As(err, &pe) || pe.Value != c.value || !errors.Is(err, context.Canceled) {
				t.Errorf("Copy = %v; want a *task.PanicError of %v, matching context.Canceled", err, c.value)
			}
			noTemps(t, filepath.Join(dir, "d"))
		})
	}
}
