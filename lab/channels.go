package lab

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/spool-go/spool/chans"
)

var channelsExperiment = Experiment{
	Name:  "channels",
	Title: "channel throughput: unbuffered vs buffered (1, 64, 1024), one and many producers",
	About: "Producers send M integers over one channel to a single consumer (the chapter's " +
		"channel_example and fan_in_pattern), and with a channel per producer fanned in by chans.Merge. An unbuffered channel makes every send wait for the " +
		"receiver: a hand-over per message. A buffer lets the sides run apart and batch their wake-ups.",
	estimate: [3]time.Duration{Default: 1000 * time.Millisecond, Quick: 400 * time.Millisecond, Full: 8000 * time.Millisecond},
	run:      runChannels,
}

// sendAll sends m values over a channel with buffer buf from producers
// goroutines to one consumer, and returns the time from the producers'
// start to the last receive.
func sendAll(m, buf, producers int) (time.Duration, error) {
	ch := make(chan int, buf)
	var wg sync.WaitGroup
	start := time.Now()
	for p := range producers {
		lo, hi := p*m/producers, (p+1)*m/producers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				ch <- i
			}
		})
	}
	go func() { wg.Wait(); close(ch) }() // ends when the producers do
	var sum int
	for v := range ch {
		sum += v
	}
	took := time.Since(start)
	if want := m * (m - 1) / 2; sum != want {
		return took, fmt.Errorf("lab: channel lost messages: sum %d, want %d", sum, want)
	}
	return took, nil
}

// sendMerged is the fan-in with one channel per producer (buffer buf each),
// merged by chans.Merge into the channel the consumer reads.
func sendMerged(ctx context.Context, m, buf, producers int) (time.Duration, error) {
	ins := make([]<-chan int, producers)
	var wg sync.WaitGroup
	start := time.Now()
	for p := range producers {
		ch := make(chan int, buf)
		ins[p] = ch
		lo, hi := p*m/producers, (p+1)*m/producers
		wg.Go(func() {
			defer close(ch)
			for i := lo; i < hi; i++ {
				ch <- i
			}
		})
	}
	var sum int
	for v := range chans.Merge(context.WithoutCancel(ctx), ins...) {
		sum += v
	}
	took := time.Since(start)
	wg.Wait()
	if want := m * (m - 1) / 2; sum != want {
		return took, fmt.Errorf("lab: merge lost messages: sum %d, want %d", sum, want)
	}
	return took, nil
}

func runChannels(ctx context.Context, e *env) (*Result, error) {
	m := pick(e.size, 40_000, 200_000, 1_000_000)
	reps := pick(e.size, 2, 3, 5)
	if raceEnabled {
		m = 5000
	}
	return measureChannels(ctx, e, m, reps)
}

func measureChannels(ctx context.Context, e *env, m, reps int) (*Result, error) {
	res := &Result{}
	bufs := []int{0, 1, 64, 1024}
	prods := []int{1, max(4, 2*runtime.GOMAXPROCS(0))}
	var st *steps
	// ways: one shared channel for 1 and for many producers, then many
	// producers with a channel each, fanned in by chans.Merge.
	many := prods[1]
	ways := []struct {
		name string
		run  func(buf int) (time.Duration, error)
	}{
		{"1 producer", func(b int) (time.Duration, error) { return sendAll(m, b, 1) }},
		{fmt.Sprintf("%d producers", many), func(b int) (time.Duration, error) { return sendAll(m, b, many) }},
		{fmt.Sprintf("%d producers, chans.Merge", many), func(b int) (time.Duration, error) { return sendMerged(ctx, m, b, many) }},
	}
	st = e.steps(len(bufs) * len(ways))
	got := make([][]Stat, len(bufs))
	for bi, b := range bufs {
		got[bi] = make([]Stat, len(ways))
		for wi, w := range ways {
			s, err := sample(ctx, reps, func() (float64, error) {
				took, err := w.run(b)
				return float64(m) / took.Seconds(), err
			})
			if err != nil {
				return res, err
			}
			got[bi][wi] = res.metric(fmt.Sprintf("channels/buffer-%d/%s", b, w.name), "msgs/s", s)
			st.next()
		}
	}
	cols := []string{"buffer"}
	for _, w := range ways {
		cols = append(cols, w.name, "per message")
	}
	t := Table{Title: fmt.Sprintf("%s messages to one consumer (%d rounds)", fmtCount(m), reps), Columns: cols}
	ch := Chart{Title: "channel throughput", Kind: "bar", XName: "buffer", YName: "million messages/s"}
	for _, b := range bufs {
		ch.X = append(ch.X, strconv.Itoa(b))
	}
	for bi, b := range bufs {
		row := []string{strconv.Itoa(b)}
		for wi := range ways {
			row = append(row, fmtRate(got[bi][wi].Median, "msg"), fmtNS(1e9/got[bi][wi].Median))
		}
		t.Rows = append(t.Rows, row)
	}
	for wi, w := range ways {
		s := Series{Name: w.name}
		for bi := range bufs {
			s.Values = append(s.Values, got[bi][wi].Median/1e6)
		}
		ch.Series = append(ch.Series, s)
	}
	res.Tables = append(res.Tables, t)
	res.Charts = append(res.Charts, ch)

	res.Claims = append(res.Claims, channelsClaim(got[0][0], got[len(bufs)-1][0]))
	if r := got[0][1].Median / got[0][0].Median; r < 0.9 {
		res.note(fmt.Sprintf("Unbuffered, %d producers move %s the messages of one: they contend for the channel's lock.", many, fmtX(r)))
	} else {
		res.note(fmt.Sprintf("Unbuffered, %d producers move %s the messages of one: the consumer, not the senders, sets the pace.", many, fmtX(r)))
	}
	res.note("With chans.Merge each message is handed over twice (producer to forwarder, forwarder to consumer), " +
		"the price of per-producer channels that close on their own.")
	return res, nil
}

// channelsClaim sets "Channels avoid shared state entirely…", which has
// no figure to check, next to one producer's throughput (messages per
// second) through an unbuffered channel and through the largest buffer.
// The row's figure is what its verdict says: how much faster the
// buffered channel goes.
func channelsClaim(unbuf, big Stat) Claim {
	faster := big.Median / unbuf.Median
	return Claim{
		Quote:    "Channels avoid shared state entirely…",
		Measured: fmt.Sprintf("%s/msg unbuffered, %s buffered", fmtNS(1e9/unbuf.Median), fmtNS(1e9/big.Median)),
		Median:   faster, Spread: ratioSpread(big, unbuf), Unit: "x",
		Verdict:  "no figure; buffering: " + fmtX(faster) + " faster",
		NoFigure: true,
	}
}
