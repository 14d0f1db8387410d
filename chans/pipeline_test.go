package chans_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spool-go/spool/chans"
	"github.com/spool-go/spool/task"
)

func double(_ context.Context, x int) (int, error) { return 2 * x, nil }

func TestStage(t *testing.T) {
	for _, workers := range []int{1, 3, 16} {
		for _, ordered := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d,ordered=%v", workers, ordered), func(t *testing.T) {
				p := chans.NewPipeline(context.Background())
				defer p.Close()
				var opts []chans.StageOption
				if ordered {
					opts = append(opts, chans.Ordered())
				}
				src := produce(p.Context(), ints(0, 200)...)
				sq := chans.Stage(p, src, workers, double, opts...)
				plus := chans.Stage(p, sq, workers, func(_ context.Context, x int) (string, error) {
					return fmt.Sprint(x + 1), nil
				}, opts...)
				var got []string
				for s := range plus {
					got = append(got, s)
				}
				if err := p.Wait(context.Background()); err != nil {
					t.Fatalf("Wait = %v", err)
				}
				want := make([]string, 200)
				for i := range want {
					want[i] = fmt.Sprint(2*i + 1)
				}
				if !ordered {
					slices.Sort(got)
					slices.Sort(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("got %v; want %v", got, want)
				}
			})
		}
	}
}

func TestStageOrderedWithUnevenWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := chans.NewPipeline(context.Background())
		defer p.Close()
		// Later inputs finish first; the output must still be in input order.
		out := chans.Stage(p, produce(p.Context(), ints(0, 20)...), 4, func(ctx context.Context, x int) (int, error) {
			time.Sleep(time.Duration(20-x) * time.Millisecond)
			return x, nil
		}, chans.Ordered())
		if got := collect(out); !slices.Equal(got, ints(0, 20)) {
			t.Errorf("got %v; want 0..19 in order", got)
		}
		if err := p.Wait(context.Background()); err != nil {
			t.Errorf("Wait = %v", err)
		}
	})
}

func TestStageConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, ordered := range []bool{false, true} {
			p := chans.NewPipeline(context.Background())
			var opts []chans.StageOption
			if ordered {
				opts = append(opts, chans.Ordered())
			}
			running, peak := 0, 0
			var mu = make(chan struct{}, 1)
			out := chans.Stage(p, produce(p.Context(), ints(0, 30)...), 3, func(ctx context.Context, x int) (int, error) {
				mu <- struct{}{}
				running++
				peak = max(peak, running)
				<-mu
				time.Sleep(time.Millisecond)
				mu <- struct{}{}
				running--
				<-mu
				return x, nil
			}, opts...)
			collect(out)
			if err := p.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
			if peak != 3 {
				t.Errorf("ordered=%v: peak concurrency %d; want 3", ordered, peak)
			}
		}
	})
}

func TestStageErrorFailsPipeline(t *testing.T) {
	boom := errors.New("boom")
	for _, ordered := range []bool{false, true} {
		t.Run(fmt.Sprint("ordered=", ordered), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := chans.NewPipeline(context.Background())
				defer p.Close()
				var opts []chans.StageOption
				if ordered {
					opts = append(opts, chans.Ordered())
				}
				src := make(chan int)
				go func() { // an endless source that stops with the pipeline
					defer close(src)
					for i := 0; ; i++ {
						select {
						case src <- i:
						case <-p.Context().Done():
							return
						}
					}
				}()
				a := chans.Stage(p, src, 2, func(_ context.Context, x int) (int, error) {
					if x == 10 {
						return 0, boom
					}
					return x, nil
				}, opts...)
				b := chans.Stage(p, a, 2, double, opts...)
				got := collect(b)
				if err := p.Wait(context.Background()); !errors.Is(err, boom) {
					t.Errorf("Wait = %v; want boom", err)
				}
				if slices.Contains(got, 20) {
					t.Errorf("the failed input's result was delivered")
				}
				if ordered && !slices.Equal(got, sorted(got)) {
					t.Errorf("ordered output %v out of order", got)
				}
			})
		})
	}
}

func TestStagePanic(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		p := chans.NewPipeline(context.Background())
		var opts []chans.StageOption
		if ordered {
			opts = append(opts, chans.Ordered())
		}
		out := chans.Stage(p, produce(p.Context(), 1, 2, 3), 2, func(_ context.Context, x int) (int, error) {
			if x == 2 {
				panic("two")
			}
			return x, nil
		}, opts...)
		collect(out)
		err := p.Wait(context.Background())
		var pe *task.PanicError
		if !errors.As(err, &pe) || pe.Value != "two" || !strings.Contains(string(pe.Stack), "TestStagePanic") {
			t.Errorf("ordered=%v: Wait = %v; want a *task.PanicError with value two and the stack", ordered, err)
		}
		p.Close()
	}
}

func TestStageGoexit(t *testing.T) {
	p := chans.NewPipeline(context.Background())
	out := chans.Stage(p, produce(p.Context(), 1, 2, 3), 2, func(_ context.Context, x int) (int, error) {
		runtime.Goexit()
		return x, nil
	})
	collect(out)
	if err := p.Wait(context.Background()); !errors.Is(err, task.ErrGoexit) {
		t.Errorf("Wait = %v; want ErrGoexit", err)
	}
	p.Close()
}

func TestStageBadArgs(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		fn      func(context.Context, int) (int, error)
		opts    []chans.StageOption
		want    string
	}{
		{"nil fn", 1, nil, nil, "chans: Stage: fn must not be nil (got nil)"},
		{"zero workers", 0, double, nil, "chans: Stage: workers must be positive (got 0)"},
		{"negative workers", -2, double, nil, "chans: Stage: workers must be positive (got -2)"},
		{"nil option", 1, double, []chans.StageOption{nil}, "chans: Stage: option must not be nil (got nil at index 0)"},
		{"nil option after Ordered", 2, double, []chans.StageOption{chans.Ordered(), nil}, "chans: Stage: option must not be nil (got nil at index 1)"},
	}
	for _, tt := range tests {
		p := chans.NewPipeline(context.Background())
		if got := mustPanic(t, func() { chans.Stage(p, make(chan int), tt.workers, tt.fn, tt.opts...) }); got != tt.want {
			t.Errorf("%s: Stage panicked with %v; want %q", tt.name, got, tt.want)
		}
		if err := p.Wait(context.Background()); err != nil {
			t.Errorf("%s: Wait = %v after the refused Stage; want nil", tt.name, err)
		}
		p.Close()
	}
}

func TestStageNilInput(t *testing.T) {
	p := chans.NewPipeline(context.Background())
	if _, ok := <-chans.Stage[int, int](p, nil, 2, double); ok {
		t.Errorf("Stage(nil) delivered; want closed")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestPipelineCloseWithStalledConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, ordered := range []bool{false, true} {
			p := chans.NewPipeline(context.Background())
			var opts []chans.StageOption
			if ordered {
				opts = append(opts, chans.Ordered())
			}
			src := make(chan int) // never closed
			p.Go(func(ctx context.Context) error {
				for i := 0; ; i++ {
					select {
					case src <- i:
					case <-ctx.Done():
						return nil
					}
				}
			})
			out := chans.Stage(p, src, 3, double, opts...)
			<-out // then stop reading
			synctest.Wait()
			if err := p.Close(); err != nil {
				t.Errorf("ordered=%v: Close = %v; want nil (the stop was Close's own)", ordered, err)
			}
			if err := p.Wait(context.Background()); !errors.Is(err, chans.ErrClosed) || !errors.Is(err, context.Canceled) {
				t.Errorf("ordered=%v: Wait after Close = %v; want it to wrap Canceled and ErrClosed", ordered, err)
			}
			for range out {
			}
			if _, ok := <-chans.Stage(p, src, 1, double); ok {
				t.Errorf("Stage after Close delivered; want closed")
			}
			if err := p.Close(); err != nil {
				t.Errorf("second Close = %v; want nil again", err)
			}
		}
	})
}

func TestPipelineParentCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		p := chans.NewPipeline(ctx)
		defer p.Close()
		out := chans.Stage(p, make(chan int), 2, double, chans.Ordered())
		cancel(errors.New("shutdown"))
		for range out {
		}
		err := p.Wait(context.Background())
		if !errors.Is(err, context.Canceled) || !strings.Contains(fmt.Sprint(err), "shutdown") {
			t.Errorf("Wait = %v; want Canceled with the cause", err)
		}
	})
}

func TestPipelineWaitCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := chans.NewPipeline(context.Background())
		defer p.Close()
		chans.Stage(p, make(chan int), 1, double)
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error)
		go func() { got <- p.Wait(ctx) }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "chans: pipeline wait") {
			t.Errorf("Wait = %v; want chans: pipeline wait: context canceled", err)
		}
	})
}

func TestPipelineGo(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		fn   func(context.Context) error
		want error
	}{
		{"ok", func(context.Context) error { return nil }, nil},
		{"error", func(context.Context) error { return boom }, boom},
	}
	for _, tt := range tests {
		p := chans.NewPipeline(context.Background())
		p.Go(tt.fn)
		if err := p.Wait(context.Background()); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: Wait = %v; want %v", tt.name, err, tt.want)
		}
		p.Close()
	}
	p := chans.NewPipeline(context.Background())
	p.Go(func(context.Context) error { panic("src") })
	var pe *task.PanicError
	if err := p.Wait(context.Background()); !errors.As(err, &pe) || pe.Value != "src" {
		t.Errorf("panicking source: Wait = %v; want a *task.PanicError", err)
	}
	p.Close()
}

func TestStageRunsWithoutCallersSlot(t *testing.T) {
	var sl slottest.Counter
	onSlot(t, &sl, func(ctx context.Context) {
		p := chans.NewPipeline(ctx)
		defer p.Close()
		out := chans.Stage(p, produce(ctx, 1), 1, func(ctx context.Context, x int) (bool, error) {
			return task.ContextSlot(ctx) == nil, nil
		})
		for noSlot := range out {
			if !noSlot {
				t.Errorf("a stage's fn saw the caller's runtime slot")
			}
		}
		if err := p.Wait(ctx); err != nil {
			t.Errorf("Wait = %v", err)
		}
	})
	if r, a := sl.Released.Load(), sl.Acquired.Load(); r != a {
		t.Errorf("slot released %d times, acquired %d; want equal", r, a)
	}
}

func TestPipelineWaitParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sl slottest.Counter
		release := make(chan struct{})
		onSlot(t, &sl, func(ctx context.Context) {
			p := chans.NewPipeline(ctx)
			defer p.Close()
			p.Go(func(context.Context) error { <-release; return nil })
			go func() {
				synctest.Wait() // Wait below is blocked
				close(release)
			}()
			if err := p.Wait(ctx); err != nil {
				t.Errorf("Wait = %v", err)
			}
		})
		if r, a := sl.Released.Load(), sl.Acquired.Load(); r != 1 || a != 1 {
			t.Errorf("slot released %d times, acquired %d; want 1 and 1", r, a)
		}
	})
}
