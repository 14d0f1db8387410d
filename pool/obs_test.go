package pool_test

import (
	"bytes"
	"context"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// TestRunTimeOfPanickingJobs checks that a sampled item that ran and
// panicked has its run time in Metrics.RunTime, a Go job as a task: the
// Go job's panic skipped the sample.
func TestRunTimeOfPanickingJobs(t *testing.T) {
	tests := []struct {
		name   string
		submit func(p *pool.Pool)
	}{
		{"Go", func(p *pool.Pool) { _ = p.Go(func() { panic("go") }) }},
		{"GoContext", func(p *pool.Pool) { _ = p.GoContext(context.Background(), func() { panic("go") }) }},
		{"Submit", func(p *pool.Pool) {
			_, _ = pool.Submit(context.Background(), p, func(context.Context) (int, error) { panic("task") }).Await(context.Background())
		}},
		{"Go that calls Goexit", func(p *pool.Pool) { _ = p.Go(runtime.Goexit) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pool.New(1, pool.SampleTimings(1), pool.OnPanic(func(*task.PanicError) {}))
			if err != nil {
				t.Fatal(err)
			}
			tt.submit(p)
			tt.submit(p)
			p.Close()
			m := p.Metrics()
			if got, want := m.RunTime.Count(), uint64(2); got != want {
				t.Errorf("RunTime.Count() = %d, want %d (Panicked %d)", got, want, m.Panicked)
			}
		})
	}
}

// TestWorkerLabels checks that a worker started by a goroutine with
// profiler labels (a task of rt, say) does not carry them into the jobs of
// other submitters: a CPU profile blamed the first submitter for them.
func TestWorkerLabels(t *testing.T) {
	p, err := pool.New(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pprof.Do(context.Background(), pprof.Labels("spool.test", "first-submitter"), func(context.Context) {
		if err := p.Go(func() {}); err != nil { // starts the worker
			t.Fatal(err)
		}
	})
	started, release := make(chan struct{}), make(chan struct{})
	if err := p.Go(func() { labelledJob(started, release) }); err != nil {
		t.Fatal(err)
	}
	<-started
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	close(release)
	// debug=1 groups goroutines by labels and stack: a group's labels
	// line comes before its stack.
	found := false
	for _, group := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(group, "labelledJob") {
			continue
		}
		found = true
		if strings.Contains(group, "first-submitter") {
			t.Errorf("the worker running another submitter's job carries the first submitter's labels:\n%s", group)
		}
	}
	if !found {
		t.Fatalf("no goroutine runs labelledJob in the profile:\n%s", buf.String())
	}
}

//go:noinline
func labelledJob(started, release chan struct{}) {
	close(started)
	<-release
}
