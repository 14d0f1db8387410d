package rt_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// TestAudit3TasksShowsResumeWaits: a task waiting for a slot to resume
// after an await point is "waiting" in Tasks (and so in Shutdown's report),
// as Metrics.WaitingTasks counts it, not "parked". It used to be shown
// "parked", the state of a task whose await has not ended: a runtime whose
// slots were all held showed no task waiting for one.
func TestAudit3TasksShowsResumeWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := rt.New(rt.Workers(1), rt.DetectBlocking(0))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Shutdown(context.Background())
		ctx := context.Background()
		gate := make(chan struct{})
		resumer := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			return 0, task.Sleep(ctx, time.Second)
		}, rt.TaskName("resumer"))
		sleeper := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			return 0, task.Sleep(ctx, time.Hour)
		}, rt.TaskName("sleeper"))
		synctest.Wait() // both parked in Sleep
		holder := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
			<-gate // holds the only slot
			return 0, nil
		}, rt.TaskName("holder"))
		synctest.Wait()
		starter := rt.Spawn(r, ctx, func(ctx context.Context) (int, error) { return 0, nil }, rt.TaskName("starter"))
		time.Sleep(2 * time.Second) // the resumer's Sleep ends; it queues for the slot
		synctest.Wait()

		want := map[string]string{"resumer": "waiting", "sleeper": "parked", "holder": "running", "starter": "waiting"}
		got := map[string]string{}
		for _, ti := range r.Tasks() {
			got[ti.Name] = ti.State
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("task %q: State = %q; want %q", name, got[name], w)
			}
		}
		if m := r.Metrics(); m.WaitingTasks != 2 {
			t.Errorf("Metrics().WaitingTasks = %d; want 2", m.WaitingTasks)
		}
		close(gate)
		sleeper.Cancel()
		for _, tk := range []*task.Task[int]{resumer, holder, starter} {
			if _, err := tk.Await(ctx); err != nil {
				t.Error(err)
			}
		}
		_, _ = sleeper.Await(ctx)
	})
}
