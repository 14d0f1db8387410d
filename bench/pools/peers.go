package pools

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	conc "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/spool-go/spool/task"
)

// Peer is one way of running many small tasks with bounded concurrency.
type Peer struct {
	Name string // short name used on the command line and in the report
	API  string // the calls it makes, for the report

	// Run makes n calls of fn, at most limit at once, submitted from subs
	// goroutines (the caller's own when subs is 1), and returns once every
	// call has returned and the executor has shut down. Peers without a
	// bound (goroutines, serial) ignore limit.
	Run func(n, limit, subs int, fn func()) error

	// Await, when not nil, is Run through the peer's per-task handle: each
	// submitter submits one task and waits for its handle before the next.
	Await func(n, limit, subs int, fn func()) error

	// Serial peers run on the caller only: they take no submitters and no
	// limit, and appear once per workload.
	Serial bool
}

// Peer names.
const (
	Serial     = "serial"
	Goroutines = "goroutines"
	Errgroup   = "errgroup"
	Ants       = "ants"
	Pond       = "pond"
	Conc       = "conc"
	Group      = "group"
	Pool       = "pool"
	Floor      = "chan-floor"
)

// Peers returns every peer, floors first and spool last.
func Peers() []Peer { return peers }

// PeerByName returns the peer called name.
func PeerByName(name string) (Peer, bool) {
	for _, p := range peers {
		if p.Name == name {
			return p, true
		}
	}
	return Peer{}, false
}

// peers lists the executors in report order; spool's pool adds itself
// from pool.go.
var peers = []Peer{
	{
		Name:   Serial,
		API:    "for i := range n { fn() }",
		Serial: true,
		Run: func(n, _, subs int, fn func()) error {
			if subs != 1 {
				return fmt.Errorf("pools: serial takes 1 submitter, not %d", subs)
			}
			for range n {
				fn()
			}
			return nil
		},
	},
	{
		Name:  Floor,
		API:   "limit workers ranging over make(chan func(), 1024)",
		Run:   runFloor,
		Await: awaitFloor,
	},
	{
		Name:  Goroutines,
		API:   "wg.Go(fn) per task, unbounded",
		Run:   runGoroutines,
		Await: awaitGoroutines,
	},
	{
		Name: Errgroup,
		API:  "errgroup.Group.SetLimit(limit); g.Go",
		Run:  runErrgroup,
	},
	{
		Name: Ants,
		API:  "ants.NewPool(limit); p.Submit + a WaitGroup",
		Run:  runAnts,
	},
	{
		Name:  Pond,
		API:   "pond.NewPool(limit); p.Go; Await: p.Submit(fn).Wait()",
		Run:   runPond,
		Await: awaitPond,
	},
	{
		Name: Conc,
		API:  "pool.New().WithMaxGoroutines(limit); p.Go",
		Run:  runConc,
	},
	{
		Name:  Group,
		API:   "task.NewGroup(ctx, task.Limit(limit)); g.Go; Await: g.Go(ctx, f).Await(ctx)",
		Run:   runGroup,
		Await: awaitGroup,
	},
}

// FloorQueue is the buffer of the channel floor's queue.
const FloorQueue = 1024

// spread calls submit on subs goroutines, splitting n calls between them
// as evenly as it can, and waits for them. With one submitter it calls
// submit on the caller's goroutine.
func spread(n, subs int, submit func(k int)) {
	if subs <= 1 {
		submit(n)
		return
	}
	var wg sync.WaitGroup
	for i := range subs {
		k := n / subs
		if i < n%subs {
			k++
		}
		wg.Go(func() { submit(k) })
	}
	wg.Wait()
}

// firstErr keeps the first error reported to it, from any goroutine.
type firstErr struct {
	mu  sync.Mutex
	err error
}

func (f *firstErr) set(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func runFloor(n, limit, subs int, fn func()) error {
	ch := make(chan func(), FloorQueue)
	var wg sync.WaitGroup
	for range limit {
		wg.Go(func() {
			for f := range ch {
				f()
			}
		})
	}
	spread(n, subs, func(k int) {
		for range k {
			ch <- fn
		}
	})
	close(ch)
	wg.Wait()
	return nil
}

// floorJob is the channel floor's hand-made future: the task and a channel
// the worker closes when it has run.
type floorJob struct {
	fn   func()
	done chan struct{}
}

func awaitFloor(n, limit, subs int, fn func()) error {
	ch := make(chan floorJob, FloorQueue)
	var wg sync.WaitGroup
	for range limit {
		wg.Go(func() {
			for j := range ch {
				j.fn()
				close(j.done)
			}
		})
	}
	spread(n, subs, func(k int) {
		for range k {
			done := make(chan struct{})
			ch <- floorJob{fn, done}
			<-done
		}
	})
	close(ch)
	wg.Wait()
	return nil
}

func runGoroutines(n, _, subs int, fn func()) error {
	var wg sync.WaitGroup
	spread(n, subs, func(k int) {
		for range k {
			wg.Go(fn)
		}
	})
	wg.Wait()
	return nil
}

func awaitGoroutines(n, _, subs int, fn func()) error {
	spread(n, subs, func(k int) {
		for range k {
			done := make(chan struct{}, 1)
			go func() {
				fn()
				done <- struct{}{}
			}()
			<-done
		}
	})
	return nil
}

func runErrgroup(n, limit, subs int, fn func()) error {
	var g errgroup.Group
	g.SetLimit(limit)
	f := func() error { fn(); return nil }
	spread(n, subs, func(k int) {
		for range k {
			g.Go(f)
		}
	})
	return g.Wait()
}

func runAnts(n, limit, subs int, fn func()) error {
	p, err := ants.NewPool(limit)
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		errs firstErr
	)
	f := func() { fn(); wg.Done() }
	wg.Add(n)
	spread(n, subs, func(k int) {
		for range k {
			if err := p.Submit(f); err != nil {
				errs.set(err)
				wg.Done()
			}
		}
	})
	wg.Wait()
	errs.set(p.ReleaseTimeout(10 * time.Second))
	return errs.get()
}

func runPond(n, limit, subs int, fn func()) error {
	p := pond.NewPool(limit)
	var errs firstErr
	spread(n, subs, func(k int) {
		for range k {
			errs.set(p.Go(fn))
		}
	})
	p.StopAndWait()
	return errs.get()
}

func awaitPond(n, limit, subs int, fn func()) error {
	p := pond.NewPool(limit)
	var errs firstErr
	spread(n, subs, func(k int) {
		for range k {
			errs.set(p.Submit(fn).Wait())
		}
	})
	p.StopAndWait()
	return errs.get()
}

func runConc(n, limit, subs int, fn func()) error {
	p := conc.New().WithMaxGoroutines(limit)
	spread(n, subs, func(k int) {
		for range k {
			p.Go(fn)
		}
	})
	p.Wait()
	return nil
}

// groupFunc adapts fn to the signature task.Group runs; the adapter is
// made once per run, not per task, as a caller would.
func groupFunc(fn func()) func(context.Context) (struct{}, error) {
	return func(context.Context) (struct{}, error) {
		fn()
		return struct{}{}, nil
	}
}

func runGroup(n, limit, subs int, fn func()) error {
	ctx := context.Background()
	g := task.NewGroup[struct{}](ctx, task.Limit(limit))
	defer g.Close()
	f := groupFunc(fn)
	spread(n, subs, func(k int) {
		for range k {
			g.Go(ctx, f)
		}
	})
	_, err := g.Wait(ctx)
	return err
}

func awaitGroup(n, limit, subs int, fn func()) error {
	ctx := context.Background()
	g := task.NewGroup[struct{}](ctx, task.Limit(limit))
	defer g.Close()
	f := groupFunc(fn)
	var errs firstErr
	spread(n, subs, func(k int) {
		for range k {
			_, err := g.Go(ctx, f).Await(ctx)
			errs.set(err)
		}
	})
	_, err := g.Wait(ctx)
	errs.set(err)
	return errs.get()
}
