package chans_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/spool-go/spool/internal/slottest"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spool-go/spool/chans"
	"github.com/spool-go/spool/task"
)

// recvAll receives until Recv fails and returns the values and the error.
func recvAll[T any](ctx context.Context, s *chans.Subscription[T]) ([]T, error) {
	var vals []T
	for {
		v, err := s.Recv(ctx)
		if err != nil {
			return vals, err
		}
		vals = append(vals, v)
	}
}

func TestBroadcastEverySubscriberSeesEveryValue(t *testing.T) {
	for _, p := range []chans.Policy{chans.Block, chans.DropOldest, chans.Lag} {
		t.Run(p.String(), func(t *testing.T) {
			ctx := context.Background()
			b := chans.NewBroadcast[int](chans.OnFull(p))
			subs := []*chans.Subscription[int]{b.Subscribe(1), b.Subscribe(4), b.Subscribe(100)}
			got := make([][]int, len(subs))
			errs := make([]error, len(subs))
			var wg sync.WaitGroup
			for i, s := range subs {
				wg.Go(func() { got[i], errs[i] = recvAll(ctx, s) })
			}
			const n = 100
			for i := range n {
				if err := b.Send(ctx, i); err != nil {
					t.Fatalf("Send(%d) = %v", i, err)
				}
			}
			b.Close()
			wg.Wait()
			for i := range subs {
				if !errors.Is(errs[i], chans.ErrClosed) && !isLagged(errs[i]) {
					t.Errorf("subscriber %d ended with %v; want ErrClosed", i, errs[i])
				}
			}
			// Without back-pressure only a buffer as large as the stream is
			// sure to keep everything.
			if !slices.Equal(got[2], ints(0, n)) {
				t.Errorf("subscriber with buffer 100 got %v; want 0..99", got[2])
			}
			if p == chans.Block {
				for i := range subs {
					if !slices.Equal(got[i], ints(0, n)) {
						t.Errorf("Block: subscriber %d got %v; want 0..99", i, got[i])
					}
				}
			}
		})
	}
}

func isLagged(err error) bool {
	var le *chans.LaggedError
	return errors.As(err, &le)
}

func TestBroadcastSeesValuesSentAfterSubscribe(t *testing.T) {
	ctx := context.Background()
	b := chans.NewBroadcast[int]()
	_ = b.Send(ctx, 1) // nobody subscribed: seen by nobody
	s := b.Subscribe(4)
	_ = b.Send(ctx, 2)
	b.Close()
	got, err := recvAll(ctx, s)
	if !slices.Equal(got, []int{2}) || !errors.Is(err, chans.ErrClosed) {
		t.Errorf("got %v, %v; want [2], ErrClosed", got, err)
	}
}

func TestBroadcastLag(t *testing.T) {
	tests := []struct {
		buf, sent  int
		wantMissed int // 0: no LaggedError
		wantVals   []int
	}{
		{buf: 2, sent: 2, wantVals: []int{0, 1}},
		{buf: 2, sent: 3, wantMissed: 1, wantVals: []int{1, 2}},
		{buf: 2, sent: 5, wantMissed: 3, wantVals: []int{3, 4}},
		{buf: 1, sent: 10, wantMissed: 9, wantVals: []int{9}},
	}
	for _, tt := range tests {
		ctx := context.Background()
		b := chans.NewBroadcast[int](chans.OnFull(chans.Lag))
		s := b.Subscribe(tt.buf)
		for i := range tt.sent {
			if err := b.Send(ctx, i); err != nil {
				t.Fatalf("Send = %v; want nil (Lag never blocks)", err)
			}
		}
		b.Close()
		if tt.wantMissed > 0 {
			_, err := s.Recv(ctx)
			var le *chans.LaggedError
			if !errors.As(err, &le) || le.Missed != tt.wantMissed {
				t.Errorf("buf %d, sent %d: first Recv error = %v; want LaggedError{Missed: %d}", tt.buf, tt.sent, err, tt.wantMissed)
			}
		}
		got, err := recvAll(ctx, s)
		if !slices.Equal(got, tt.wantVals) || !errors.Is(err, chans.ErrClosed) {
			t.Errorf("buf %d, sent %d: then %v, %v; want %v, ErrClosed", tt.buf, tt.sent, got, err, tt.wantVals)
		}
	}
}

func TestBroadcastLagTwice(t *testing.T) {
	ctx := context.Background()
	b := chans.NewBroadcast[int](chans.OnFull(chans.Lag))
	s := b.Subscribe(2)
	for i := range 4 {
		_ = b.Send(ctx, i)
	}
	if _, err := s.Recv(ctx); !isLagged(err) {
		t.Fatalf("Recv = %v; want lagged", err)
	}
	if v, err := s.Recv(ctx); v != 2 || err != nil {
		t.Fatalf("Recv = %d, %v; want 2, nil", v, err)
	}
	for i := 4; i < 8; i++ {
		_ = b.Send(ctx, i)
	}
	_, err := s.Recv(ctx)
	var le *chans.LaggedError
	if !errors.As(err, &le) || le.Missed != 3 { // 3, 4, 5 overwritten; 6, 7 kept
		t.Fatalf("Recv = %v; want LaggedError{Missed: 3}", err)
	}
	if le.Error() != "chans: subscriber lagged: missed 3 values" {
		t.Errorf("Error() = %q", le.Error())
	}
	if v, err := s.Recv(ctx); v != 6 || err != nil {
		t.Errorf("Recv = %d, %v; want 6, nil", v, err)
	}
}

func TestBroadcastDropOldest(t *testing.T) {
	ctx := context.Background()
	b := chans.NewBroadcast[int](chans.OnFull(chans.DropOldest))
	s := b.Subscribe(2)
	for i := range 5 {
		_ = b.Send(ctx, i)
	}
	b.Close()
	got, err := recvAll(ctx, s)
	if !slices.Equal(got, []int{3, 4}) || !errors.Is(err, chans.ErrClosed) {
		t.Errorf("got %v, %v; want [3 4], ErrClosed", got, err)
	}
	if d := s.Dropped(); d != 3 {
		t.Errorf("Dropped() = %d; want 3", d)
	}
}

func TestBroadcastBlockWaitsForSlowest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		b := chans.NewBroadcast[int]()
		fast, slow := b.Subscribe(8), b.Subscribe(1)
		if err := b.Send(ctx, 1); err != nil {
			t.Fatal(err)
		}
		sent := make(chan error)
		go func() { sent <- b.Send(ctx, 2) }()
		synctest.Wait()
		select {
		case err := <-sent:
			t.Fatalf("Send returned %v while a subscriber was full; want it to wait", err)
		default:
		}
		if v, _ := slow.Recv(ctx); v != 1 {
			t.Fatalf("slow got %d; want 1", v)
		}
		if err := <-sent; err != nil {
			t.Fatalf("Send = %v once there was room", err)
		}
		if got, _ := recvN(ctx, fast, 2); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("fast got %v; want [1 2]", got)
		}
	})
}

func recvN[T any](ctx context.Context, s *chans.Subscription[T], n int) ([]T, error) {
	var vals []T
	for range n {
		v, err := s.Recv(ctx)
		if err != nil {
			return vals, err
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func TestBroadcastBlockedSendCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := chans.NewBroadcast[int]()
		s := b.Subscribe(1)
		_ = b.Send(context.Background(), 1)
		ctx, cancel := context.WithCancel(context.Background())
		sent := make(chan error)
		go func() { sent <- b.Send(ctx, 2) }()
		synctest.Wait()
		cancel()
		if err := <-sent; !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v; want Canceled", err)
		}
		b.Close()
		if got, _ := recvAll(context.Background(), s); !slices.Equal(got, []int{1}) {
			t.Errorf("subscriber got %v; want [1] (the cancelled value must not arrive)", got)
		}
	})
}

func TestBroadcastCloseWakesEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		b := chans.NewBroadcast[int]()
		full, empty := b.Subscribe(1), b.Subscribe(1)
		_ = b.Send(ctx, 1)
		if v, _ := empty.Recv(ctx); v != 1 {
			t.Fatalf("Recv = %d; want 1", v)
		}
		sendErr := make(chan error)
		recvErr := make(chan error)
		go func() { sendErr <- b.Send(ctx, 2) }() // blocked by full
		go func() { _, err := empty.Recv(ctx); recvErr <- err }()
		synctest.Wait()
		b.Close()
		if err := <-sendErr; !errors.Is(err, chans.ErrClosed) {
			t.Errorf("blocked Send = %v; want ErrClosed", err)
		}
		if err := <-recvErr; !errors.Is(err, chans.ErrClosed) {
			t.Errorf("waiting Recv = %v; want ErrClosed", err)
		}
		if got, err := recvAll(ctx, full); !slices.Equal(got, []int{1}) || !errors.Is(err, chans.ErrClosed) {
			t.Errorf("full subscriber drained %v, %v; want [1], ErrClosed", got, err)
		}
		if err := b.Send(ctx, 3); !errors.Is(err, chans.ErrClosed) {
			t.Errorf("Send after Close = %v; want ErrClosed", err)
		}
		if _, err := b.Subscribe(1).Recv(ctx); !errors.Is(err, chans.ErrClosed) {
			t.Errorf("Recv on a subscription made after Close = %v; want ErrClosed", err)
		}
		b.Close() // twice is fine
	})
}

func TestSubscriptionClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		b := chans.NewBroadcast[int]()
		s, other := b.Subscribe(1), b.Subscribe(4)
		_ = b.Send(ctx, 1)
		sent := make(chan error)
		go func() { sent <- b.Send(ctx, 2) }() // blocked: s is full
		synctest.Wait()
		s.Close()
		if err := <-sent; err != nil {
			t.Errorf("Send = %v after the full subscriber left; want nil", err)
		}
		if _, err := s.Recv(ctx); !errors.Is(err, chans.ErrClosed) {
			t.Errorf("Recv after Close = %v; want ErrClosed", err)
		}
		s.Close()
		if got, _ := recvN(ctx, other, 2); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("other got %v; want [1 2]", got)
		}
		// Close wakes a waiting Recv.
		got := make(chan error)
		go func() { _, err := other.Recv(ctx); got <- err }()
		synctest.Wait()
		other.Close()
		if err := <-got; !errors.Is(err, chans.ErrClosed) {
			t.Errorf("waiting Recv = %v after Close; want ErrClosed", err)
		}
	})
}

func TestBroadcastRecvCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := chans.NewBroadcast[int]()
		s := b.Subscribe(1)
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error)
		go func() { _, err := s.Recv(ctx); got <- err }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("Recv = %v; want Canceled", err)
		}
		// The subscription still works.
		_ = b.Send(context.Background(), 7)
		if v, err := s.Recv(context.Background()); v != 7 || err != nil {
			t.Errorf("Recv = %d, %v; want 7, nil", v, err)
		}
	})
}

func TestBroadcastGrowKeepsUnread(t *testing.T) {
	ctx := context.Background()
	b := chans.NewBroadcast[int](chans.OnFull(chans.Lag))
	small := b.Subscribe(2)
	_ = b.Send(ctx, 1)
	_ = b.Send(ctx, 2)
	big := b.Subscribe(8) // grows the ring; small's values must survive
	for i := 3; i <= 6; i++ {
		_ = b.Send(ctx, i)
	}
	b.Close()
	if _, err := small.Recv(ctx); !isLagged(err) {
		t.Errorf("small: Recv = %v; want lagged", err)
	}
	if got, _ := recvAll(ctx, small); !slices.Equal(got, []int{5, 6}) {
		t.Errorf("small got %v; want [5 6]", got)
	}
	if got, _ := recvAll(ctx, big); !slices.Equal(got, []int{3, 4, 5, 6}) {
		t.Errorf("big got %v; want [3 4 5 6]", got)
	}
}

func TestBroadcastConcurrentSenders(t *testing.T) {
	ctx := context.Background()
	b := chans.NewBroadcast[int]()
	subs := []*chans.Subscription[int]{b.Subscribe(1), b.Subscribe(3), b.Subscribe(16)}
	got := make([][]int, len(subs))
	var readers sync.WaitGroup
	for i, s := range subs {
		readers.Go(func() { got[i], _ = recvAll(ctx, s) })
	}
	var senders sync.WaitGroup
	for k := range 4 {
		senders.Go(func() {
			for i := range 250 {
				if err := b.Send(ctx, k*1000+i); err != nil {
					t.Errorf("Send = %v", err)
				}
			}
		})
	}
	senders.Wait()
	b.Close()
	readers.Wait()
	for i := range subs {
		if len(got[i]) != 1000 || !slices.Equal(got[i], got[0]) {
			t.Errorf("subscriber %d saw %d values, or another order than subscriber 0; want the same 1000", i, len(got[i]))
		}
	}
}

func TestBroadcastParks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sl slottest.Counter
		b := chans.NewBroadcast[int]()
		s := b.Subscribe(1)
		go func() {
			synctest.Wait()
			_ = b.Send(context.Background(), 1) // wakes Recv
			synctest.Wait()
			_, _ = s.Recv(context.Background()) // makes room for the blocked Send
		}()
		onSlot(t, &sl, func(ctx context.Context) {
			if _, err := s.Recv(ctx); err != nil {
				t.Errorf("Recv = %v", err)
			}
			_ = b.Send(ctx, 2)
			_ = b.Send(ctx, 3) // s is full: waits
		})
		if r, a := sl.Released.Load(), sl.Acquired.Load(); r != 2 || a != 2 {
			t.Errorf("slot released %d, acquired %d; want 2 and 2", r, a)
		}
	})
}

func TestBroadcastBadArgs(t *testing.T) {
	mustPanic(t, func() { chans.NewBroadcast[int]().Subscribe(0) })
	mustPanic(t, func() { chans.NewBroadcast[int](chans.OnFull(chans.Policy(7))) })
	if s := chans.Policy(7).String(); s != "Policy(7)" {
		t.Errorf("String() = %q", s)
	}
}

// TestBroadcastConcurrentRecv checks that every goroutine waiting in Recv
// on one subscription is woken when there is something for it. The
// subscription used to remember a single waiter: a second Send woke
// nobody, and Close woke one Recv of several. A Recv left asleep makes
// synctest report a deadlock.
func TestBroadcastConcurrentRecv(t *testing.T) {
	type result struct {
		v   int
		err error
	}
	// env is what an act works with while every reader waits in Recv.
	type env struct {
		ctx  context.Context
		b    *chans.Broadcast[int]
		s    *chans.Subscription[int]
		got  <-chan result // the readers' results
		open func()        // lets gated readers go on from Park to their select
	}
	tests := []struct {
		name    string
		policy  chans.Policy
		buf     int
		readers int
		// gated readers run on a slot whose Release waits for open: they
		// count as waiting in Recv but have not reached their select yet.
		gated bool
		act   func(e env) []result // returns the results it took from got
		want  []string             // the readers' outcomes, sorted
	}{
		{"Send, receive, Send", chans.Block, 4, 2, false, func(e env) []result {
			_ = e.b.Send(e.ctx, 1)
			first := <-e.got
			_ = e.b.Send(e.ctx, 2)
			return []result{first}
		}, []string{"1", "2"}},
		{"two Sends at once", chans.Block, 4, 2, false, func(e env) []result {
			_ = e.b.Send(e.ctx, 1)
			_ = e.b.Send(e.ctx, 2)
			return nil
		}, []string{"1", "2"}},
		{"three Sends before anyone wakes", chans.DropOldest, 4, 3, true, func(e env) []result {
			for i := range 3 {
				_ = e.b.Send(e.ctx, i)
			}
			e.open()
			return nil
		}, []string{"0", "1", "2"}},
		{"lagged", chans.Lag, 2, 2, true, func(e env) []result {
			for i := range 3 { // buffer 2: value 0 is overwritten
				_ = e.b.Send(e.ctx, i)
			}
			e.open()
			return nil
		}, []string{"1", "chans: subscriber lagged: missed 1 values"}},
		{"Broadcast.Close", chans.Block, 4, 3, false, func(e env) []result {
			e.b.Close()
			return nil
		}, []string{"chans: closed", "chans: closed", "chans: closed"}},
		{"Subscription.Close", chans.Block, 4, 3, false, func(e env) []result {
			e.s.Close()
			return nil
		}, []string{"chans: closed", "chans: closed", "chans: closed"}},
		{"Send and Close before anyone wakes", chans.Block, 4, 3, true, func(e env) []result {
			_ = e.b.Send(e.ctx, 1)
			e.b.Close()
			e.open()
			return nil
		}, []string{"1", "chans: closed", "chans: closed"}},
		{"Send and Subscription.Close before anyone wakes", chans.Block, 4, 2, true, func(e env) []result {
			_ = e.b.Send(e.ctx, 1)
			e.s.Close()
			e.open()
			return nil
		}, []string{"chans: closed", "chans: closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				b := chans.NewBroadcast[int](chans.OnFull(tt.policy))
				defer b.Close()
				s := b.Subscribe(tt.buf)
				got := make(chan result)
				gate := &gateSlot{gate: make(chan struct{})}
				for range tt.readers {
					go func() {
						if !tt.gated {
							v, err := s.Recv(ctx)
							got <- result{v, err}
							return
						}
						_, job := task.Prepare(ctx, func(ctx context.Context) (struct{}, error) {
							v, err := s.Recv(ctx)
							got <- result{v, err}
							return struct{}{}, nil
						}, task.WithSlot(gate))
						job.Run()
					}()
				}
				synctest.Wait() // every reader waits in Recv
				results := tt.act(env{ctx, b, s, got, func() { close(gate.gate) }})
				for len(results) < tt.readers {
					results = append(results, <-got)
				}
				var outcomes []string
				for _, r := range results {
					if r.err != nil {
						outcomes = append(outcomes, r.err.Error())
					} else {
						outcomes = append(outcomes, fmt.Sprint(r.v))
					}
				}
				slices.Sort(outcomes)
				if !slices.Equal(outcomes, tt.want) {
					t.Errorf("readers got %q; want %q", outcomes, tt.want)
				}
			})
		})
	}
}

// gateSlot is a task.Slot whose Release waits until gate is closed: a Recv
// under it stops in Park, counted as waiting but not yet in its select.
type gateSlot struct{ gate chan struct{} }

func (g *gateSlot) Release() bool { <-g.gate; return true }
func (g *gateSlot) Acquire()      {}

// TestNewBroadcastNilOption checks that a nil option makes NewBroadcast
// panic with a message that names it, as it does for OnFull's bad policy.
func TestNewBroadcastNilOption(t *testing.T) {
	tests := []struct {
		opts []chans.BroadcastOption
		want string
	}{
		{[]chans.BroadcastOption{nil}, "chans: NewBroadcast: option must not be nil (got nil at index 0)"},
		{[]chans.BroadcastOption{chans.OnFull(chans.Lag), nil}, "chans: NewBroadcast: option must not be nil (got nil at index 1)"},
	}
	for _, tt := range tests {
		if got := mustPanic(t, func() { chans.NewBroadcast[int](tt.opts...) }); got != tt.want {
			t.Errorf("NewBroadcast(%d options) panicked with %v; want %q", len(tt.opts), got, tt.want)
		}
	}
}
