package rt_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spool-go/spool/rt"
)

// lockedBuffer is a bytes.Buffer safe for the logger and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReportSkipsStackWithManyGoroutines: a blocking report reads its
// stack from the goroutine profile, which costs in proportion to every
// goroutine of the process; past 10,000 of them it goes without a stack,
// and its log line says why. With 100,000 tasks parked, each report cost
// 2.3-3.1 s of CPU and came that late, and without its stack all the same
// (the task had ended by then).
func TestReportSkipsStackWithManyGoroutines(t *testing.T) {
	tests := []struct {
		name      string
		parked    int // goroutines parked elsewhere in the process
		wantStack bool
	}{
		{"a few goroutines", 10, true},
		{"over 10,000 goroutines", 10_500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			park := make(chan struct{})
			var wg sync.WaitGroup
			for range tt.parked {
				wg.Go(func() { <-park })
			}
			defer wg.Wait()
			defer close(park)
			var log lockedBuffer
			reports := make(chan rt.BlockingReport, 1)
			r, err := rt.New(rt.Workers(1), rt.DetectBlocking(20*time.Millisecond),
				rt.Logger(slog.New(slog.NewTextHandler(&log, nil))),
				rt.OnBlocking(func(b rt.BlockingReport) {
					select {
					case reports <- b:
					default:
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Shutdown(context.Background())
			gate := make(chan struct{})
			tk := rt.Spawn(r, context.Background(), func(context.Context) (int, error) {
				<-gate // holds the slot: no await point
				return 0, nil
			}, rt.TaskName("blocker"))
			var b rt.BlockingReport
			select {
			case b = <-reports:
			case <-time.After(30 * time.Second):
				t.Fatal("no report")
			}
			close(gate)
			_, _ = tk.Await(context.Background())
			if got := b.Stack != ""; got != tt.wantStack {
				t.Errorf("report has a stack: %v; want %v (stack %q)", got, tt.wantStack, b.Stack)
			}
			if b.Task != "blocker" {
				t.Errorf("report names %q; want the task, blocker", b.Task)
			}
			if got := strings.Contains(log.String(), "stack_skipped="); got == tt.wantStack {
				t.Errorf("the log says the stack was skipped: %v; want %v (log %q)", got, !tt.wantStack, log.String())
			}
		})
	}
}
