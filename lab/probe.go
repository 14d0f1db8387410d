package lab

import (
	"context"
	"time"

	"github.com/spool-go/spool/internal/workload"
	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// probe measures how responsive a runtime is: for the length of window it
// spawns a short task on r every interval (about 20 µs of work) and records
// how long each waited for a worker slot, from Spawn to its first line.
// When the window closes it calls windowClosed (if not nil: the caller
// stops its other tasks there, since the probes still queued may need
// their slots), then waits for every probe and returns the waits in
// nanoseconds. The blocking and mutex experiments use it to show what a
// blocked slot does to everyone else.
func probe(ctx context.Context, r *rt.Runtime, window, interval time.Duration, windowClosed func()) ([]float64, error) {
	rounds := workload.Rounds(20 * time.Microsecond)
	var probes []*task.Task[time.Duration]
	tick := time.NewTicker(interval)
	defer tick.Stop()
	end := time.NewTimer(window)
	defer end.Stop()
	var err error
loop:
	for {
		select {
		case <-tick.C:
			spawned := time.Now()
			probes = append(probes, rt.Spawn(r, ctx, func(context.Context) (time.Duration, error) {
				waited := time.Since(spawned)
				keep(workload.Spin(rounds))
				return waited, nil
			}, rt.TaskName("probe")))
		case <-end.C:
			break loop
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		}
	}
	if windowClosed != nil {
		windowClosed()
	}
	waits := make([]float64, 0, len(probes))
	for _, p := range probes {
		w, perr := p.Await(context.Background()) // the probes are short: always wait for them
		if perr != nil && err == nil {
			err = perr
		}
		waits = append(waits, float64(w))
	}
	return waits, err
}
