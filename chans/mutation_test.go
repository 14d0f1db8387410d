package chans_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/chans"
)

// TestMutTeeClosesOnCancelWhileOneOutputLags: "Every channel a helper
// returns is closed when ... its context is done": a Tee whose consumer
// read a value from one output and then cancelled, without reading the
// other, closes every output (the value owed to the other is dropped).
func TestMutTeeClosesOnCancelWhileOneOutputLags(t *testing.T) {
	for _, n := range []int{2, 3, 4} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				in := make(chan int, 1)
				in <- 1
				outs := chans.Tee(ctx, in, n)
				if got, want := <-outs[0], 1; got != want {
					t.Fatalf("outs[0] gave %d; want %d", got, want)
				}
				cancel() // the others never read
				synctest.Wait()
				for i, out := range outs {
					select {
					case _, ok := <-out:
						if ok {
							// the owed value may come first; the close must follow
							synctest.Wait()
							select {
							case _, ok = <-out:
							default:
								t.Errorf("Tee(n=%d) output %d still open after ctx was cancelled", n, i)
							}
						}
						if ok {
							t.Errorf("Tee(n=%d) output %d delivered a second value after cancel", n, i)
						}
					default:
						t.Errorf("Tee(n=%d) output %d still open after ctx was cancelled", n, i)
					}
				}
				// Free a Tee that failed to close, so the bubble can end.
				for _, out := range outs {
					for {
						select {
						case _, ok := <-out:
							if ok {
								continue
							}
						default:
						}
						break
					}
				}
				close(in)
			})
		})
	}
}

// TestMutSubscribeSeesCurrentVersion: "Subscribe returns a watcher that
// has seen the current version: its Changed waits for the next one", also
// after earlier Sets.
func TestMutSubscribeSeesCurrentVersion(t *testing.T) {
	for _, sets := range []int{0, 1, 3} {
		w := chans.NewWatch(0)
		for i := range sets {
			if err := w.Set(i + 1); err != nil {
				t.Fatal(err)
			}
		}
		r := w.Subscribe()
		if r.HasChanged() {
			t.Errorf("after %d Sets, a new watcher's HasChanged() = true; want false", sets)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.Changed(ctx); err == nil {
			t.Errorf("after %d Sets, a new watcher's Changed = nil at once; want it to wait for the next Set (ctx error)", sets)
		}
		if _, v := r.Borrow(); v != uint64(sets) {
			t.Errorf("Borrow version = %d; want %d", v, sets)
		}
	}
}

// TestMutPipelineGoAfterClose: "Go does nothing after Close".
func TestMutPipelineGoAfterClose(t *testing.T) {
	for _, closes := range []int{1, 2} {
		p := chans.NewPipeline(context.Background())
		for range closes {
			if err := p.Close(); err != nil {
				t.Fatalf("Close = %v; want nil", err)
			}
		}
		var ran atomic.Bool
		p.Go(func(ctx context.Context) error {
			ran.Store(true)
			return nil
		})
		if err := p.Close(); err != nil {
			t.Errorf("Close after Go = %v; want nil", err)
		}
		if ran.Load() {
			t.Errorf("Pipeline.Go after %d Close calls ran fn; want it to do nothing", closes)
		}
	}
}

// TestMutForwardClosesOnCancelWhileSending: Merge and FanOut close their
// channels "once ctx is done", also when the consumer stopped reading
// while a value was on its way: that value is dropped, and no later value
// is delivered.
func TestMutForwardClosesOnCancelWhileSending(t *testing.T) {
	for _, tt := range []struct {
		name string
		make func(ctx context.Context, in <-chan int) <-chan int
	}{
		{"Merge", func(ctx context.Context, in <-chan int) <-chan int { return chans.Merge(ctx, in) }},
		{"FanOut", func(ctx context.Context, in <-chan int) <-chan int { return chans.FanOut(ctx, in, 1)[0] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				in := make(chan int, 3)
				in <- 1
				in <- 2
				in <- 3
				out := tt.make(ctx, in)
				synctest.Wait() // the forwarder holds 1, waiting to send it
				cancel()        // the consumer went away
				synctest.Wait()
				got := 0
				for closed := false; !closed; {
					select {
					case _, ok := <-out:
						if ok {
							got++
							synctest.Wait()
							continue
						}
						closed = true
					default:
						t.Fatalf("%s: output still open after ctx was cancelled (got %d values)", tt.name, got)
					}
				}
				if got > 0 {
					t.Errorf("%s: delivered %d values after ctx was cancelled; want 0", tt.name, got)
				}
				close(in)
			})
		})
	}
}

// TestMutBatchClosesOnCancel: Batch's channel is closed once ctx is done,
// whether a batch is open or not, even if its input stays open.
func TestMutBatchClosesOnCancel(t *testing.T) {
	for _, pending := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("pending=%d", pending), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				in := make(chan int)
				out := chans.Batch(ctx, in, 10, time.Hour)
				for i := range pending {
					in <- i
				}
				cancel()
				synctest.Wait()
				select {
				case b, ok := <-out:
					if ok {
						t.Errorf("Batch delivered %v after ctx was cancelled; want its channel closed", b)
					}
				default:
					t.Errorf("Batch channel still open after ctx was cancelled (input open, %d values pending)", pending)
				}
				close(in) // frees a Batch that failed to stop
				for range out {
				}
			})
		})
	}
}
