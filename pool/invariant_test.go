package pool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/pool"
	"github.com/spool-go/spool/task"
)

// runMix drives a pool with the operations encoded in ops and checks that
// every task resolves and that the counts add up at each quiescent point
// and after the final Close or Shutdown. It runs inside a synctest bubble,
// so synctest.Wait reaches true quiescence and sleeps take no real time.
func runMix(t *testing.T, workers, queue int, ops []byte) {
	p := newPool(t, workers, pool.QueueSize(queue))
	boom := errors.New("boom")
	var tasks []*task.Task[int]
	for i, op := range ops {
		fn := func(ctx context.Context) (int, error) { return i, nil }
		switch op % 12 {
		case 0: // success
		case 1: // error
			fn = func(context.Context) (int, error) { return 0, boom }
		case 2: // panic
			fn = func(context.Context) (int, error) { panic(boom) }
		case 3: // Goexit
			fn = func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }
		case 4: // slow, honours its context
			fn = func(ctx context.Context) (int, error) { return 0, task.Sleep(ctx, time.Duration(op)*time.Millisecond) }
		case 5: // context cancelled before or while queued
			ctx, cancel := context.WithCancel(t.Context())
			tasks = append(tasks, pool.Submit(ctx, p, fn))
			cancel()
			continue
		case 6: // never blocks; may be refused
			tk, _ := pool.TrySubmit(t.Context(), p, fn)
			tasks = append(tasks, tk)
			continue
		case 7: // fire and forget
			p.Go(func() {})
			continue
		case 8: // fire and forget, panics
			p.Go(func() { panic(boom) })
			continue
		case 9:
			p.TryGo(func() { time.Sleep(time.Millisecond) })
			continue
		case 10: // a quiescent point
			synctest.Wait()
			if m := p.Metrics(); m.Queued == 0 && m.Running == 0 {
				checkInvariant(t, p)
			}
			continue
		case 11: // resize
			p.Resize(1 + int(op)%4)
			continue
		}
		tasks = append(tasks, pool.Submit(t.Context(), p, fn))
	}
	if len(ops) > 0 && ops[0]%2 == 0 {
		p.Close()
	} else {
		// Shutdown with a deadline that may cut the drain short.
		ctx, cancel := context.WithTimeout(t.Context(), time.Duration(len(ops))*time.Millisecond/4)
		p.Shutdown(ctx)
		cancel()
	}
	for i, tk := range tasks {
		if _, _, ok := tk.Result(); !ok {
			t.Errorf("task %d unresolved after the pool closed", i)
		}
	}
	m := checkInvariant(t, p)
	if m.Queued != 0 || m.Running != 0 || m.Workers != 0 {
		t.Errorf("closed pool: %d queued, %d running, %d workers; want none", m.Queued, m.Running, m.Workers)
	}
}

func TestInvariantRandomMix(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		ops := make([]byte, 50+rng.IntN(200))
		for i := range ops {
			ops[i] = byte(rng.UintN(256))
		}
		workers, queue := 1+round%3, round%5
		synctest.Test(t, func(t *testing.T) { runMix(t, workers, queue, ops) })
	}
}

func FuzzInvariant(f *testing.F) {
	f.Add(uint8(1), uint8(0), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add(uint8(2), uint8(3), []byte{1, 5, 5, 6, 6, 6, 4, 4, 10, 8, 3, 11, 23})
	f.Add(uint8(4), uint8(1), []byte{7, 7, 7, 7, 9, 9, 9, 9, 6, 6, 6, 6})
	f.Fuzz(func(t *testing.T, workers, queue uint8, ops []byte) {
		if len(ops) > 500 {
			ops = ops[:500]
		}
		synctest.Test(t, func(t *testing.T) { runMix(t, 1+int(workers%4), int(queue%6), ops) })
	})
}
