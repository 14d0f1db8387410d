package chans_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spool-go/spool/chans"
)

// TestZeroPipeline checks that a zero Pipeline works as one made by
// NewPipeline(context.Background()): its functions get a live context, a
// failure is returned (it crashed the process on a nil context before),
// and Close stops it.
func TestZeroPipeline(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		run  func(p *chans.Pipeline) error
		want error
	}{
		{"Context", func(p *chans.Pipeline) error {
			if p.Context() == nil {
				return errors.New("nil context")
			}
			return p.Close()
		}, nil},
		{"Go fails", func(p *chans.Pipeline) error {
			p.Go(func(ctx context.Context) error {
				if ctx == nil {
					return errors.New("nil ctx given to fn")
				}
				return boom
			})
			return p.Wait(context.Background())
		}, boom},
		{"Stage", func(p *chans.Pipeline) error {
			in := make(chan int)
			p.Go(func(ctx context.Context) error {
				defer close(in)
				for i := range 3 {
					select {
					case in <- i:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				return nil
			})
			sum := 0
			for v := range chans.Stage(p, in, 2, double) {
				sum += v
			}
			if sum != 6 {
				return errors.New("wrong sum")
			}
			return p.Close()
		}, nil},
		{"Close then Wait", func(p *chans.Pipeline) error {
			if err := p.Close(); err != nil {
				return err
			}
			return p.Wait(context.Background())
		}, nil},
		{"Close stops a source", func(p *chans.Pipeline) error {
			started := make(chan struct{})
			p.Go(func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})
			<-started
			return p.Close()
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p chans.Pipeline
			defer p.Close()
			if got := tt.run(&p); !errors.Is(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
