package chans_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
)

// TestAudit4PipelineCloseSaysChansOnce: a pipeline stopped by Close
// reported its context's error and the cause, ErrClosed, behind a
// "chans: pipeline: " of its own, so the message read "chans: pipeline:
// context canceled: chans: closed". ErrClosed now leads; a cause from
// outside the package still follows the context's error. (Close itself
// returns nil for a stop of its own: TestCloseAfterBreak.)
func TestAudit4PipelineCloseSaysChansOnce(t *testing.T) {
	stopped := errors.New("operator said stop")
	cases := []struct {
		name string
		end  func(p *chans.Pipeline, cancel context.CancelCauseFunc) error
		want string
		is   error // matched besides context.Canceled
	}{
		{"Close, then Wait", func(p *chans.Pipeline, _ context.CancelCauseFunc) error {
			p.Close()
			return p.Wait(context.Background())
		}, "chans: closed (pipeline: context canceled)", chans.ErrClosed},
		{"parent cancelled with a cause of its own", func(p *chans.Pipeline, cancel context.CancelCauseFunc) error {
			cancel(stopped)
			return p.Wait(context.Background())
		}, "chans: pipeline: context canceled: operator said stop", stopped},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				p := chans.NewPipeline(parent)
				defer p.Close()
				src := make(chan int) // never closed: the pipeline is cut short
				p.Go(func(ctx context.Context) error {
					for i := 0; ; i++ {
						select {
						case src <- i:
						case <-ctx.Done():
							return nil
						}
					}
				})
				out := chans.Stage(p, src, 2, double)
				<-out // then stop reading
				synctest.Wait()
				err := c.end(p, cancel)
				if err == nil {
					t.Fatalf("%s = nil; want %q", c.name, c.want)
				}
				if got := err.Error(); got != c.want {
					t.Errorf("%s = %q; want %q", c.name, got, c.want)
				}
				if !errors.Is(err, c.is) || !errors.Is(err, context.Canceled) {
					t.Errorf("%s = %v; want it to match %v and context.Canceled", c.name, err, c.is)
				}
				for range out {
				}
			})
		})
	}
}
