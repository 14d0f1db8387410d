package chans_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/spool-go/spool/chans"
)

// Merge fans many channels into one. Lines of different sources
// interleave as they arrive, but each source's lines keep their order.
func ExampleMerge() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // would stop Merge's goroutines had we stopped reading early
	web := chans.FromSeq(ctx, slices.Values([]string{"web: GET /", "web: GET /login"}))
	db := chans.FromSeq(ctx, slices.Values([]string{"db: connect", "db: query", "db: close"}))

	bySource := map[string][]string{}
	for line := range chans.Merge(ctx, web, db) {
		src, msg, _ := strings.Cut(line, ": ")
		bySource[src] = append(bySource[src], msg)
	}
	for _, src := range slices.Sorted(maps.Keys(bySource)) {
		fmt.Printf("%s %q\n", src, bySource[src])
	}
	// Output:
	// db ["connect" "query" "close"]
	// web ["GET /" "GET /login"]
}

// Tee gives every value to each of n consumers, in lock-step: here one
// consumer totals the orders while another counts them. Read each output
// on its own goroutine.
func ExampleTee() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	orders := chans.FromSeq(ctx, slices.Values([]int{120, 75, 300}))
	outs := chans.Tee(ctx, orders, 2)

	var total, count int
	var wg sync.WaitGroup
	wg.Go(func() {
		for amount := range outs[0] {
			total += amount
		}
	})
	wg.Go(func() {
		for range outs[1] {
			count++
		}
	})
	wg.Wait()
	fmt.Println(count, "orders, total", total)
	// Output: 3 orders, total 495
}

// FromSeq turns an iterator into a channel, for code that consumes
// channels. A consumer that stops before the channel is closed cancels the
// context, which ends FromSeq's goroutine.
func ExampleFromSeq() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // we stop early: this releases FromSeq's goroutine
	const log = "GET /\nGET /about\nPOST /login\nGET /admin\n"
	for req := range chans.FromSeq(ctx, strings.Lines(log)) {
		if strings.HasPrefix(req, "POST") {
			fmt.Print("first write: ", req)
			break
		}
		fmt.Print("read: ", req)
	}
	// Output:
	// read: GET /
	// read: GET /about
	// first write: POST /login
}
