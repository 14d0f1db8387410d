package task_test

import (
	"context"
	"testing"

	"github.com/spool-go/spool/task"
)

// TestNoTryGoNilAfterClose: TryGo refuses once the group is closed, a nil
// fn included; a nil fn used to be taken and recorded even then.
func TestNoTryGoNilAfterClose(t *testing.T) {
	g := task.NewGroup[int](context.Background())
	g.Close()
	if tk, ok := g.TryGo(nil); ok || tk != nil {
		t.Errorf("TryGo(nil) after Close = %v, %v; want nil, false", tk, ok)
	}
}

// TestNoIntKeyValueHidden: a value stored under a user's own *int key
// reads through a task's context. Any *int key whose value was a
// context.Context used to be taken for package context's private key and
// hidden.
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
