package chans_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spool-go/spool/chans"
)

// The chapter's channel_example: one thread sends "hello", "from",
// "thread" over an mpsc channel and the main thread prints them as they
// arrive, until the sender is dropped. In Go the sender closes the channel;
// FromSeq does it for you, and its goroutine ends with the values (or with
// ctx).
func Example_channelExample() {
	ctx := context.Background()
	rx := chans.FromSeq(ctx, slices.Values([]string{"hello", "from", "thread"}))
	for received := range rx {
		fmt.Println("Got:", received)
	}
	// Output:
	// Got: hello
	// Got: from
	// Got: thread
}

// The chapter's fan_in_pattern: three threads each send one message on a
// clone of the same Sender, and the receiver sees them in whatever order the
// threads ran. Here each producer owns its channel and Merge fans them in;
// the messages are sorted to make the output deterministic.
func Example_fanInPattern() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // would stop the producers if we stopped reading early
	var producers []<-chan string
	for i := range 3 {
		tx := make(chan string)
		go func() {
			defer close(tx) // Rust's drop(tx)
			select {
			case tx <- fmt.Sprintf("Message from thread %d", i):
			case <-ctx.Done():
			}
		}()
		producers = append(producers, tx)
	}
	var msgs []string
	for msg := range chans.Merge(ctx, producers...) {
		msgs = append(msgs, msg)
	}
	slices.Sort(msgs)
	for _, msg := range msgs {
		fmt.Println(msg)
	}
	// Output:
	// Message from thread 0
	// Message from thread 1
	// Message from thread 2
}

func ExampleFanOut() {
	ctx := context.Background()
	jobs := chans.FromSeq(ctx, slices.Values([]int{1, 2, 3, 4, 5, 6}))
	workers := chans.FanOut(ctx, jobs, 3)
	results := make(chan int)
	for _, w := range workers {
		go func() {
			for j := range w {
				results <- j * j
			}
			results <- -1 // this worker is done
		}()
	}
	var squares []int
	for left := len(workers); left > 0; {
		if r := <-results; r < 0 {
			left--
		} else {
			squares = append(squares, r)
		}
	}
	slices.Sort(squares)
	fmt.Println(squares)
	// Output: [1 4 9 16 25 36]
}

func ExampleBroadcast() {
	ctx := context.Background()
	b := chans.NewBroadcast[string]() // Block: nothing is lost
	alice, bob := b.Subscribe(4), b.Subscribe(4)
	for _, ev := range []string{"start", "tick", "stop"} {
		if err := b.Send(ctx, ev); err != nil {
			fmt.Println(err)
		}
	}
	b.Close() // subscribers drain, then get ErrClosed
	for _, sub := range []*chans.Subscription[string]{alice, bob} {
		var got []string
		for {
			ev, err := sub.Recv(ctx)
			if errors.Is(err, chans.ErrClosed) {
				break
			}
			got = append(got, ev)
		}
		fmt.Println(got)
	}
	// Output:
	// [start tick stop]
	// [start tick stop]
}

func ExampleBroadcast_lag() {
	ctx := context.Background()
	b := chans.NewBroadcast[int](chans.OnFull(chans.Lag))
	slow := b.Subscribe(2)
	for i := range 5 {
		_ = b.Send(ctx, i) // never waits under Lag
	}
	b.Close()
	for {
		v, err := slow.Recv(ctx)
		var lagged *chans.LaggedError
		switch {
		case errors.As(err, &lagged):
			fmt.Println("missed", lagged.Missed)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Println("got", v)
	}
	// Output:
	// missed 3
	// got 3
	// got 4
	// chans: closed
}

func ExampleWatch() {
	ctx := context.Background()
	cfg := chans.NewWatch("v1")
	w := cfg.Subscribe()
	ack := make(chan struct{})
	go func() {
		defer close(ack)
		for w.Changed(ctx) == nil { // until cfg is closed
			v, version := w.Borrow()
			fmt.Println("config", v, "version", version)
			ack <- struct{}{}
		}
	}()
	// A watcher sees only the latest value: the acknowledgements make this
	// example print every version; without them it might skip v2.
	for _, v := range []string{"v2", "v3"} {
		_ = cfg.Set(v)
		<-ack
	}
	cfg.Close()
	<-ack
	// Output:
	// config v2 version 1
	// config v3 version 2
}

func ExampleBatch() {
	ctx := context.Background()
	in := chans.FromSeq(ctx, slices.Values([]int{1, 2, 3, 4, 5, 6, 7}))
	for batch := range chans.Batch(ctx, in, 3, time.Minute) {
		fmt.Println(batch)
	}
	// Output:
	// [1 2 3]
	// [4 5 6]
	// [7]
}

func ExampleStage() {
	p := chans.NewPipeline(context.Background())
	defer p.Close()
	lines := chans.FromSeq(p.Context(), slices.Values([]string{"1", "2", "3", "4"}))
	nums := chans.Stage(p, lines, 2, func(_ context.Context, s string) (int, error) {
		return strconv.Atoi(s)
	}, chans.Ordered())
	squares := chans.Stage(p, nums, 2, func(_ context.Context, n int) (int, error) {
		return n * n, nil
	}, chans.Ordered())
	for sq := range squares {
		fmt.Println(sq)
	}
	fmt.Println(p.Wait(context.Background()))
	// Output:
	// 1
	// 4
	// 9
	// 16
	// <nil>
}

// A failing stage stops the whole pipeline, and Wait returns its error.
func ExamplePipeline() {
	p := chans.NewPipeline(context.Background())
	defer p.Close()
	lines := chans.FromSeq(p.Context(), slices.Values([]string{"1", "x", "3"}))
	nums := chans.Stage(p, lines, 2, func(_ context.Context, s string) (int, error) {
		return strconv.Atoi(s)
	})
	for range nums { // how many values got through before the failure varies
	}
	fmt.Println(p.Wait(context.Background()))
	// Output:
	// strconv.Atoi: parsing "x": invalid syntax
}

func ExampleSeq() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	ch <- 3
	close(ch)
	sum := 0
	for v := range chans.Seq(ctx, ch) {
		sum += v
	}
	fmt.Println(sum, ctx.Err())
	// Output: 6 <nil>
}

// A stage that returns ErrSkip drops the input: a filter. The pipeline
// does not fail.
func ExampleStage_filter() {
	p := chans.NewPipeline(context.Background())
	defer p.Close()
	lines := chans.FromSeq(p.Context(), slices.Values([]string{"1", "", "3", "# comment", "5"}))
	nums := chans.Stage(p, lines, 2, func(_ context.Context, s string) (int, error) {
		if s == "" || s[0] == '#' {
			return 0, chans.ErrSkip
		}
		return strconv.Atoi(s)
	}, chans.Ordered())
	for n := range nums {
		fmt.Println(n)
	}
	fmt.Println(p.Wait(context.Background()))
	// Output:
	// 1
	// 3
	// 5
	// <nil>
}

// A consumer that stops early breaks out of its loop and calls Close, not
// Wait: Close stops the stages still sending and returns nil unless
// something failed.
func ExamplePipeline_stopEarly() {
	firstSquareOver := func(limit int) (int, error) {
		p := chans.NewPipeline(context.Background())
		nums := chans.FromSeq(p.Context(), func(yield func(int) bool) {
			for i := 0; yield(i); i++ { // endless
			}
		})
		squares := chans.Stage(p, nums, 2, func(_ context.Context, n int) (int, error) {
			return n * n, nil
		}, chans.Ordered())
		for sq := range squares {
			if sq > limit {
				return sq, p.Close()
			}
		}
		return 0, p.Close()
	}
	fmt.Println(firstSquareOver(50))
	// Output: 64 <nil>
}
