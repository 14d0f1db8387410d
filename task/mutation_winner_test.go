package task_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/task"
)

// TestMutWinnerStandsOverLateCtx: once Race or Any has a winner, it
// returns the winner's result even if its ctx ends while the losers wind
// down (the losers then go on).
func TestMutWinnerStandsOverLateCtx(t *testing.T) {
	bg := context.Background()
	cases := []struct {
		name  string
		first func(ctx context.Context, ts ...*task.Task[int]) (int, error)
	}{
		{"Race", task.Race[int]},
		{"Any", task.Any[int]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			release := make(chan struct{})
			winner := task.Go(bg, func(context.Context) (int, error) { return 7, nil })
			<-winner.Done()
			// The loser hears Race's cancel, then ends the caller's ctx
			// and holds on until Race has returned.
			loser := task.Go(bg, func(lctx context.Context) (int, error) {
				<-lctx.Done()
				cancel()
				<-release
				return 0, lctx.Err()
			})
			v, err := tc.first(ctx, winner, loser)
			close(release)
			if _, lerr := loser.Await(bg); !errors.Is(lerr, context.Canceled) {
				t.Errorf("loser's err = %v; want context.Canceled", lerr)
			}
			if v != 7 || err != nil {
				t.Errorf("%s = %d, %v; want 7, nil (the winner's result)", tc.name, v, err)
			}
		})
	}
}

// TestMutSelectCaseReadyWithCtx: a case that is ready when ctx ends (here
// ctx's own Done) wins over ctx's end: Select never returns -1 for it.
// Go's select picks at random between the two, so a few rounds: the
// original bug returned -1 in about half of them.
func TestMutSelectCaseReadyWithCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for range 32 {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			var (
				i   int
				err error
			)
			go func() {
				defer close(done)
				i, err = task.Select(ctx, ctx)
			}()
			synctest.Wait() // Select waits
			cancel()
			<-done
			if i != 0 || err != nil {
				t.Fatalf("Select(ctx, ctx) after cancel = %d, %v; want 0, nil", i, err)
			}
		}
	})
}
