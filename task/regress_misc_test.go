package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestNoTryGoNilAfterClose guards against a bug an audit found (fixed since): TryGo documents that it refuses when
// the group is closed, but a nil fn is taken (and recorded) even then.
func TestNoTryGoNilAfterClose(t *testing.T) {
	g := task.NewGroup[int](context.Background())
	g.Close()
	if tk, ok := g.TryGo(nil); ok || tk != nil {
		t.Errorf("TryGo(nil) after Close = %v, %v; want nil, false", tk, ok)
	}
}

// TestNoIntKeyValueHidden guards against a bug an audit found (fixed since): a value stored under a user's *int key
// that happens to be a context.Context is hidden by a task's context.
func TestNoIntKeyValueHidden(t *testing.T) {
	key := new(int)
	stored := context.Background()
	ctx := context.WithValue(context.Background(), key, stored)
	got := task.Go(ctx, func(ctx context.Context) (any, error) { return ctx.Value(key), nil })
	v, _ := got.Await(context.Background())
	if v != stored {
		t.Errorf("ctx.Value(*int key) through a task context = %v; want the stored context", v)
	}
}
