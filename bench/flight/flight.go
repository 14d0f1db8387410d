// Package flight compares spool's task.Flight with golang.org/x/sync's
// singleflight: the cost of an uncontended call and of a call shared by
// 8 callers. See README.md for the command and the figures.
package flight

import (
	"context"

	"github.com/spool-go/spool/task"
	"golang.org/x/sync/singleflight"
)

// Peer is one singleflight driven the way its docs recommend. New makes
// a fresh group for fn, adapted to the peer's function type once, and
// returns a Do of fn for string keys.
type Peer struct {
	Name string
	New  func(fn func() (int, error)) func(ctx context.Context, key string) (int, error, bool)
}

// Peers are the implementations compared.
var Peers = []Peer{
	{"spool", func(fn func() (int, error)) func(context.Context, string) (int, error, bool) {
		var f task.Flight[string, int]
		call := func(context.Context) (int, error) { return fn() }
		return func(ctx context.Context, key string) (int, error, bool) { return f.Do(ctx, key, call) }
	}},
	{"x/sync", func(fn func() (int, error)) func(context.Context, string) (int, error, bool) {
		var g singleflight.Group
		call := func() (any, error) { return fn() }
		return func(_ context.Context, key string) (int, error, bool) {
			v, err, shared := g.Do(key, call)
			n, _ := v.(int)
			return n, err, shared
		}
	}},
}
