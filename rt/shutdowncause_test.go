package rt_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/rt"
)

// TestShutdownErrorCause: Shutdown's error matches the context's cause as
// well as its error (it kept only ctx.Err(), so errors.Is(err, cause) was
// false for WithTimeoutCause and WithCancelCause), says the cause once,
// and counts one task in the singular.
func TestShutdownErrorCause(t *testing.T) {
	errCause := errors.New("the deploy is rolling")
	tests := []struct {
		name      string
		ctx       func() (context.Context, context.CancelFunc)
		wantIs    []error
		wantError string
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, []error{context.Canceled},
			"rt: shutdown: context canceled: cancelled the contexts of 1 task; all ended"},
		{"cancelled with a cause", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errCause)
			return ctx, func() {}
		}, []error{context.Canceled, errCause},
			"rt: shutdown: context canceled (the deploy is rolling): cancelled the contexts of 1 task; all ended"},
		{"timed out with a cause", func() (context.Context, context.CancelFunc) {
			return context.WithTimeoutCause(context.Background(), time.Millisecond, errCause)
		}, []error{context.DeadlineExceeded, errCause},
			"rt: shutdown: context deadline exceeded (the deploy is rolling): cancelled the contexts of 1 task; all ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := rt.New(rt.Logger(quiet), rt.DetectBlocking(0))
				if err != nil {
					t.Fatal(err)
				}
				running := rt.Spawn(r, context.Background(), func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, ctx.Err()
				})
				synctest.Wait()
				ctx, cancel := tt.ctx()
				defer cancel()
				err = r.Shutdown(ctx)
				for _, target := range tt.wantIs {
					if !errors.Is(err, target) {
						t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
					}
				}
				if err == nil || err.Error() != tt.wantError {
					t.Errorf("Error() = %v; want %q", err, tt.wantError)
				}
				_, _ = running.Await(context.Background())
			})
		})
	}
}
