package rt

import (
	"context"
	"log/slog"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestStrayResumeLeavesNoCell: a stray resume that races its task's end
// (an await point with the task's context, on another goroutine) may take
// a slot that the ending task gives back at once. The resume's show in a
// detector cell could then come after the end's take of it, and the ended
// task used to stay in the cell for good, hiding the slot's later holders
// from the detector's look at that cell and keeping the task alive.
func TestStrayResumeLeavesNoCell(t *testing.T) {
	r, err := New(Workers(1), Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3000 {
		started := make(chan struct{})
		tk := Spawn(r, ctx, func(context.Context) (int, error) { close(started); return 1, nil })
		misused := make(chan struct{})
		go func() { // an await point with tk's context, on another goroutine
			<-started
			p := task.Park(tk.Context())
			p.Resume() // races tk's end
			close(misused)
		}()
		if _, err := tk.Await(ctx); err != nil {
			t.Fatal(err)
		}
		<-misused
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range r.held.cells {
		if e := r.held.cells[i].e.Load(); e != nil {
			t.Errorf("cell %d still shows a task after Shutdown: %s", i, e.displayName())
		}
	}
}
