package rt

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// audit3TaskA and audit3TaskB make task functions whose frames a stack
// names: each signals started, then holds its slot until gate closes.
func audit3TaskA(started chan<- struct{}, gate <-chan struct{}) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		started <- struct{}{}
		<-gate
		return 0, nil
	}
}

func audit3TaskB(started chan<- struct{}, gate <-chan struct{}) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		started <- struct{}{}
		<-gate
		return 0, nil
	}
}

// TestAudit3ReportStackIsTheTasks: a report's stack is that of the task it
// names, or none. The detector reads stacks from the goroutine profile by
// the task's spool.id label, and an unnamed task's label set is reused by
// the next task once it ends: a task that ended between the scan that
// found it overdue and the profile used to be reported with the stack of
// whichever task wore its labels by then.
func TestAudit3ReportStackIsTheTasks(t *testing.T) {
	tests := []struct {
		name      string
		endFirst  bool   // task A ends, and task B takes its label set, before the report
		wantFrame string // a frame the stack must show ("" for no stack)
	}{
		{name: "still holding", wantFrame: "audit3TaskA"},
		{name: "ended, labels reused", endFirst: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// In a bubble, synctest.Wait lets task A's goroutine finish
			// its end (its label set goes back to the pool after Await has
			// returned), so task B takes A's set every time.
			synctest.Test(t, func(t *testing.T) {
				var (
					mu   sync.Mutex
					reps []BlockingReport
				)
				r, err := New(Workers(2), DetectBlocking(0), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
					OnBlocking(func(b BlockingReport) { mu.Lock(); reps = append(reps, b); mu.Unlock() }))
				if err != nil {
					t.Fatal(err)
				}
				defer r.Shutdown(context.Background())
				ctx := context.Background()
				started, gateA, gateB := make(chan struct{}), make(chan struct{}), make(chan struct{})
				var onceA, onceB sync.Once
				openA := func() { onceA.Do(func() { close(gateA) }) }
				openB := func() { onceB.Do(func() { close(gateB) }) }
				// Before Shutdown, even after a t.Fatal: the tasks end.
				defer openB()
				defer openA()
				a := Spawn(r, ctx, audit3TaskA(started, gateA))
				<-started
				r.mu.Lock()
				ea := r.head
				r.mu.Unlock()
				o := overdue{e: ea, id: ea.lab.id, pc: ea.pc, held: time.Second}
				if tt.endFirst {
					openA()
					if _, err := a.Await(ctx); err != nil {
						t.Fatal(err)
					}
					synctest.Wait() // A's goroutine has exited: its label set is free
				}
				b := Spawn(r, ctx, audit3TaskB(started, gateB))
				<-started
				r.mu.Lock()
				eb := r.head
				r.mu.Unlock()
				if tt.endFirst && eb.lab.id != o.id {
					t.Fatalf("task B has spool.id %s; want A's %s (reused)", eb.lab.id, o.id)
				}

				r.report([]overdue{o})

				mu.Lock()
				got := append([]BlockingReport(nil), reps...)
				mu.Unlock()
				if len(got) != 1 {
					t.Fatalf("%d reports; want 1", len(got))
				}
				st := got[0].Stack
				if strings.Contains(st, "audit3TaskB") {
					t.Errorf("the report on task A shows task B's stack:\n%s", st)
				}
				if tt.wantFrame == "" && st != "" {
					t.Errorf("Stack = %q; want none (task A ended)", st)
				}
				if tt.wantFrame != "" && !strings.Contains(st, tt.wantFrame) {
					t.Errorf("Stack has no %s frame:\n%s", tt.wantFrame, st)
				}
				openB()
				openA()
				for _, tk := range []interface{ Done() <-chan struct{} }{a, b} {
					<-tk.Done()
				}
			})
		})
	}
}
