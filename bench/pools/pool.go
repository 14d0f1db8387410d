package pools

import (
	"context"

	"github.com/spool-go/spool/pool"
)

func init() {
	peers = append(peers, Peer{
		Name:  Pool,
		API:   "pool.New(limit); p.Go(fn); p.Close(). Await: pool.Submit(ctx, p, f).Await(ctx)",
		Run:   runPool,
		Await: awaitPool,
	})
}

func runPool(n, limit, subs int, fn func()) error {
	p, err := pool.New(limit)
	if err != nil {
		return err
	}
	var errs firstErr
	spread(n, subs, func(k int) {
		for range k {
			errs.set(p.Go(fn))
		}
	})
	p.Close()
	return errs.get()
}

func awaitPool(n, limit, subs int, fn func()) error {
	p, err := pool.New(limit)
	if err != nil {
		return err
	}
	ctx := context.Background()
	f := groupFunc(fn)
	var errs firstErr
	spread(n, subs, func(k int) {
		for range k {
			_, err := pool.Submit(ctx, p, f).Await(ctx)
			errs.set(err)
		}
	})
	p.Close()
	return errs.get()
}
