package task_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestMutJoin3CountsCancelled: whichever of Join3's tasks fails, the two
// that its failure cancelled are summed up in one line, not listed, so
// the error does not match context.Canceled while the caller's ctx is
// live (as All's does).
func TestMutJoin3CountsCancelled(t *testing.T) {
	boom := errors.New("boom")
	bg := context.Background()
	blocked := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
	fails := func(context.Context) (int, error) { return 0, boom }
	for failing := range 3 {
		t.Run(fmt.Sprintf("task %d fails", failing), func(t *testing.T) {
			fns := [3]func(context.Context) (int, error){blocked, blocked, blocked}
			fns[failing] = fails
			a, b, c := task.Go(bg, fns[0]), task.Go(bg, fns[1]), task.Go(bg, fns[2])
			_, _, _, err := task.Join3(bg, a, b, c)
			if !errors.Is(err, boom) {
				t.Errorf("Join3 = %v; want it to match the failure", err)
			}
			if errors.Is(err, context.Canceled) {
				t.Errorf("Join3 = %q; want no match for context.Canceled (the caller was not cancelled)", err)
			}
			if want := "task: join: 2 more tasks cancelled after the failure"; !strings.Contains(err.Error(), want) {
				t.Errorf("Join3 = %q; want it to contain %q", err, want)
			}
		})
	}
}
