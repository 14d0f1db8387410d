package rt_test

import (
	"context"
	"runtime/pprof"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

//go:noinline
func helperParked(release <-chan struct{}) { <-release }

//go:noinline
func sleepDeep(n int) {
	if n == 0 {
		time.Sleep(time.Second) // holds the worker slot
		return
	}
	sleepDeep(n - 1)
}

// TestReportStackIsTheTasksOwn checks which stack a blocking report
// carries when the task's own goroutine does not carry its labels: none,
// when the task blocks under pprof.Do(context.Background()) while a
// goroutine it started (wearing its labels) waits; the report showed that
// goroutine's stack, sending the reader to the wrong code. A task whose
// stack is deeper than the profile records (its run frame cut off) is
// still found.
func TestReportStackIsTheTasksOwn(t *testing.T) {
	tests := []struct {
		name      string
		block     func()
		wantStack string // "" for none
		notStack  string
	}{
		{"under pprof.Do(Background)", func() {
			pprof.Do(context.Background(), pprof.Labels("op", "x"), func(context.Context) { time.Sleep(time.Second) })
		}, "", "helperParked"},
		{"deep stack", func() { sleepDeep(300) }, "sleepDeep", "helperParked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rs reports
				r := newRuntime(t, rt.Workers(1), rt.DetectBlocking(10*time.Millisecond), rt.OnBlocking(rs.add))
				release, done := make(chan struct{}), make(chan struct{})
				_, err := rt.BlockOn(r, context.Background(), func(ctx context.Context) (int, error) {
					go func() { // inherits the task's labels
						defer close(done)
						helperParked(release)
					}()
					tt.block()
					return 0, nil
				})
				close(release)
				<-done
				if err != nil {
					t.Fatal(err)
				}
				got := rs.get()
				if len(got) != 1 {
					t.Fatalf("got %d reports; want 1", len(got))
				}
				stack := got[0].Stack
				switch {
				case strings.Contains(stack, tt.notStack):
					t.Errorf("the report's stack is the helper goroutine's:\n%s", stack)
				case tt.wantStack == "" && stack != "":
					t.Errorf("got stack\n%s\nwant none", stack)
				case !strings.Contains(stack, tt.wantStack):
					t.Errorf("got stack\n%s\nwant one in %s", stack, tt.wantStack)
				}
			})
		})
	}
}
