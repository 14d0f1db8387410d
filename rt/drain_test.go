package rt_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestShutdownLetsRunningTasksSpawn: while Shutdown drains, a running
// task's Spawn, SpawnBlocking and BlockOn are taken (work in flight can
// finish); anyone else's are refused with ErrClosed, and so are the
// running task's once Shutdown's context has ended. The running task's
// were refused too, so a request whose last step was a SpawnBlocking
// failed under a graceful Shutdown.
func TestShutdownLetsRunningTasksSpawn(t *testing.T) {
	child := func(context.Context) (int, error) { return 7, nil }
	tests := []struct {
		name    string
		spawn   func(r *rt.Runtime, ctx context.Context) (int, error)
		expired bool // Shutdown's context has ended when the task spawns
		outside bool // spawned with context.Background(), not the task's
		wantErr error
	}{
		{"Spawn", func(r *rt.Runtime, ctx context.Context) (int, error) { return rt.Spawn(r, ctx, child).Await(ctx) }, false, false, nil},
		{"SpawnBlocking", func(r *rt.Runtime, ctx context.Context) (int, error) {
			return rt.SpawnBlocking(r, ctx, child).Await(ctx)
		}, false, false, nil},
		{"BlockOn", func(r *rt.Runtime, ctx context.Context) (int, error) { return rt.BlockOn(r, ctx, child) }, false, false, nil},
		{"Spawn with another context", func(r *rt.Runtime, ctx context.Context) (int, error) {
			return rt.Spawn(r, context.Background(), child).Await(ctx)
		}, false, true, rt.ErrClosed},
		{"Spawn once Shutdown's context ended", func(r *rt.Runtime, ctx context.Context) (int, error) {
			return rt.Spawn(r, ctx, child).Await(context.Background())
		}, true, false, rt.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Workers(2), rt.Logger(quiet), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				gate := make(chan struct{})
				parent := rt.Spawn(r, context.Background(), func(ctx context.Context) (int, error) {
					<-gate // Shutdown has begun
					if tt.expired {
						<-ctx.Done() // Shutdown's abort cancelled it
					}
					return tt.spawn(r, ctx)
				})
				synctest.Wait()
				sctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				shut := make(chan error, 1)
				go func() { shut <- r.Shutdown(sctx) }()
				synctest.Wait() // Shutdown waits for the parent
				if _, err := rt.Spawn(r, context.Background(), child).Await(context.Background()); !errors.Is(err, rt.ErrClosed) {
					t.Errorf("Spawn from outside during the drain: %v; want ErrClosed", err)
				}
				if tt.expired {
					time.Sleep(time.Second) // Shutdown's context ends
				}
				close(gate)
				got, err := parent.Await(context.Background())
				if tt.wantErr == nil && (got != 7 || err != nil) {
					t.Errorf("task that spawns during the drain = %d, %v; want 7, nil", got, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("task that spawns during the drain: %v; want %v", err, tt.wantErr)
				}
				if err := <-shut; tt.expired != (err != nil) {
					t.Errorf("Shutdown = %v; want an error only if its context ended", err)
				}
			})
		})
	}
}
